// Pricing: what the customer pays and how it splits between the platform and the provider.
//
// Decision: the platform fee is taken OUT OF the listed service price. The customer pays exactly
// the price shown on the listing (no surprise fee at checkout); the provider receives price − fee.
// The fee rate differs by customer kind (guests may be charged a different rate than signed-in
// customers), so the rate actually used is returned and stored with the booking – later rate
// changes must not change what an existing booking's refund splits look like.

import { DomainError } from "./errors";
import { assertNonNegative, money, mulDivRoundHalfUp, type Money } from "./money";

export interface FeeSplit {
  /** What the customer pays. */
  total: Money;
  platformFee: Money;
  /** total − platformFee, exactly. */
  providerShare: Money;
}

export interface PricedBooking extends FeeSplit {
  /** Basis points used for this booking (1 bps = 0.01 %). */
  feeBps: number;
}

export type CustomerKind = "guest" | "customer";

export function assertBps(bps: number, what = "feeBps"): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) {
    throw new DomainError("VALIDATION", "A fee rate must be an integer number of basis points between 0 and 10000", {
      fields: [what],
      value: bps,
    });
  }
}

/**
 * platformFee = round-half-up(total × bps / 10000), in integers (BigInt), so a fee of exactly half a
 * minor unit goes to the platform – the usual commercial rounding. providerShare is the remainder,
 * so the parts always add up to the total exactly.
 */
export function splitPlatformFee(total: Money, feeBps: number): FeeSplit {
  assertBps(feeBps);
  assertNonNegative(total, "total");
  const fee = mulDivRoundHalfUp(total.amount, feeBps, 10_000);
  return {
    total,
    platformFee: money(fee, total.currency),
    providerShare: money(total.amount - fee, total.currency),
  };
}

export function priceBooking(input: {
  servicePrice: Money;
  customerKind: CustomerKind;
  feeBps: { guest: number; customer: number };
}): PricedBooking {
  const feeBps = input.customerKind === "guest" ? input.feeBps.guest : input.feeBps.customer;
  return { ...splitPlatformFee(input.servicePrice, feeBps), feeBps };
}

/**
 * The smallest amount the card processor accepts for a charge, per currency (Stripe's published
 * minimums, https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). A price must be
 * free (0) or at least this, or every booking of it would fail at payment. Currencies not listed
 * fall back to 1 minor unit, and the processor has the last word.
 */
export const MINIMUM_CHARGE: Readonly<Record<string, number>> = Object.freeze({
  usd: 50, eur: 50, gbp: 30, aud: 50, cad: 50, chf: 50, nzd: 50, sgd: 50, brl: 50, inr: 50, jpy: 50,
  hkd: 400, dkk: 250, nok: 300, sek: 300, pln: 200, czk: 1500, huf: 17500, mxn: 1000, ron: 200,
});

/** Whether a listed price can be booked: free, or at least the currency's minimum charge. */
export function isChargeablePrice(price: Money): boolean {
  return price.amount === 0 || price.amount >= (MINIMUM_CHARGE[price.currency] ?? 1);
}

/**
 * Splits `total` into parts proportional to `ratios` (non-negative safe integers, at least one
 * positive) by the largest-remainder method: every part gets floor(exact share), then the minor
 * units left over go one each to the parts with the largest fractional remainders (ties: earlier
 * index first, so the result is deterministic). Parts sum to `total` exactly and each is within 1
 * of its exact share; a zero ratio always gets zero. A negative total is allocated as the
 * negation of allocating its absolute value.
 */
export function allocate(total: Money, ratios: readonly number[]): Money[] {
  if (ratios.length === 0) {
    throw new DomainError("VALIDATION", "allocate needs at least one ratio", { fields: ["ratios"] });
  }
  for (const r of ratios) {
    if (!Number.isSafeInteger(r) || r < 0) {
      throw new DomainError("VALIDATION", "Ratios must be non-negative safe integers", { fields: ["ratios"], ratios });
    }
  }
  const sum = ratios.reduce((acc, r) => acc + BigInt(r), 0n);
  if (sum === 0n) {
    throw new DomainError("VALIDATION", "At least one ratio must be positive", { fields: ["ratios"], ratios });
  }
  const sign = total.amount < 0 ? -1 : 1;
  const t = BigInt(Math.abs(total.amount));
  const parts = ratios.map((r, index) => {
    const exact = t * BigInt(r);
    return { index, base: exact / sum, remainder: exact % sum };
  });
  let leftover = t - parts.reduce((acc, p) => acc + p.base, 0n);
  // leftover < parts.length and fewer than (number of non-zero remainders), so the loop only ever
  // bumps parts whose exact share had a fraction.
  const order = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const p of order) {
    if (leftover === 0n) break;
    p.base += 1n;
    leftover -= 1n;
  }
  return parts.map((p) => money(sign * Number(p.base), total.currency));
}

export interface RefundSplit {
  refund: Money;
  /** Portion of the refund the platform gives back out of its fee. */
  fromPlatformFee: Money;
  /** Portion clawed back from the provider's share. */
  fromProviderShare: Money;
}

/**
 * How a (partial) refund is funded: proportionally to the original fee split, so a 50 % refund
 * returns half the platform fee and half the provider share. Uses allocate(), hence the parts sum
 * to the refund exactly, and since refund ≤ total neither part can exceed what was originally
 * taken (each is ≤ ceil(refund × part / total) ≤ part). A full refund returns exactly both parts.
 */
export function splitRefund(refund: Money, split: FeeSplit): RefundSplit {
  const { total, platformFee, providerShare } = split;
  if (refund.currency !== total.currency) {
    throw new DomainError("VALIDATION", `Cannot refund ${refund.currency} from a ${total.currency} booking`, {
      fields: ["refund"],
    });
  }
  if (platformFee.amount + providerShare.amount !== total.amount || platformFee.amount < 0 || providerShare.amount < 0) {
    throw new DomainError("VALIDATION", "The fee split does not add up to its total", { fields: ["split"] });
  }
  if (refund.amount < 0 || refund.amount > total.amount) {
    throw new DomainError("VALIDATION", "A refund must be between zero and the amount paid", {
      fields: ["refund"],
      refund: refund.amount,
      total: total.amount,
    });
  }
  if (refund.amount === 0) {
    // Also covers a free (0-total) booking, where allocate() would have no positive ratio.
    return { refund, fromPlatformFee: money(0, refund.currency), fromProviderShare: money(0, refund.currency) };
  }
  const [fromPlatformFee, fromProviderShare] = allocate(refund, [platformFee.amount, providerShare.amount]) as [
    Money,
    Money,
  ];
  return { refund, fromPlatformFee, fromProviderShare };
}

/** The split a booking stored when it was made (its three amounts), to compute fees of partial captures and refunds from. */
export function storedSplit(amounts: { totalAmount: number; platformFeeAmount: number; providerAmount: number; currency: string }): FeeSplit {
  return {
    total: money(amounts.totalAmount, amounts.currency),
    platformFee: money(amounts.platformFeeAmount, amounts.currency),
    providerShare: money(amounts.providerAmount, amounts.currency),
  };
}
