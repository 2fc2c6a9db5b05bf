// The checks reconcile() runs (reconciliation.ts lists them), one function a check. Each takes rows
// that are already loaded (ours, and what Stripe returned) and returns the discrepancies it found; none
// does I/O, so each is unit-tested alone (tests/unit/reconciliation-checks.test.ts). Kinds and details
// are what the admin page lists: change them only together with it.
import { storedSplit } from "../../domain/pricing";
import type Stripe from "stripe";
import type { BookingRow } from "../../db/queries/bookings";
import type { LedgerEntryRow, UnbalancedGroup } from "../../db/queries/ledger";
import type { DisputeRow, NewDiscrepancy, PaymentRow, PayoutRow, RefundRow } from "../../db/queries/payments";
import { feeForCapture, PLATFORM_STRIPE_BALANCE, providerAccount } from "../../domain/ledger";

export type CheckedBooking = Pick<BookingRow, "id" | "providerId" | "status" | "totalAmount" | "platformFeeAmount" | "providerAmount" | "currency">;
export type CheckedPayment = Pick<PaymentRow, "stripePaymentIntentId" | "status" | "amountCaptured" | "amountRefunded" | "amountDisputed">;

/** One booking's own rows, as reconcile loaded them. */
export interface BookingRecords {
  booking: CheckedBooking;
  payments: CheckedPayment[];
  entries: Array<Pick<LedgerEntryRow, "kind" | "account" | "amount">>;
  /** The booking's payout schedule, if it has one. */
  payout: Pick<PayoutRow, "id" | "status" | "grossAmount"> | undefined;
}

/** The sums the checks compare: from the payments rows (…Db) and from the ledger (money out of the Stripe balance as positive amounts). */
export interface BookingTotals {
  capturedDb: number;
  refundedDb: number;
  disputedDb: number;
  capturedLedger: number;
  refundedLedger: number;
  disputedLedger: number;
  transferredLedger: number;
  /** Taken back from the provider's later payouts (credited to its receivable). */
  clawedBack: number;
  /** What the captures owe the provider: each capture less its platform fee. */
  providerShare: number;
}

const CONFIRMED_LIKE: readonly string[] = ["confirmed", "in_progress", "completed"];

export function bookingTotals({ booking, payments: ps, entries }: BookingRecords): BookingTotals {
  const sum = (kind: string, account: string) => entries.filter((l) => l.kind === kind && l.account === account).reduce((acc, l) => acc + l.amount, 0);
  /** A credit as a positive amount (0 - x: no -0 where there is none). */
  const credited = (kind: string, account: string) => 0 - sum(kind, account);
  const total = (field: "amountCaptured" | "amountRefunded" | "amountDisputed") => ps.reduce((acc, p) => acc + p[field], 0);
  const split = storedSplit(booking);
  return {
    capturedDb: total("amountCaptured"),
    refundedDb: total("amountRefunded"),
    disputedDb: total("amountDisputed"),
    capturedLedger: sum("capture", PLATFORM_STRIPE_BALANCE),
    refundedLedger: credited("refund", PLATFORM_STRIPE_BALANCE),
    disputedLedger: credited("dispute", PLATFORM_STRIPE_BALANCE),
    transferredLedger: credited("transfer", PLATFORM_STRIPE_BALANCE),
    clawedBack: credited("clawback", providerAccount(booking.providerId, "receivable")),
    providerShare: ps.reduce((acc, p) => acc + p.amountCaptured - feeForCapture(p.amountCaptured, split), 0),
  };
}

/** A discrepancy about one booking (its id and provider filled in). */
function about(booking: Pick<CheckedBooking, "id" | "providerId">) {
  return (kind: string, details: Record<string, unknown>): NewDiscrepancy => ({ kind, bookingId: booking.id, providerId: booking.providerId, details });
}

// ---------------------------------------------------------------------------------------------
// Ledger integrity

/** ledger: every entry set and every booking sums to zero (the groups the ledger queries found that do not). */
export function checkLedgerBalanced(transactions: readonly UnbalancedGroup[], bookings: readonly UnbalancedGroup[]): NewDiscrepancy[] {
  return [
    ...transactions.map((t) => ({ kind: "ledger_transaction_unbalanced", bookingId: null, providerId: null, details: { transactionId: t.key, currency: t.currency, total: t.total } })),
    ...bookings.map((b) => ({ kind: "ledger_booking_unbalanced", bookingId: b.key, providerId: null, details: { currency: b.currency, total: b.total } })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Our own rows against each other

/** ours: the ledger's capture, refund and lost-dispute totals equal the payments rows'. */
export function checkLedgerMatchesPayments({ booking }: BookingRecords, t: BookingTotals): NewDiscrepancy[] {
  const ref = about(booking);
  const found: NewDiscrepancy[] = [];
  if (t.capturedLedger !== t.capturedDb) found.push(ref("ledger_capture_mismatch", { ledger: t.capturedLedger, payments: t.capturedDb }));
  if (t.refundedLedger !== t.refundedDb) found.push(ref("ledger_refund_mismatch", { ledger: t.refundedLedger, payments: t.refundedDb }));
  if (t.disputedLedger !== t.disputedDb) found.push(ref("ledger_dispute_mismatch", { ledger: t.disputedLedger, payments: t.disputedDb }));
  return found;
}

/** ours: no payment gave back (refunds + lost disputes) more than it captured. */
export function checkRefundsWithinCapture({ booking, payments: ps }: BookingRecords): NewDiscrepancy[] {
  const ref = about(booking);
  return ps
    .filter((p) => p.amountRefunded + p.amountDisputed > p.amountCaptured)
    .map((p) =>
      ref("refunds_exceed_capture", { paymentIntentId: p.stripePaymentIntentId, captured: p.amountCaptured, refunded: p.amountRefunded, disputedLost: p.amountDisputed }),
    );
}

/** ours: transfers + clawbacks do not exceed the provider share of what was captured. */
export function checkPayoutsWithinShare({ booking }: BookingRecords, t: BookingTotals): NewDiscrepancy[] {
  const paidOut = t.transferredLedger + t.clawedBack;
  return paidOut > t.providerShare ? [about(booking)("payouts_exceed_provider_share", { paidOut, providerShare: t.providerShare })] : [];
}

/** ours: a confirmed / in-progress / completed booking with something to pay has a capture. */
export function checkConfirmedHasCapture({ booking, payments: ps }: BookingRecords, t: BookingTotals): NewDiscrepancy[] {
  if (!CONFIRMED_LIKE.includes(booking.status) || t.capturedDb !== 0 || booking.totalAmount <= 0) return [];
  return [about(booking)("confirmed_without_capture", { status: booking.status, payments: ps.map((p) => ({ id: p.stripePaymentIntentId, status: p.status })) })];
}

/** ours: a paid payout's gross equals the ledger's transfers + clawbacks. */
export function checkPaidPayoutMatchesLedger({ booking, payout }: BookingRecords, t: BookingTotals): NewDiscrepancy[] {
  const ledger = t.transferredLedger + t.clawedBack;
  if (payout?.status !== "paid" || ledger === payout.grossAmount) return [];
  return [about(booking)("payout_ledger_mismatch", { payoutId: payout.id, gross: payout.grossAmount, ledger })];
}

/** The checks of a booking's own rows, in the order their discrepancies are stored. */
export const OWN_BOOKING_CHECKS: ReadonlyArray<(records: BookingRecords, totals: BookingTotals) => NewDiscrepancy[]> = [
  checkLedgerMatchesPayments,
  checkRefundsWithinCapture,
  checkPayoutsWithinShare,
  checkConfirmedHasCapture,
  checkPaidPayoutMatchesLedger,
];

// ---------------------------------------------------------------------------------------------
// Against Stripe (what Stripe returned is passed in)

/** Stripe: the payment's PaymentIntent exists (null: Stripe has none by that id) with our status and captured amount. */
export function checkAgainstStripeIntent(
  booking: Pick<CheckedBooking, "id" | "providerId">,
  payment: CheckedPayment,
  pi: Pick<Stripe.PaymentIntent, "id" | "status" | "amount_received"> | null,
): NewDiscrepancy[] {
  const ref = about(booking);
  if (!pi) return [ref("stripe_payment_missing", { paymentIntentId: payment.stripePaymentIntentId, ours: payment.status })];
  const found: NewDiscrepancy[] = [];
  if (pi.status !== payment.status) found.push(ref("stripe_status_mismatch", { paymentIntentId: pi.id, stripe: pi.status, ours: payment.status }));
  const stripeCaptured = pi.status === "succeeded" ? pi.amount_received : 0;
  if (stripeCaptured !== payment.amountCaptured) found.push(ref("stripe_capture_mismatch", { paymentIntentId: pi.id, stripe: stripeCaptured, ours: payment.amountCaptured }));
  return found;
}

/** Stripe: every refund of the intent is one of ours, and the succeeded ones add up to the payment's refunded amount. */
export function checkStripeRefunds(
  booking: Pick<CheckedBooking, "id" | "providerId">,
  payment: CheckedPayment,
  stripeRefunds: ReadonlyArray<Pick<Stripe.Refund, "id" | "amount" | "status">>,
  ourRefunds: ReadonlyArray<Pick<RefundRow, "stripeRefundId">>,
): NewDiscrepancy[] {
  const ref = about(booking);
  const found: NewDiscrepancy[] = [];
  let stripeRefunded = 0;
  for (const r of stripeRefunds) {
    if (r.status === "succeeded") stripeRefunded += r.amount;
    if (!ourRefunds.some((row) => row.stripeRefundId === r.id)) found.push(ref("stripe_refund_unknown", { refundId: r.id, amount: r.amount, status: r.status }));
  }
  if (stripeRefunded !== payment.amountRefunded) {
    found.push(ref("stripe_refund_mismatch", { paymentIntentId: payment.stripePaymentIntentId, stripe: stripeRefunded, ours: payment.amountRefunded }));
  }
  return found;
}

/** Stripe: every dispute of the intent is one of ours, with our status. */
export function checkStripeDisputes(
  booking: Pick<CheckedBooking, "id" | "providerId">,
  stripeDisputes: ReadonlyArray<Pick<Stripe.Dispute, "id" | "amount" | "status">>,
  ourDisputes: ReadonlyArray<Pick<DisputeRow, "id" | "status">>,
): NewDiscrepancy[] {
  const ref = about(booking);
  const found: NewDiscrepancy[] = [];
  for (const d of stripeDisputes) {
    const ours = ourDisputes.find((row) => row.id === d.id);
    if (!ours) found.push(ref("stripe_dispute_unknown", { disputeId: d.id, amount: d.amount, status: d.status }));
    else if (ours.status !== d.status) found.push(ref("stripe_dispute_status_mismatch", { disputeId: d.id, stripe: d.status, ours: ours.status }));
  }
  return found;
}

/**
 * Stripe: every transfer of the booking's transfer_group belongs to its payout as paid, and what they
 * moved (less reversals) equals the ledger's transfers.
 */
export function checkStripeTransfers(
  { booking, payout }: BookingRecords,
  t: BookingTotals,
  transfers: ReadonlyArray<Pick<Stripe.Transfer, "id" | "amount" | "amount_reversed" | "metadata">>,
): NewDiscrepancy[] {
  const ref = about(booking);
  const found: NewDiscrepancy[] = [];
  let stripeTransferred = 0;
  for (const tr of transfers) {
    stripeTransferred += tr.amount - tr.amount_reversed;
    const payoutId = tr.metadata?.payoutId;
    if (!payoutId || payout?.id !== payoutId || payout.status !== "paid") {
      found.push(ref("stripe_transfer_unrecorded", { transferId: tr.id, amount: tr.amount, payoutId: payoutId ?? null, payoutStatus: payout?.status ?? null }));
    }
  }
  if (stripeTransferred !== t.transferredLedger) found.push(ref("stripe_transfer_mismatch", { stripe: stripeTransferred, ledger: t.transferredLedger }));
  return found;
}

/**
 * Stripe → ours: a listed PaymentIntent that holds money for a booking (in scope, when one is given)
 * and is none of the payments rows we know. `stripe_payment_unknown` unless the caller then finds a
 * row for it (a run without a scope knows only the rows of the bookings it checked).
 */
export function unrecordedIntent(
  pi: Pick<Stripe.PaymentIntent, "id" | "status" | "amount_received" | "metadata">,
  known: ReadonlySet<string>,
  inScope: ReadonlySet<string> | null,
): NewDiscrepancy | null {
  const bookingId = pi.metadata?.bookingId;
  if (!bookingId || (inScope && !inScope.has(bookingId)) || known.has(pi.id)) return null;
  if (pi.status !== "succeeded" && pi.status !== "requires_capture") return null;
  return { kind: "stripe_payment_unknown", bookingId, providerId: pi.metadata?.providerId ?? null, details: { paymentIntentId: pi.id, status: pi.status, amount: pi.amount_received } };
}
