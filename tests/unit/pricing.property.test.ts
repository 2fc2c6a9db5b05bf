import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { money } from "../../domain/money";
import { allocate, priceBooking, splitPlatformFee, splitRefund } from "../../domain/pricing";
import { thrownCode } from "../support/domain-errors";

const amountArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const smallAmountArb = fc.integer({ min: 0, max: 10_000_000 });
const bpsArb = fc.integer({ min: 0, max: 10_000 });

describe("splitPlatformFee", () => {
  it("examples", () => {
    expect(splitPlatformFee(money(10_000, "usd"), 1_000)).toEqual({
      total: money(10_000, "usd"),
      platformFee: money(1_000, "usd"),
      providerShare: money(9_000, "usd"),
    });
    expect(splitPlatformFee(money(1_005, "usd"), 1_000).platformFee.amount).toBe(101); // 100.5 → up
    expect(splitPlatformFee(money(1_004, "usd"), 1_000).platformFee.amount).toBe(100);
    expect(splitPlatformFee(money(999, "jpy"), 0).platformFee.amount).toBe(0);
    expect(splitPlatformFee(money(999, "jpy"), 10_000).providerShare.amount).toBe(0);
  });

  it.each([-1, 10_001, 12.5, Number.NaN])("rejects bps %s", (bps) => {
    expect(thrownCode(() => splitPlatformFee(money(100, "usd"), bps))).toBe("VALIDATION");
  });

  it("rejects a negative total", () => {
    expect(thrownCode(() => splitPlatformFee(money(-100, "usd"), 500))).toBe("VALIDATION");
  });

  it("parts add up exactly and the fee is round-half-up of the exact rational", () => {
    fc.assert(
      fc.property(amountArb, bpsArb, (amount, bps) => {
        const { total, platformFee, providerShare } = splitPlatformFee(money(amount, "usd"), bps);
        expect(platformFee.amount + providerShare.amount).toBe(total.amount);
        expect(platformFee.amount).toBeGreaterThanOrEqual(0);
        expect(providerShare.amount).toBeGreaterThanOrEqual(0);
        // exact = amount·bps/10000; round-half-up ⇔ −½ < fee − exact ≤ ½ ⇔ −5000 < fee·10000 − amount·bps ≤ 5000
        const diff = BigInt(platformFee.amount) * 10_000n - BigInt(amount) * BigInt(bps);
        expect(diff > -5_000n && diff <= 5_000n).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("a higher rate never yields a smaller fee", () => {
    fc.assert(
      fc.property(smallAmountArb, bpsArb, bpsArb, (amount, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const m = money(amount, "usd");
        expect(splitPlatformFee(m, lo).platformFee.amount).toBeLessThanOrEqual(splitPlatformFee(m, hi).platformFee.amount);
      }),
    );
  });
});

describe("priceBooking", () => {
  const feeBps = { guest: 1_200, customer: 1_000 };

  it("takes the fee out of the listed price, at the rate for the customer kind", () => {
    const guest = priceBooking({ servicePrice: money(5_000, "usd"), customerKind: "guest", feeBps });
    expect(guest).toEqual({
      total: money(5_000, "usd"),
      platformFee: money(600, "usd"),
      providerShare: money(4_400, "usd"),
      feeBps: 1_200,
    });
    const customer = priceBooking({ servicePrice: money(5_000, "usd"), customerKind: "customer", feeBps });
    expect(customer.feeBps).toBe(1_000);
    expect(customer.platformFee.amount).toBe(500);
    expect(customer.total).toEqual(money(5_000, "usd")); // customer pays the listed price
  });

  it("validates the selected rate", () => {
    expect(
      thrownCode(() => priceBooking({ servicePrice: money(1, "usd"), customerKind: "guest", feeBps: { guest: -1, customer: 0 } })),
    ).toBe("VALIDATION");
  });
});

describe("allocate", () => {
  it("examples", () => {
    expect(allocate(money(100, "usd"), [1, 1, 1]).map((m) => m.amount)).toEqual([34, 33, 33]);
    expect(allocate(money(5, "usd"), [3, 7]).map((m) => m.amount)).toEqual([2, 3]); // 1.5 / 3.5 → tie → first
    expect(allocate(money(-100, "usd"), [1, 1, 1]).map((m) => m.amount)).toEqual([-34, -33, -33]);
    expect(allocate(money(10, "usd"), [0, 1, 0]).map((m) => m.amount)).toEqual([0, 10, 0]);
    expect(allocate(money(0, "usd"), [1, 2]).map((m) => m.amount)).toEqual([0, 0]);
  });

  it("rejects bad ratios", () => {
    expect(thrownCode(() => allocate(money(1, "usd"), []))).toBe("VALIDATION");
    expect(thrownCode(() => allocate(money(1, "usd"), [0, 0]))).toBe("VALIDATION");
    expect(thrownCode(() => allocate(money(1, "usd"), [1, -1]))).toBe("VALIDATION");
    expect(thrownCode(() => allocate(money(1, "usd"), [0.5, 0.5]))).toBe("VALIDATION");
  });

  it("parts sum exactly, each within 1 of its exact share, zero ratios get zero", () => {
    const ratiosArb = fc
      .array(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 8 })
      .filter((rs) => rs.some((r) => r > 0));
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 }), ratiosArb, (amount, ratios) => {
        const parts = allocate(money(amount, "eur"), ratios);
        expect(parts).toHaveLength(ratios.length);
        expect(parts.reduce((s, p) => s + BigInt(p.amount), 0n)).toBe(BigInt(amount));
        const sum = ratios.reduce((s, r) => s + BigInt(r), 0n);
        parts.forEach((part, i) => {
          expect(part.currency).toBe("eur");
          // |part − amount·r/sum| < 1  ⇔  |part·sum − amount·r| < sum
          const err = BigInt(part.amount) * sum - BigInt(amount) * BigInt(ratios[i]!);
          expect((err < 0n ? -err : err) < sum).toBe(true);
          if (ratios[i] === 0) expect(part.amount).toBe(0);
        });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("splitRefund", () => {
  it("examples", () => {
    const split = splitPlatformFee(money(10_000, "usd"), 1_000);
    expect(splitRefund(money(5_000, "usd"), split)).toEqual({
      refund: money(5_000, "usd"),
      fromPlatformFee: money(500, "usd"),
      fromProviderShare: money(4_500, "usd"),
    });
    expect(splitRefund(money(10_000, "usd"), split).fromPlatformFee).toEqual(money(1_000, "usd"));
    expect(splitRefund(money(0, "usd"), splitPlatformFee(money(0, "usd"), 1_000)).fromProviderShare.amount).toBe(0);
  });

  it("rejects refunds outside 0..total, other currencies and inconsistent splits", () => {
    const split = splitPlatformFee(money(1_000, "usd"), 1_000);
    expect(thrownCode(() => splitRefund(money(1_001, "usd"), split))).toBe("VALIDATION");
    expect(thrownCode(() => splitRefund(money(-1, "usd"), split))).toBe("VALIDATION");
    expect(thrownCode(() => splitRefund(money(1, "eur"), split))).toBe("VALIDATION");
    expect(thrownCode(() => splitRefund(money(1, "usd"), { ...split, platformFee: money(1, "usd") }))).toBe("VALIDATION");
  });

  it("never exceeds either part, sums to the refund, and a full refund returns both parts", () => {
    fc.assert(
      fc.property(amountArb, bpsArb, fc.double({ min: 0, max: 1, noNaN: true }), (amount, bps, fraction) => {
        const split = splitPlatformFee(money(amount, "usd"), bps);
        // The test may use a float to pick a refund; the code under test never does.
        const refundAmount = Math.min(amount, Math.floor(amount * fraction));
        const r = splitRefund(money(refundAmount, "usd"), split);
        expect(r.fromPlatformFee.amount + r.fromProviderShare.amount).toBe(refundAmount);
        expect(r.fromPlatformFee.amount).toBeGreaterThanOrEqual(0);
        expect(r.fromProviderShare.amount).toBeGreaterThanOrEqual(0);
        expect(r.fromPlatformFee.amount).toBeLessThanOrEqual(split.platformFee.amount);
        expect(r.fromProviderShare.amount).toBeLessThanOrEqual(split.providerShare.amount);
        const full = splitRefund(split.total, split);
        expect(full.fromPlatformFee).toEqual(split.platformFee);
        expect(full.fromProviderShare).toEqual(split.providerShare);
      }),
      { numRuns: 2_000 },
    );
  });
});
