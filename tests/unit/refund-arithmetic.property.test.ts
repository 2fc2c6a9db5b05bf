// Fee and refund arithmetic as the payments code uses it: the fee split of a booking, the fee of a
// (partial) capture, and how any sequence of partial refunds is funded from the fee and the provider
// share. Parts always add up, increments are never negative, and nothing ever leaks a cent.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feeForCapture, refundPortion } from "../../domain/ledger";
import { isDomainError } from "../../domain/errors";
import { money } from "../../domain/money";
import { splitPlatformFee, type FeeSplit } from "../../domain/pricing";

const totalArb = fc.integer({ min: 0, max: 100_000_000 });
const bpsArb = fc.integer({ min: 0, max: 10_000 });
const splitArb = fc.tuple(totalArb, bpsArb).map(([total, bps]) => splitPlatformFee(money(total, "usd"), bps));

/** A split plus a sequence of partial refunds whose sum stays within the total. */
const refundsArb = splitArb.chain((split) =>
  fc
    .array(fc.integer({ min: 1, max: Math.max(1, split.total.amount) }), { maxLength: 12 })
    .map((wanted) => {
      const refunds: number[] = [];
      let left = split.total.amount;
      for (const r of wanted) {
        const take = Math.min(r, left);
        if (take > 0) refunds.push(take);
        left -= take;
      }
      return { split, refunds };
    }),
);

function fold(split: FeeSplit, refunds: number[]) {
  let refunded = 0;
  let fromFee = 0;
  let fromProvider = 0;
  const portions = refunds.map((r) => {
    const p = refundPortion(refunded, r, split);
    refunded += r;
    fromFee += p.fromPlatformFee;
    fromProvider += p.fromProviderShare;
    return p;
  });
  return { portions, refunded, fromFee, fromProvider };
}

describe("fee split", () => {
  it("fee + provider share = total, both non-negative integers", () => {
    fc.assert(
      fc.property(splitArb, (split) => {
        expect(split.platformFee.amount + split.providerShare.amount).toBe(split.total.amount);
        expect(Number.isSafeInteger(split.platformFee.amount) && split.platformFee.amount >= 0).toBe(true);
        expect(Number.isSafeInteger(split.providerShare.amount) && split.providerShare.amount >= 0).toBe(true);
      }),
    );
  });

  it("the fee of a capture: the booking's fee for a full capture, proportional and bounded for a partial one", () => {
    fc.assert(
      fc.property(splitArb, fc.integer({ min: 0, max: 100_000_000 }), (split, rawCaptured) => {
        expect(feeForCapture(split.total.amount, split)).toBe(split.platformFee.amount);
        const captured = Math.min(rawCaptured, split.total.amount);
        const fee = feeForCapture(captured, split);
        expect(fee).toBeGreaterThanOrEqual(0);
        expect(fee).toBeLessThanOrEqual(Math.min(captured, split.platformFee.amount));
      }),
    );
  });
});

describe("refund portions", () => {
  it("each refund's fee and provider parts add up to it and are never negative", () => {
    fc.assert(
      fc.property(refundsArb, ({ split, refunds }) => {
        const { portions } = fold(split, refunds);
        portions.forEach((p, i) => {
          expect(p.fromPlatformFee + p.fromProviderShare).toBe(refunds[i]);
          expect(p.fromPlatformFee).toBeGreaterThanOrEqual(0);
          expect(p.fromProviderShare).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });

  it("no cent leaks: all partial refunds together never take more than the fee or the share", () => {
    fc.assert(
      fc.property(refundsArb, ({ split, refunds }) => {
        const { refunded, fromFee, fromProvider } = fold(split, refunds);
        expect(fromFee + fromProvider).toBe(refunded);
        expect(fromFee).toBeLessThanOrEqual(split.platformFee.amount);
        expect(fromProvider).toBeLessThanOrEqual(split.providerShare.amount);
      }),
    );
  });

  it("refunding everything, in any number of pieces, returns exactly the fee and the share", () => {
    fc.assert(
      fc.property(refundsArb, ({ split, refunds }) => {
        const rest = split.total.amount - refunds.reduce((a, b) => a + b, 0);
        expect(rest).toBeGreaterThanOrEqual(0);
        const { refunded, fromFee, fromProvider } = fold(split, rest > 0 ? [...refunds, rest] : refunds);
        expect(refunded).toBe(split.total.amount);
        expect(fromFee).toBe(split.platformFee.amount);
        expect(fromProvider).toBe(split.providerShare.amount);
      }),
    );
  });

  it("the order of the pieces does not change the cumulative split", () => {
    fc.assert(
      fc.property(refundsArb, ({ split, refunds }) => {
        const forward = fold(split, refunds);
        const backward = fold(split, [...refunds].reverse());
        expect(backward.fromFee).toBe(forward.fromFee);
        expect(backward.fromProvider).toBe(forward.fromProvider);
      }),
    );
  });

  it("examples: 10 % fee, three refunds of a third", () => {
    const split = splitPlatformFee(money(10_000, "usd"), 1_000); // fee 1000, share 9000
    const { portions, fromFee, fromProvider } = fold(split, [3_333, 3_333, 3_334]);
    expect(portions).toEqual([
      { fromPlatformFee: 333, fromProviderShare: 3_000 },
      { fromPlatformFee: 334, fromProviderShare: 2_999 },
      { fromPlatformFee: 333, fromProviderShare: 3_001 },
    ]);
    expect([fromFee, fromProvider]).toEqual([1_000, 9_000]);
  });

  it("refuses to refund past the total", () => {
    const split = splitPlatformFee(money(1_000, "usd"), 1_000);
    let error: unknown;
    try {
      refundPortion(600, 401, split);
    } catch (e) {
      error = e;
    }
    expect(isDomainError(error, "VALIDATION")).toBe(true);
  });
});
