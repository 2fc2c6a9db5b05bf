// The pure ledger: every entry set balances, names each account once, drops zero lines; any sequence
// of business movements keeps the books at zero; provider balances fold from the lines.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError, isDomainError } from "../../domain/errors";
import {
  assertBalanced,
  balancesByAccount,
  captureSet,
  clawbackSet,
  entrySet,
  feeSet,
  payoutSets,
  PLATFORM_FEES,
  PLATFORM_STRIPE_BALANCE,
  providerAccount,
  providerBalancesFrom,
  refundPortion,
  refundSet,
  disputeSet,
  releaseSet,
  sumOf,
  transferSet,
  type EntrySet,
  type PostedLine,
  type RefundHolder,
} from "../../domain/ledger";
import { money } from "../../domain/money";
import { splitPlatformFee } from "../../domain/pricing";

const P = "11111111-1111-1111-1111-111111111111";
const B = "22222222-2222-2222-2222-222222222222";
const ref = { bookingId: B, providerId: P, currency: "usd" };

function posted(sets: Array<EntrySet | null>): PostedLine[] {
  return sets.filter((s): s is EntrySet => s !== null).flatMap((s) => s.lines.map((l) => ({ ...l, kind: s.kind, currency: s.currency })));
}

describe("entry sets", () => {
  it("capture, fee, refund, release, clawback and transfer each sum to zero with distinct accounts", () => {
    const sets = [
      captureSet({ ...ref, paymentIntentId: "pi_1", amount: 10_000 }),
      feeSet({ ...ref, paymentIntentId: "pi_1", fee: 1_000 }),
      refundSet({ ...ref, refundId: "re_1", portion: { fromPlatformFee: 100, fromProviderShare: 900 }, holder: "escrow" }),
      releaseSet({ ...ref, payoutId: "po_1", amount: 8_100 }),
      clawbackSet({ ...ref, payoutId: "po_1", amount: 300 }),
      transferSet({ ...ref, payoutId: "po_1", amount: 7_800 }),
    ];
    for (const set of sets) {
      expect(set).not.toBeNull();
      expect(sumOf(set!.lines)).toBe(0);
      expect(new Set(set!.lines.map((l) => l.account)).size).toBe(set!.lines.length);
    }
    expect(sets.map((s) => s!.idempotencyKey)).toEqual(["capture:pi_1", "fee:pi_1", "refund:re_1", "release:po_1", "clawback:po_1", "transfer:po_1"]);
    expect(captureSet({ ...ref, paymentIntentId: "pi_1", amount: 10_000 })!.lines).toEqual([
      { account: PLATFORM_STRIPE_BALANCE, amount: 10_000 },
      { account: providerAccount(P, "escrow"), amount: -10_000 },
    ]);
  });

  it("drops zero lines and returns null when nothing moves", () => {
    expect(feeSet({ ...ref, paymentIntentId: "pi_0", fee: 0 })).toBeNull();
    const refund = refundSet({ ...ref, refundId: "re_0", portion: { fromPlatformFee: 0, fromProviderShare: 500 }, holder: "receivable" })!;
    expect(refund.lines).toEqual([
      { account: PLATFORM_STRIPE_BALANCE, amount: -500 },
      { account: providerAccount(P, "receivable"), amount: 500 },
    ]);
    expect(payoutSets({ ...ref, payoutId: "po", gross: 500, deduction: 500 }).map((s) => s.kind)).toEqual(["clawback"]);
    expect(payoutSets({ ...ref, payoutId: "po", gross: 500, deduction: 0 }).map((s) => s.kind)).toEqual(["transfer"]);
  });

  it("a lost dispute moves money exactly like a refund of that amount, under its own kind and key", () => {
    const portion = { fromPlatformFee: 300, fromProviderShare: 2_700 };
    const dispute = disputeSet({ ...ref, disputeId: "dp_1", portion, holder: "escrow" })!;
    const refund = refundSet({ ...ref, refundId: "re_1", portion, holder: "escrow" })!;
    expect(dispute).toMatchObject({ kind: "dispute", idempotencyKey: "dispute:dp_1" });
    expect(dispute.lines).toEqual(refund.lines);
    expect(dispute.lines.reduce((sum, l) => sum + l.amount, 0)).toBe(0);
    expect(() => disputeSet({ ...ref, disputeId: "dp_2", portion: { fromPlatformFee: -1, fromProviderShare: 1 }, holder: "escrow" })).toThrow(DomainError);
  });

  it("merges lines on the same account and refuses unbalanced sets", () => {
    const merged = entrySet({ kind: "fee", idempotencyKey: "k", ...ref }, [
      { account: "a", amount: 5 },
      { account: "a", amount: 5 },
      { account: "b", amount: -10 },
    ]);
    expect(merged!.lines).toEqual([
      { account: "a", amount: 10 },
      { account: "b", amount: -10 },
    ]);
    const attempt = (fn: () => unknown) => {
      try {
        fn();
        return null;
      } catch (e) {
        return e;
      }
    };
    expect(isDomainError(attempt(() => entrySet({ kind: "fee", idempotencyKey: "k", ...ref }, [{ account: "a", amount: 1 }])), "VALIDATION")).toBe(true);
    expect(isDomainError(attempt(() => entrySet({ kind: "fee", idempotencyKey: "k", ...ref }, [{ account: "a", amount: 0.5 }, { account: "b", amount: -0.5 }])), "VALIDATION")).toBe(true);
    expect(isDomainError(attempt(() => assertBalanced({ kind: "fee", idempotencyKey: "k", ...ref, lines: [{ account: "a", amount: 1 }, { account: "a", amount: -1 }] })), "VALIDATION")).toBe(true);
    expect(isDomainError(attempt(() => captureSet({ ...ref, paymentIntentId: "pi", amount: -1 })), "VALIDATION")).toBe(true);
    expect(isDomainError(attempt(() => payoutSets({ ...ref, payoutId: "po", gross: 1, deduction: 2 })), "VALIDATION")).toBe(true);
  });
});

describe("any sequence of movements keeps the books at zero", () => {
  type Step = { kind: "refund"; amount: number; holder: RefundHolder } | { kind: "payout"; deduction: number };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("refund" as const), amount: fc.integer({ min: 1, max: 50_000 }), holder: fc.constantFrom<RefundHolder>("escrow", "payable", "receivable") }),
    fc.record({ kind: fc.constant("payout" as const), deduction: fc.integer({ min: 0, max: 50_000 }) }),
  );

  it("every set sums to zero, so every account total does too, and escrow/payable never go positive", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10_000 }), fc.array(stepArb, { maxLength: 10 }), (total, bps, steps) => {
        const split = splitPlatformFee(money(total, "usd"), bps);
        const sets: Array<EntrySet | null> = [
          captureSet({ ...ref, paymentIntentId: "pi", amount: total }),
          feeSet({ ...ref, paymentIntentId: "pi", fee: split.platformFee.amount }),
        ];
        let refunded = 0;
        let escrow = split.providerShare.amount;
        let payable = 0;
        let n = 0;
        for (const step of steps) {
          n++;
          if (step.kind === "refund") {
            const amount = Math.min(step.amount, total - refunded);
            if (amount === 0) continue;
            const portion = refundPortion(refunded, amount, split);
            // Take the provider part from where the share is (as the payments code decides).
            const holder: RefundHolder = escrow >= portion.fromProviderShare ? "escrow" : payable >= portion.fromProviderShare ? "payable" : "receivable";
            if (holder === "escrow") escrow -= portion.fromProviderShare;
            if (holder === "payable") payable -= portion.fromProviderShare;
            refunded += amount;
            sets.push(refundSet({ ...ref, refundId: `re_${n}`, portion, holder }));
          } else if (escrow > 0) {
            const gross = escrow;
            sets.push(releaseSet({ ...ref, payoutId: `po_${n}`, amount: gross }));
            escrow = 0;
            payable += gross;
            const owed = balancesByAccount(posted(sets)).get(`${providerAccount(P, "receivable")}|usd`) ?? 0;
            const deduction = Math.min(step.deduction, gross, Math.max(0, owed));
            for (const set of payoutSets({ ...ref, payoutId: `po_${n}`, gross, deduction })) sets.push(set);
            payable -= gross;
          }
        }
        for (const set of sets) if (set) expect(sumOf(set.lines)).toBe(0);
        const balances = balancesByAccount(posted(sets));
        expect([...balances.values()].reduce((a, b) => a + b, 0)).toBe(0);
        expect(balances.get(`${providerAccount(P, "escrow")}|usd`) ?? 0).toBeLessThanOrEqual(0);
        expect(balances.get(`${providerAccount(P, "payable")}|usd`) ?? 0).toBe(0);
        // Cash at Stripe = captured − refunded − transferred.
        const transferred = posted(sets).filter((l) => l.kind === "transfer" && l.account === PLATFORM_STRIPE_BALANCE).reduce((a, l) => a - l.amount, 0);
        expect(balances.get(`${PLATFORM_STRIPE_BALANCE}|usd`)).toBe(total - refunded - transferred);
        expect(-(balances.get(`${PLATFORM_FEES}|usd`) ?? 0)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe("provider balances", () => {
  it("fold escrowed, payable, paid and owed-back from the lines", () => {
    const lines = posted([
      captureSet({ ...ref, paymentIntentId: "pi_a", amount: 10_000 }),
      feeSet({ ...ref, paymentIntentId: "pi_a", fee: 1_000 }),
      releaseSet({ ...ref, payoutId: "po_a", amount: 9_000 }),
      transferSet({ ...ref, payoutId: "po_a", amount: 9_000 }),
      refundSet({ ...ref, refundId: "re_a", portion: { fromPlatformFee: 500, fromProviderShare: 4_500 }, holder: "receivable" }),
      captureSet({ ...ref, paymentIntentId: "pi_b", amount: 10_000 }),
      feeSet({ ...ref, paymentIntentId: "pi_b", fee: 1_000 }),
      captureSet({ ...ref, paymentIntentId: "pi_c", amount: 4_000 }),
      feeSet({ ...ref, paymentIntentId: "pi_c", fee: 400 }),
      releaseSet({ ...ref, payoutId: "po_c", amount: 3_600 }),
      captureSet({ ...ref, currency: "eur", paymentIntentId: "pi_e", amount: 500 }),
    ]);
    expect(providerBalancesFrom(P, lines)).toEqual([
      { currency: "eur", escrowed: 500, payable: 0, paid: 0, owedBack: 0 },
      { currency: "usd", escrowed: 9_000, payable: 3_600, paid: 9_000, owedBack: 4_500 },
    ]);
    const afterClawback = [
      ...lines,
      ...posted(payoutSets({ ...ref, payoutId: "po_c", gross: 3_600, deduction: 3_600 })),
    ];
    expect(providerBalancesFrom(P, afterClawback).find((b) => b.currency === "usd")).toEqual({
      currency: "usd",
      escrowed: 9_000,
      payable: 0,
      paid: 9_000,
      owedBack: 900,
    });
  });
});
