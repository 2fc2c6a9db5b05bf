import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { DEFAULT_CANCELLATION_POLICY, refundDeadlines, refundFor, type CancellationPolicy } from "../../domain/cancellation-policy";
import { money } from "../../domain/money";

const paid = money(5_250, "usd");
const policy = DEFAULT_CANCELLATION_POLICY;

describe("refundDeadlines", () => {
  const start = Temporal.Instant.from("2030-06-15T10:00:00Z");
  const now = Temporal.Instant.from("2030-06-01T10:00:00Z");

  it("turns the default policy into concrete cut-offs with the refund each gives", () => {
    const result = refundDeadlines(policy, { paid, serviceStart: start, now });
    expect(result.windows.map((w) => [w.percent, w.refund.amount, w.until.toString()])).toEqual([
      [100, 5_250, "2030-06-14T10:00:00Z"],
      [50, 2_625, "2030-06-15T08:00:00Z"],
    ]);
    expect(result.noRefundAfter?.toString()).toBe("2030-06-15T08:00:00Z");
  });

  it("agrees with refundFor at and just after every cut-off", () => {
    for (const w of refundDeadlines(policy, { paid, serviceStart: start, now }).windows) {
      expect(refundFor(policy, { paid, serviceStart: start, at: w.until, cancelledBy: "customer" }).percent).toBe(w.percent);
      const after = refundFor(policy, { paid, serviceStart: start, at: w.until.add({ nanoseconds: 1 }), cancelledBy: "customer" });
      expect(after.percent).toBeLessThan(w.percent);
    }
  });

  it("drops windows whose cut-off has passed", () => {
    const late = start.subtract({ hours: 5 });
    expect(refundDeadlines(policy, { paid, serviceStart: start, now: late }).windows.map((w) => w.percent)).toEqual([50]);
    const tooLate = start.subtract({ hours: 1 });
    const result = refundDeadlines(policy, { paid, serviceStart: start, now: tooLate });
    expect(result.windows).toEqual([]);
    expect(result.noRefundAfter?.toString()).toBe("2030-06-15T08:00:00Z");
  });

  it("merges adjacent tiers with the same percent and reports no deadline when nothing is ever refunded", () => {
    const merged: CancellationPolicy = {
      tiers: [
        { minHoursBefore: 48, refundPercent: 100 },
        { minHoursBefore: 24, refundPercent: 100 },
        { minHoursBefore: 0, refundPercent: 0 },
      ],
      providerCancellationRefundPercent: 100,
    };
    expect(refundDeadlines(merged, { paid, serviceStart: start, now }).windows.map((w) => w.until.toString())).toEqual(["2030-06-14T10:00:00Z"]);
    const never: CancellationPolicy = { tiers: [{ minHoursBefore: 0, refundPercent: 0 }], providerCancellationRefundPercent: 100 };
    expect(refundDeadlines(never, { paid, serviceStart: start, now })).toEqual({ windows: [], noRefundAfter: null });
  });

  it("counts elapsed hours across a DST change: 24 h before 09:00 on the spring-forward day is 08:00 the day before", () => {
    // Europe/Berlin moves from +01:00 to +02:00 at 02:00 on Sunday 29 March 2026.
    const zone = "Europe/Berlin";
    const sundayNine = Temporal.ZonedDateTime.from({ timeZone: zone, year: 2026, month: 3, day: 29, hour: 9 }).toInstant();
    const result = refundDeadlines(policy, { paid, serviceStart: sundayNine, now: sundayNine.subtract({ hours: 72 }) });
    const fullUntil = result.windows[0]!.until.toZonedDateTimeISO(zone);
    expect(fullUntil.toPlainDateTime().toString()).toBe("2026-03-28T08:00:00");
    expect(sundayNine.since(result.windows[0]!.until).total({ unit: "hours" })).toBe(24);
  });

  it("a free booking has windows refunding nothing", () => {
    const result = refundDeadlines(policy, { paid: money(0, "usd"), serviceStart: start, now });
    expect(result.windows.map((w) => w.refund.amount)).toEqual([0, 0]);
  });
});
