// Double-entry ledger, pure: which entries each money movement writes, and how balances are derived
// from them. No I/O; db/queries/ledger.ts stores the sets, workers/payments/* decide when.
//
// Sign convention: integer minor units, debit positive, credit negative. Every entry set sums to zero
// and names each account at most once (the table's unique (idempotency_key, account) relies on that).
//
// Accounts:
//   platform:stripe_balance     asset: money the platform holds at Stripe (debit balance)
//   platform:fees               revenue: the platform's fee (credit balance)
//   provider:<id>:escrow        liability: a provider's share of captured bookings, not yet due
//   provider:<id>:payable       liability: due to the provider (escrow ended), not yet transferred
//   provider:<id>:receivable    asset: "owed back" – refunded provider share that was already paid out,
//                               recovered by deducting it from the provider's next payout
//
// Movements (each one entry set, written under an idempotency key naming the Stripe object):
//   capture   stripe_balance +T            escrow −T          (the whole charge is held for the booking)
//   fee       escrow +F                    fees −F            (the platform takes its fee out of it)
//   refund    stripe_balance −R   fees +Rf   <holder> +Rp     (holder: escrow, payable or receivable)
//   dispute   as refund, for a lost chargeback (key dispute:<dp id>)
//   release   escrow +G                    payable −G         (escrow ended: the share becomes due)
//   clawback  receivable −D                payable +D         (owed-back netted against a payout)
//   transfer  payable +X                   stripe_balance −X  (Stripe Transfer to the provider)
// "paid" is not an account of ours (the money left our books): it is the sum of the transfer sets.
import { DomainError } from "./errors";
import { splitRefund, type FeeSplit } from "./pricing";
import { money } from "./money";

export type LedgerKind = "capture" | "fee" | "refund" | "dispute" | "release" | "clawback" | "transfer";

export const PLATFORM_STRIPE_BALANCE = "platform:stripe_balance";
export const PLATFORM_FEES = "platform:fees";

export type ProviderAccountKind = "escrow" | "payable" | "receivable";

export function providerAccount(providerId: string, kind: ProviderAccountKind): string {
  return `provider:${providerId}:${kind}`;
}

export interface LedgerLine {
  account: string;
  /** Signed minor units: debit positive, credit negative. */
  amount: number;
}

export interface EntrySet {
  kind: LedgerKind;
  /** Names the business event, e.g. `capture:pi_123`; re-posting the same key is a no-op. */
  idempotencyKey: string;
  currency: string;
  bookingId: string | null;
  providerId: string | null;
  lines: LedgerLine[];
}

function assertAmount(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new DomainError("VALIDATION", `${what} must be a non-negative integer of minor units`, { [what]: amount });
  }
}

/**
 * Builds a set: drops zero lines, merges lines on the same account, checks it balances.
 * Null when nothing moves (e.g. a 0 % fee), so callers never store empty sets.
 */
export function entrySet(base: Omit<EntrySet, "lines">, lines: LedgerLine[]): EntrySet | null {
  const merged = new Map<string, number>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amount)) {
      throw new DomainError("VALIDATION", "Ledger amounts must be safe integers", { account: line.account, amount: line.amount });
    }
    merged.set(line.account, (merged.get(line.account) ?? 0) + line.amount);
  }
  const kept = [...merged].filter(([, amount]) => amount !== 0).map(([account, amount]) => ({ account, amount }));
  if (kept.length === 0) return null;
  const set = { ...base, lines: kept };
  assertBalanced(set);
  return set;
}

export function sumOf(lines: readonly LedgerLine[]): number {
  return lines.reduce((acc, l) => acc + l.amount, 0);
}

export function assertBalanced(set: EntrySet): void {
  const total = sumOf(set.lines);
  if (total !== 0) {
    throw new DomainError("VALIDATION", `Ledger entry set ${set.idempotencyKey} does not balance (sums to ${total})`, {
      idempotencyKey: set.idempotencyKey,
      total,
    });
  }
  const accounts = new Set(set.lines.map((l) => l.account));
  if (accounts.size !== set.lines.length) {
    throw new DomainError("VALIDATION", `Ledger entry set ${set.idempotencyKey} names an account twice`, { idempotencyKey: set.idempotencyKey });
  }
}

interface BookingRef {
  bookingId: string;
  providerId: string;
  currency: string;
}

export function captureSet(ref: BookingRef & { paymentIntentId: string; amount: number }): EntrySet | null {
  assertAmount(ref.amount, "amount");
  return entrySet(
    { kind: "capture", idempotencyKey: `capture:${ref.paymentIntentId}`, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: PLATFORM_STRIPE_BALANCE, amount: ref.amount },
      { account: providerAccount(ref.providerId, "escrow"), amount: -ref.amount },
    ],
  );
}

export function feeSet(ref: BookingRef & { paymentIntentId: string; fee: number }): EntrySet | null {
  assertAmount(ref.fee, "fee");
  return entrySet(
    { kind: "fee", idempotencyKey: `fee:${ref.paymentIntentId}`, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: providerAccount(ref.providerId, "escrow"), amount: ref.fee },
      { account: PLATFORM_FEES, amount: -ref.fee },
    ],
  );
}

/**
 * The fee for a captured amount. Normally the booking's own split; a capture of a different amount
 * (partial capture) is split at the same proportion so fee + share still add up to it exactly.
 */
export function feeForCapture(captured: number, split: FeeSplit): number {
  assertAmount(captured, "captured");
  if (captured === split.total.amount) return split.platformFee.amount;
  if (split.total.amount === 0) return 0;
  const capped = Math.min(captured, split.total.amount);
  const part = splitRefund(money(capped, split.total.currency), split).fromPlatformFee.amount;
  return part;
}

export interface RefundPortion {
  fromPlatformFee: number;
  fromProviderShare: number;
}

/**
 * How one (partial) refund is funded, given what was refunded before it. Each refund takes the
 * difference between the split of the cumulative amount after and before it, so any sequence of
 * partial refunds adds up to exactly splitRefund(total refunded): no cent leaks and never more than the
 * original fee or share. (For two parts, largest-remainder allocation is monotone in the total, so both
 * differences are ≥ 0.)
 */
export function refundPortion(previouslyRefunded: number, refund: number, split: FeeSplit): RefundPortion {
  assertAmount(previouslyRefunded, "previouslyRefunded");
  assertAmount(refund, "refund");
  const currency = split.total.currency;
  if (previouslyRefunded + refund > split.total.amount) {
    throw new DomainError("VALIDATION", "Refunds would exceed the amount paid", {
      previouslyRefunded,
      refund,
      total: split.total.amount,
    });
  }
  const before = splitRefund(money(previouslyRefunded, currency), split);
  const after = splitRefund(money(previouslyRefunded + refund, currency), split);
  return {
    fromPlatformFee: after.fromPlatformFee.amount - before.fromPlatformFee.amount,
    fromProviderShare: after.fromProviderShare.amount - before.fromProviderShare.amount,
  };
}

/** Where the refunded provider share is taken from, by where the booking's share is now. */
export type RefundHolder = ProviderAccountKind;

export function refundSet(
  ref: BookingRef & { refundId: string; portion: RefundPortion; holder: RefundHolder },
): EntrySet | null {
  return moneyReturnedSet("refund", `refund:${ref.refundId}`, ref);
}

/**
 * A lost dispute (chargeback): the card network gave the customer the money back. The platform's
 * balance pays it, funded from the fee and the provider's share exactly as a refund of that amount.
 */
export function disputeSet(
  ref: BookingRef & { disputeId: string; portion: RefundPortion; holder: RefundHolder },
): EntrySet | null {
  return moneyReturnedSet("dispute", `dispute:${ref.disputeId}`, ref);
}

function moneyReturnedSet(
  kind: "refund" | "dispute",
  idempotencyKey: string,
  ref: BookingRef & { portion: RefundPortion; holder: RefundHolder },
): EntrySet | null {
  const { fromPlatformFee, fromProviderShare } = ref.portion;
  assertAmount(fromPlatformFee, "fromPlatformFee");
  assertAmount(fromProviderShare, "fromProviderShare");
  return entrySet(
    { kind, idempotencyKey, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: PLATFORM_STRIPE_BALANCE, amount: -(fromPlatformFee + fromProviderShare) },
      { account: PLATFORM_FEES, amount: fromPlatformFee },
      { account: providerAccount(ref.providerId, ref.holder), amount: fromProviderShare },
    ],
  );
}

export function releaseSet(ref: BookingRef & { payoutId: string; amount: number }): EntrySet | null {
  assertAmount(ref.amount, "amount");
  return entrySet(
    { kind: "release", idempotencyKey: `release:${ref.payoutId}`, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: providerAccount(ref.providerId, "escrow"), amount: ref.amount },
      { account: providerAccount(ref.providerId, "payable"), amount: -ref.amount },
    ],
  );
}

export function clawbackSet(ref: BookingRef & { payoutId: string; amount: number }): EntrySet | null {
  assertAmount(ref.amount, "amount");
  return entrySet(
    { kind: "clawback", idempotencyKey: `clawback:${ref.payoutId}`, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: providerAccount(ref.providerId, "receivable"), amount: -ref.amount },
      { account: providerAccount(ref.providerId, "payable"), amount: ref.amount },
    ],
  );
}

export function transferSet(ref: BookingRef & { payoutId: string; amount: number }): EntrySet | null {
  assertAmount(ref.amount, "amount");
  return entrySet(
    { kind: "transfer", idempotencyKey: `transfer:${ref.payoutId}`, currency: ref.currency, bookingId: ref.bookingId, providerId: ref.providerId },
    [
      { account: providerAccount(ref.providerId, "payable"), amount: ref.amount },
      { account: PLATFORM_STRIPE_BALANCE, amount: -ref.amount },
    ],
  );
}

/** The three sets a payout writes when it is paid: the escrow release is written earlier, when it falls due. */
export function payoutSets(ref: BookingRef & { payoutId: string; gross: number; deduction: number }): EntrySet[] {
  if (ref.deduction > ref.gross) {
    throw new DomainError("VALIDATION", "A payout's deduction cannot exceed its gross amount", { gross: ref.gross, deduction: ref.deduction });
  }
  return [
    clawbackSet({ ...ref, amount: ref.deduction }),
    transferSet({ ...ref, amount: ref.gross - ref.deduction }),
  ].filter((s): s is EntrySet => s !== null);
}

// ---------------------------------------------------------------------------------------------
// Balances

export interface PostedLine extends LedgerLine {
  kind: LedgerKind | string;
  currency: string;
}

/** Sum per account (and currency): the general balance fold. */
export function balancesByAccount(lines: readonly PostedLine[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) {
    const key = `${l.account}|${l.currency}`;
    out.set(key, (out.get(key) ?? 0) + l.amount);
  }
  return out;
}

export interface ProviderBalance {
  currency: string;
  /** Share of captured bookings still in escrow. */
  escrowed: number;
  /** Due (escrow ended) and not yet transferred. */
  payable: number;
  /** Transferred to the provider's Stripe account. */
  paid: number;
  /** Refunded share already paid out, to be deducted from the next payouts. */
  owedBack: number;
}

/**
 * A provider's balances per currency from their ledger lines (every line posted with the provider's
 * id: their own accounts and the platform legs of their bookings' sets). Liabilities are credit
 * balances, so they are negated to read as positive amounts.
 */
export function providerBalancesFrom(providerId: string, lines: readonly PostedLine[]): ProviderBalance[] {
  const byCurrency = new Map<string, ProviderBalance>();
  const of = (currency: string) => {
    let b = byCurrency.get(currency);
    if (!b) byCurrency.set(currency, (b = { currency, escrowed: 0, payable: 0, paid: 0, owedBack: 0 }));
    return b;
  };
  const escrow = providerAccount(providerId, "escrow");
  const payable = providerAccount(providerId, "payable");
  const receivable = providerAccount(providerId, "receivable");
  for (const l of lines) {
    const b = of(l.currency);
    if (l.account === escrow) b.escrowed -= l.amount;
    else if (l.account === payable) b.payable -= l.amount;
    else if (l.account === receivable) b.owedBack += l.amount;
    else if (l.kind === "transfer" && l.account === PLATFORM_STRIPE_BALANCE) b.paid -= l.amount;
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
