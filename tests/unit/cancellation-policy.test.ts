import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ActorType } from "../../domain/booking-states";
import {
  CancellationPolicySchema,
  DEFAULT_CANCELLATION_POLICY,
  describePolicy,
  refundFor,
  refundSentence,
  rescheduleAllowed,
  rescheduleDeadline,
  type CancellationPolicy,
} from "../../domain/cancellation-policy";
import { DomainError } from "../../domain/errors";
import { money } from "../../domain/money";

const start = Temporal.Instant.from("2030-06-15T10:00:00Z");
const paid = money(10_000, "usd");
const policy = DEFAULT_CANCELLATION_POLICY;
const before = (d: Temporal.DurationLike) => start.subtract(d);
const customerRefund = (at: Temporal.Instant, p: CancellationPolicy = policy, amount = paid) =>
  refundFor(p, { paid: amount, serviceStart: start, at, cancelledBy: "customer" });

function domainCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : "non-domain";
  }
  return undefined;
}

describe("schema", () => {
  it("accepts the default policy", () => {
    expect(CancellationPolicySchema.parse(DEFAULT_CANCELLATION_POLICY)).toEqual(DEFAULT_CANCELLATION_POLICY);
  });

  it.each([
    ["unordered tiers", { tiers: [{ minHoursBefore: 2, refundPercent: 50 }, { minHoursBefore: 24, refundPercent: 100 }] }],
    ["duplicate cut-offs", { tiers: [{ minHoursBefore: 24, refundPercent: 100 }, { minHoursBefore: 24, refundPercent: 50 }] }],
    ["later tier refunds more", { tiers: [{ minHoursBefore: 24, refundPercent: 50 }, { minHoursBefore: 2, refundPercent: 100 }] }],
    ["fractional percent", { tiers: [{ minHoursBefore: 24, refundPercent: 50.5 }] }],
    ["percent over 100", { tiers: [{ minHoursBefore: 24, refundPercent: 101 }] }],
    ["fractional hours", { tiers: [{ minHoursBefore: 1.5, refundPercent: 100 }] }],
    ["negative hours", { tiers: [{ minHoursBefore: -1, refundPercent: 100 }] }],
    ["no tiers", { tiers: [] }],
  ])("rejects %s", (_name, partial) => {
    expect(CancellationPolicySchema.safeParse({ providerCancellationRefundPercent: 100, ...partial }).success).toBe(false);
  });

  it("pins the provider-cancellation refund at 100 %", () => {
    expect(CancellationPolicySchema.safeParse({ ...DEFAULT_CANCELLATION_POLICY, providerCancellationRefundPercent: 50 }).success).toBe(
      false,
    );
  });
});

describe("refundFor – tier boundaries (inclusive)", () => {
  it.each([
    ["a week before", { hours: 168 }, 100, 24],
    ["exactly 24 h before", { hours: 24 }, 100, 24],
    ["24 h minus 1 ns before", { hours: 23, minutes: 59, seconds: 59, milliseconds: 999, microseconds: 999, nanoseconds: 999 }, 50, 2],
    ["exactly 2 h before", { hours: 2 }, 50, 2],
    ["2 h minus 1 ns before", { hours: 1, minutes: 59, seconds: 59, milliseconds: 999, microseconds: 999, nanoseconds: 999 }, 0, 0],
    ["1 ns before the start", { nanoseconds: 1 }, 0, 0],
  ] as const)("%s → %i %", (_name, d, percent, tierHours) => {
    const r = customerRefund(before(d));
    expect(r.percent).toBe(percent);
    expect(r.refund).toEqual(money((10_000 * percent) / 100, "usd"));
    expect(r.tier?.minHoursBefore).toBe(tierHours);
  });

  it("at or after the start → 0 % for the customer and guest, no tier", () => {
    for (const at of [start, start.add({ minutes: 5 }), start.add({ hours: 48 })]) {
      for (const cancelledBy of ["customer", "guest"] as const) {
        const r = refundFor(policy, { paid, serviceStart: start, at, cancelledBy });
        expect(r).toMatchObject({ percent: 0, tier: null, refund: money(0, "usd") });
        expect(r.explanation).toMatch(/after the service started/);
      }
    }
  });

  it("a minHoursBefore: 0 tier covers up to, but not including, the start", () => {
    const p: CancellationPolicy = { tiers: [{ minHoursBefore: 0, refundPercent: 80 }], providerCancellationRefundPercent: 100 };
    expect(customerRefund(before({ nanoseconds: 1 }), p).percent).toBe(80);
    expect(customerRefund(start, p).percent).toBe(0);
  });

  it("a time no tier covers refunds nothing", () => {
    const p: CancellationPolicy = { tiers: [{ minHoursBefore: 48, refundPercent: 100 }], providerCancellationRefundPercent: 100 };
    const r = customerRefund(before({ hours: 47 }), p);
    expect(r).toMatchObject({ percent: 0, tier: null });
    expect(r.explanation).toMatch(/later than any refund tier/);
  });

  it.each(["provider", "admin", "system"] as const)("cancellation by %s refunds 100 %, even after the start", (cancelledBy) => {
    for (const at of [before({ hours: 100 }), before({ minutes: 1 }), start.add({ hours: 1 })]) {
      const r = refundFor(policy, { paid, serviceStart: start, at, cancelledBy });
      expect(r).toMatchObject({ percent: 100, tier: null, refund: paid });
    }
  });

  it("rounds half up in integers and never exceeds what was paid", () => {
    expect(customerRefund(before({ hours: 3 }), policy, money(101, "usd")).refund).toEqual(money(51, "usd")); // 50.5 → 51
    expect(customerRefund(before({ hours: 3 }), policy, money(1, "jpy")).refund).toEqual(money(1, "jpy")); // 0.5 → 1
    expect(customerRefund(before({ hours: 72 }), policy, money(Number.MAX_SAFE_INTEGER, "usd")).refund.amount).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it("rejects a negative amount paid", () => {
    expect(domainCode(() => customerRefund(before({ hours: 30 }), policy, money(-1, "usd")))).toBe("VALIDATION");
  });

  it("explains itself", () => {
    expect(customerRefund(before({ hours: 30 })).explanation).toBe(
      "Cancelled 30 hours before the start: full refund (at least 24 hours before the start).",
    );
    expect(customerRefund(before({ hours: 3, minutes: 15 })).explanation).toBe(
      "Cancelled 3 h 15 min before the start: 50% refund (at least 2 hours before the start).",
    );
    expect(customerRefund(before({ minutes: 45 })).explanation).toBe(
      "Cancelled 45 min before the start: no refund (less than 2 hours before the start).",
    );
    expect(refundFor(policy, { paid, serviceStart: start, at: start, cancelledBy: "provider" }).explanation).toBe(
      "Cancelled by the provider: full refund.",
    );
  });
});

// Tiers are elapsed hours before the start instant, not wall-clock "same time the day before": a
// customer reads "24 hours before" on a countdown, and the refund must not depend on a clock change.
describe("refundFor – across DST changes", () => {
  const NY = "America/New_York";
  const zoned = (text: string) => Temporal.ZonedDateTime.from(text).toInstant();
  const refundAt = (serviceStart: Temporal.Instant, at: Temporal.Instant) =>
    refundFor(policy, { paid, serviceStart, at, cancelledBy: "customer" });

  it("spring forward: 09:00 the day before is only 23 hours before, so the 50 % tier", () => {
    const start = zoned("2026-03-08T09:00-04:00[America/New_York]");
    const dayBefore = zoned("2026-03-07T09:00-05:00[America/New_York]");
    expect(refundAt(start, dayBefore)).toMatchObject({ percent: 50, refund: money(5_000, "usd") });
    expect(refundAt(start, dayBefore).explanation).toContain("23 hours before the start");
    // The full-refund cut-off is 08:00 the day before on the wall clock, and it is inclusive.
    const cutoff = zoned("2026-03-07T08:00-05:00[America/New_York]");
    expect(refundAt(start, cutoff).percent).toBe(100);
    expect(refundAt(start, cutoff.add({ nanoseconds: 1 })).percent).toBe(50);
    expect(rescheduleDeadline(policy, start)?.toZonedDateTimeISO(NY).toPlainTime().toString()).toBe("08:00:00");
  });

  it("fall back: 09:30 the day before is 24 h 30 min before, so still the full refund", () => {
    const start = zoned("2026-11-01T09:00-05:00[America/New_York]");
    const dayBefore = zoned("2026-10-31T09:30-04:00[America/New_York]");
    expect(refundAt(start, dayBefore)).toMatchObject({ percent: 100, refund: paid });
    expect(refundAt(start, dayBefore).explanation).toContain("24 h 30 min before the start");
    expect(rescheduleDeadline(policy, start)?.toZonedDateTimeISO(NY).toString()).toBe("2026-10-31T10:00:00-04:00[America/New_York]");
  });

  it("the 2-hour tier spans the repeated hour: 01:30 (first) before a 03:00 start is 2 h 30 min", () => {
    const start = zoned("2026-11-01T03:00-05:00[America/New_York]");
    const firstOneThirty = zoned("2026-11-01T01:30-04:00[America/New_York]");
    const secondOneThirty = zoned("2026-11-01T01:30-05:00[America/New_York]");
    expect(refundAt(start, firstOneThirty)).toMatchObject({ percent: 50 });
    expect(refundAt(start, firstOneThirty).explanation).toContain("2 h 30 min before the start");
    expect(refundAt(start, secondOneThirty)).toMatchObject({ percent: 0 }); // 1 h 30 min: same wall time, other instant
  });
});

describe("describePolicy", () => {
  it("describes the default policy", () => {
    expect(describePolicy(DEFAULT_CANCELLATION_POLICY)).toEqual([
      "Full refund until 24 hours before the start",
      "50% refund until 2 hours before the start",
      "No refund less than 2 hours before the start",
      "Full refund if the provider cancels",
    ]);
  });

  it("merges equal adjacent tiers, uses days, and closes an open-ended last tier", () => {
    expect(
      describePolicy({
        tiers: [
          { minHoursBefore: 168, refundPercent: 100 },
          { minHoursBefore: 72, refundPercent: 100 },
          { minHoursBefore: 1, refundPercent: 25 },
        ],
        providerCancellationRefundPercent: 100,
      }),
    ).toEqual([
      "Full refund until 3 days before the start",
      "25% refund until 1 hour before the start",
      "No refund less than 1 hour before the start",
      "Full refund if the provider cancels",
    ]);
    expect(
      describePolicy({ tiers: [{ minHoursBefore: 0, refundPercent: 100 }], providerCancellationRefundPercent: 100 }),
    ).toEqual(["Full refund until the start", "No refund once the service has started", "Full refund if the provider cancels"]);
    expect(
      describePolicy({ tiers: [{ minHoursBefore: 0, refundPercent: 0 }], providerCancellationRefundPercent: 100 }),
    ).toEqual(["No refund when you cancel", "Full refund if the provider cancels"]);
  });
});

describe("rescheduling", () => {
  it("is allowed until the last 100 % cut-off, inclusive", () => {
    const ok = rescheduleAllowed(policy, { serviceStart: start, at: before({ hours: 24 }) });
    expect(ok.allowed).toBe(true);
    // Temporal objects keep their state in internal slots, so compare with equals(), not toEqual.
    expect(ok.deadline.equals(before({ hours: 24 }))).toBe(true);
    expect(rescheduleDeadline(policy, start)?.equals(before({ hours: 24 }))).toBe(true);
    const err = (() => {
      try {
        rescheduleAllowed(policy, { serviceStart: start, at: before({ hours: 23, minutes: 59 }) });
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(err?.code).toBe("POLICY_FORBIDS");
    expect(err?.details).toMatchObject({ reason: "past_deadline", deadline: "2030-06-14T10:00:00Z" });
  });

  it("is never allowed without a 100 % tier, nor at/after the start", () => {
    const noFull: CancellationPolicy = { tiers: [{ minHoursBefore: 24, refundPercent: 50 }], providerCancellationRefundPercent: 100 };
    expect(domainCode(() => rescheduleAllowed(noFull, { serviceStart: start, at: before({ hours: 720 }) }))).toBe("POLICY_FORBIDS");
    expect(rescheduleDeadline(noFull, start)).toBeNull();
    const untilStart: CancellationPolicy = { tiers: [{ minHoursBefore: 0, refundPercent: 100 }], providerCancellationRefundPercent: 100 };
    expect(domainCode(() => rescheduleAllowed(untilStart, { serviceStart: start, at: before({ nanoseconds: 1 }) }))).toBeUndefined();
    expect(domainCode(() => rescheduleAllowed(untilStart, { serviceStart: start, at: start }))).toBe("POLICY_FORBIDS");
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random valid policies

const policyArb: fc.Arbitrary<CancellationPolicy> = fc
  .uniqueArray(fc.integer({ min: 0, max: 24 * 30 }), { minLength: 1, maxLength: 6 })
  .chain((hours) =>
    fc
      .array(fc.integer({ min: 0, max: 100 }), { minLength: hours.length, maxLength: hours.length })
      .map((percents) => {
        const hs = [...hours].sort((a, b) => b - a);
        const ps = [...percents].sort((a, b) => b - a); // non-increasing as the cut-off gets later
        return {
          tiers: hs.map((minHoursBefore, i) => ({ minHoursBefore, refundPercent: ps[i]! })),
          providerCancellationRefundPercent: 100 as const,
        };
      }),
  );
// Offsets in seconds around the start, from 40 days before to 1 day after; half of them on whole
// hours so the generated tier boundaries are actually hit.
const offsetArb = fc.oneof(
  fc.integer({ min: -40 * 86_400, max: 86_400 }),
  fc.integer({ min: -960, max: 24 }).map((h) => h * 3_600),
);
const atOffset = (seconds: number) => start.add({ seconds });
const actorArb = fc.constantFrom<ActorType>("customer", "guest", "provider", "admin", "system");

describe("refundFor properties", () => {
  it("generated policies are valid", () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        expect(CancellationPolicySchema.safeParse(p).success).toBe(true);
      }),
    );
  });

  it("never refunds more than paid, or less than zero", () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), offsetArb, actorArb, (p, amount, off, who) => {
        const r = refundFor(p, { paid: money(amount, "usd"), serviceStart: start, at: atOffset(off), cancelledBy: who });
        expect(r.refund.amount).toBeGreaterThanOrEqual(0);
        expect(r.refund.amount).toBeLessThanOrEqual(amount);
        expect(r.refund.currency).toBe("usd");
      }),
      { numRuns: 1_000 },
    );
  });

  it("is monotone: cancelling earlier never refunds less", () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 10_000_000 }), offsetArb, offsetArb, (p, amount, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const m = money(amount, "usd");
        const rEarly = customerRefund(atOffset(earlier), p, m);
        const rLate = customerRefund(atOffset(later), p, m);
        expect(rEarly.refund.amount).toBeGreaterThanOrEqual(rLate.refund.amount);
        expect(rEarly.percent).toBeGreaterThanOrEqual(rLate.percent);
      }),
      { numRuns: 1_000 },
    );
  });

  it("rescheduling is allowed exactly when a customer cancellation would be fully refunded", () => {
    fc.assert(
      fc.property(policyArb, offsetArb, (p, off) => {
        const at = atOffset(off);
        const allowed = domainCode(() => rescheduleAllowed(p, { serviceStart: start, at })) === undefined;
        expect(allowed).toBe(customerRefund(at, p).percent === 100);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("refundSentence", () => {
  it("states the amount and the tier, and tells nothing-charged apart from no refund", () => {
    expect(refundSentence(money(3000, "usd"), 100, 3000)).toBe("You get back $30.00 (full refund).");
    expect(refundSentence(money(1500, "usd"), 50, 3000, "done")).toBe("Refunded $15.00 (50% refund).");
    expect(refundSentence(money(0, "usd"), 0, 3000)).toBe("You get nothing back (no refund).");
    expect(refundSentence(money(0, "usd"), 0, 3000, "done")).toBe("Nothing was refunded (no refund).");
    expect(refundSentence(money(0, "usd"), 100, 0, "done")).toBe("Nothing had been charged, so nothing was refunded.");
  });
});
