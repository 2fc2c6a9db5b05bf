// Provider payouts (the `payouts` cron job): due payout_schedules rows become Stripe Transfers to the
// provider's connected account.
//
// Never paying twice:
//  * claiming: a short transaction takes due rows FOR UPDATE SKIP LOCKED and flips them to
//    `processing`; overlapping runs skip each other's rows and, once committed, do not see them as due;
//  * every transfer is requested with the idempotency key payout:<row id> (transferIdempotencyKey) and
//    fixed parameters (the deduction is decided once, when the row is first prepared, and never
//    recomputed), so any retry – the SDK's own, the next run after a 5xx, a run picking up a row stuck
//    in `processing` after a crash – returns the transfer Stripe already made instead of making
//    another. Before a retry we also look for a transfer carrying metadata.payoutId in the booking's
//    transfer_group (covers Stripe's 24 h idempotency-key window, and a new key generation);
//  * all status writes after the claim are conditional on `processing`, and marking paid is
//    idempotent (status check + ledger keys), so the transfer.created webhook and the run can both do it.
//
// A definitive refusal (a 4xx, e.g. the connected account cannot receive transfers) made nothing, but
// Stripe keeps that answer under the key for 24 h; so it moves the row to a new key generation, and a
// retry after the cause is fixed (by the provider, or an admin's retry) is really tried again.
//
// Failures: attempts + 1 and next_attempt_at = now + 15 min × 2^(attempts − 1) (capped at 6 h; with the
// default 5 attempts the last try is ~3¾ h after the first, inside Stripe's idempotency window), back
// to `scheduled` with last_error; at PAYOUT_MAX_ATTEMPTS the row is `failed` for an admin (retryPayout).
// A provider without a Stripe account or with payouts disabled is not a failed attempt (nothing was
// tried, and counting it would fail payouts the provider can still fix by onboarding): the row stays
// `scheduled` with last_error and is looked at again an hour later.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database } from "../../db/client";
import { findBookingById } from "../../db/queries/bookings";
import { hasEntrySet, postEntrySets, providerReceivable } from "../../db/queries/ledger";
import {
  claimDuePayouts,
  findPayout,
  hasOpenDispute,
  lockPayout,
  refundsForBooking,
  reservedDeductions,
  updatePayout,
  type PayoutRow,
} from "../../db/queries/payments";
import { payoutSchedules, providers } from "../../db/schema";
import { payoutSets } from "../../domain/ledger";
import { logEvent } from "../services/context";
import { payableAtFor, releaseEscrow, toDate } from "./escrow";
import { isDefinitiveRefusal, stripeErrorMessage, type PaymentsDeps } from "./stripe-client";

export const STUCK_PROCESSING_MINUTES = 20;
export const NOT_PAYABLE_RECHECK_MINUTES = 60;
export const REFUND_OPEN_RECHECK_MINUTES = 15;
/** Why a due payout waits (its last_error); worded for the provider, who sees them on the earnings page. */
export const PAYOUT_WAIT_REASONS = Object.freeze({
  refundInProgress: "A refund of this booking is in progress",
  disputed: "Held: the customer disputed the payment",
  notPayable: "The provider cannot receive payouts yet (no connected Stripe account, or payouts disabled)",
});

/** A held payout is looked at again daily; a closed dispute makes it due at once anyway. */
export const DISPUTE_RECHECK_HOURS = 24;
const BACKOFF_BASE_MINUTES = 15;
const BACKOFF_CAP_MINUTES = 6 * 60;

/** Wait before the next try after `failures` failed attempts (≥ 1). */
export function payoutBackoff(failures: number): Temporal.Duration {
  const minutes = Math.min(BACKOFF_CAP_MINUTES, BACKOFF_BASE_MINUTES * 2 ** Math.max(0, failures - 1));
  return Temporal.Duration.from({ minutes });
}

export interface PayoutRunOptions {
  now?: Temporal.Instant;
  /** Only these providers' payouts (tests on a shared database). */
  providerIds?: string[];
  limit?: number;
}

export type PayoutResult = "paid" | "retry_scheduled" | "failed" | "waiting" | "skipped";

export interface PayoutRunSummary {
  claimed: number;
  paid: number;
  retryScheduled: number;
  failed: number;
  waiting: number;
  /** Settled meanwhile by someone else (the transfer webhook). */
  skipped: number;
  errors: Array<{ payoutId: string; error: string }>;
}

export async function runPayouts(db: Database, deps: PaymentsDeps, options: PayoutRunOptions = {}): Promise<PayoutRunSummary> {
  const now = options.now ?? deps.now?.() ?? Temporal.Now.instant();
  const claimed = await db.transaction((tx) =>
    claimDuePayouts(tx, {
      now: toDate(now),
      stuckBefore: toDate(now.subtract({ minutes: STUCK_PROCESSING_MINUTES })),
      limit: options.limit ?? 50,
      providerIds: options.providerIds,
    }),
  );
  const summary: PayoutRunSummary = { claimed: claimed.length, paid: 0, retryScheduled: 0, failed: 0, waiting: 0, skipped: 0, errors: [] };
  for (const { claimed: row } of claimed) {
    try {
      const result = await processPayout(db, deps, row, now);
      if (result === "paid") summary.paid++;
      else if (result === "retry_scheduled") summary.retryScheduled++;
      else if (result === "failed") summary.failed++;
      else if (result === "waiting") summary.waiting++;
      else summary.skipped++;
    } catch (error) {
      // Our own failure (database): the row stays `processing` and is retried as stuck, same key.
      const message = error instanceof Error ? error.message : String(error);
      summary.errors.push({ payoutId: row.id, error: message });
      logEvent("payouts.process_error", { payoutId: row.id, message }, "error");
    }
  }
  return summary;
}

/** Conditional on `processing`: a webhook that marked the row paid meanwhile wins. */
async function putBack(db: Database, id: string, values: Partial<typeof payoutSchedules.$inferInsert>, now: Temporal.Instant): Promise<void> {
  await db
    .update(payoutSchedules)
    .set({ status: "scheduled", ...values, updatedAt: toDate(now) })
    .where(and(eq(payoutSchedules.id, id), eq(payoutSchedules.status, "processing")));
}

async function processPayout(db: Database, deps: PaymentsDeps, row: PayoutRow, now: Temporal.Instant): Promise<PayoutResult> {
  const booking = row.bookingId ? await findBookingById(db, row.bookingId) : null;
  if (booking) {
    // payable_at was computed at capture; a reschedule since then moves the end of escrow.
    const payableAt = payableAtFor(booking, deps.config.ESCROW_PERIOD);
    if (Temporal.Instant.compare(payableAt, now) > 0) {
      await putBack(db, row.id, { payableAt: toDate(payableAt) }, now);
      return "waiting";
    }
    if ((await refundsForBooking(db, booking.id)).some((r) => r.status === "pending")) {
      await putBack(db, row.id, { nextAttemptAt: toDate(now.add({ minutes: REFUND_OPEN_RECHECK_MINUTES })), lastError: PAYOUT_WAIT_REASONS.refundInProgress }, now);
      return "waiting";
    }
    // Payable only if nothing disputes it: held until the dispute closes (disputes.ts releases it).
    if (await hasOpenDispute(db, booking.id)) {
      await putBack(db, row.id, { nextAttemptAt: toDate(now.add({ hours: DISPUTE_RECHECK_HOURS })), lastError: PAYOUT_WAIT_REASONS.disputed }, now);
      return "waiting";
    }
  }
  const [provider] = await db
    .select({ stripeAccountId: providers.stripeAccountId, payoutsEnabled: providers.payoutsEnabled })
    .from(providers)
    .where(eq(providers.id, row.providerId));
  if (!provider?.stripeAccountId || !provider.payoutsEnabled) {
    await putBack(
      db,
      row.id,
      {
        nextAttemptAt: toDate(now.add({ minutes: NOT_PAYABLE_RECHECK_MINUTES })),
        lastError: PAYOUT_WAIT_REASONS.notPayable,
      },
      now,
    );
    return "waiting";
  }

  // Prepared once: the escrow release and the deduction (clawback) are fixed from then on.
  const fresh = !(await hasEntrySet(db, `release:${row.id}`));
  const prepared = await db.transaction(async (tx) => {
    // Serialises deduction decisions per provider across concurrent runs (owed-back is shared).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`payout-deduction:${row.providerId}`}, 0))`);
    const locked = await lockPayout(tx, row.id);
    if (!locked || locked.status !== "processing") return null;
    let deduction = locked.deductionAmount;
    if (fresh) {
      const owed = await providerReceivable(tx, locked.providerId, locked.currency);
      const reservedElsewhere = (await reservedDeductions(tx, locked.providerId, locked.currency)) - locked.deductionAmount;
      deduction = Math.max(0, Math.min(locked.grossAmount, owed - reservedElsewhere));
    }
    const updated = await updatePayout(tx, locked.id, { deductionAmount: deduction, updatedAt: toDate(now) });
    await releaseEscrow(tx, updated);
    return updated;
  });
  if (!prepared) return "skipped";

  const amount = prepared.grossAmount - prepared.deductionAmount;
  let transfer: Stripe.Transfer | null = null;
  if (amount > 0) {
    try {
      if (!fresh) transfer = await findExistingTransfer(deps.stripe, prepared);
      transfer ??= await deps.stripe.transfers.create(
        {
          amount,
          currency: prepared.currency,
          destination: provider.stripeAccountId,
          transfer_group: prepared.bookingId ?? `payout:${prepared.id}`,
          description: booking ? `Payout for booking ${booking.confirmationCode}` : `Payout ${prepared.id}`,
          metadata: { payoutId: prepared.id, bookingId: prepared.bookingId ?? "", providerId: prepared.providerId },
        },
        { idempotencyKey: transferIdempotencyKey(prepared) },
      );
    } catch (error) {
      return recordFailure(db, deps, prepared, error, now);
    }
  }
  await markPayoutPaid(db, prepared.id, transfer?.id ?? null, now);
  return "paid";
}

/** payout:<id> at first; payout:<id>:g<n> after n definitive refusals (each made nothing). */
export function transferIdempotencyKey(payout: Pick<PayoutRow, "id" | "transferKeyGeneration">): string {
  return payout.transferKeyGeneration === 0 ? `payout:${payout.id}` : `payout:${payout.id}:g${payout.transferKeyGeneration}`;
}

/** A transfer Stripe already made for this payout (a lost answer), found by metadata in its group. */
async function findExistingTransfer(stripe: Stripe, payout: PayoutRow): Promise<Stripe.Transfer | null> {
  const list = await stripe.transfers.list({ transfer_group: payout.bookingId ?? `payout:${payout.id}`, limit: 100 });
  return list.data.find((t) => t.metadata?.payoutId === payout.id) ?? null;
}

async function recordFailure(db: Database, deps: PaymentsDeps, payout: PayoutRow, error: unknown, now: Temporal.Instant): Promise<PayoutResult> {
  const attempts = payout.attempts + 1;
  const exhausted = attempts >= deps.config.PAYOUT_MAX_ATTEMPTS;
  const message = stripeErrorMessage(error).slice(0, 1000);
  const rows = await db
    .update(payoutSchedules)
    .set({
      status: exhausted ? "failed" : "scheduled",
      attempts,
      nextAttemptAt: exhausted ? null : toDate(now.add(payoutBackoff(attempts))),
      lastError: message,
      ...(isDefinitiveRefusal(error) ? { transferKeyGeneration: payout.transferKeyGeneration + 1 } : {}),
      updatedAt: toDate(now),
    })
    .where(and(eq(payoutSchedules.id, payout.id), eq(payoutSchedules.status, "processing")))
    .returning({ id: payoutSchedules.id });
  logEvent("payouts.attempt_failed", { payoutId: payout.id, attempts, exhausted, message }, exhausted ? "error" : "warn");
  if (rows.length === 0) return "skipped";
  return exhausted ? "failed" : "retry_scheduled";
}

/**
 * Marks a payout paid and posts its clawback + transfer sets (escrow release too, if missing).
 * Idempotent; used by the run and by the transfer.created webhook. False when it was paid already.
 */
export async function markPayoutPaid(db: Database, payoutId: string, transferId: string | null, now: Temporal.Instant = Temporal.Now.instant()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const locked = await lockPayout(tx, payoutId);
    if (!locked || locked.status === "paid" || locked.status === "cancelled" || !locked.bookingId) return false;
    await releaseEscrow(tx, locked);
    await postEntrySets(
      tx,
      payoutSets({
        bookingId: locked.bookingId,
        providerId: locked.providerId,
        currency: locked.currency,
        payoutId: locked.id,
        gross: locked.grossAmount,
        deduction: locked.deductionAmount,
      }),
    );
    await updatePayout(tx, locked.id, {
      status: "paid",
      stripeTransferId: transferId ?? locked.stripeTransferId,
      paidAt: toDate(now),
      nextAttemptAt: null,
      lastError: null,
      updatedAt: toDate(now),
    });
    return true;
  });
}

/**
 * transfer.* webhooks: a transfer made for one of our payouts (metadata.payoutId) settles the row even
 * when the run that requested it never heard back. A reversal is only reported (not automated).
 */
export async function applyTransfer(db: Database, transfer: Stripe.Transfer, eventType: string): Promise<{ payoutId: string | null; marked: boolean; ignored?: string }> {
  const payoutId = transfer.metadata?.payoutId || null;
  if (!payoutId) return { payoutId, marked: false, ignored: "not a payout transfer" };
  const payout = await findPayout(db, payoutId);
  if (!payout) return { payoutId, marked: false, ignored: "unknown payout" };
  if (eventType === "transfer.reversed" || transfer.amount_reversed > 0) {
    logEvent("payouts.transfer_reversed", { payoutId, transferId: transfer.id, amountReversed: transfer.amount_reversed }, "error");
    return { payoutId, marked: false, ignored: "reversal: reported by reconciliation" };
  }
  const expected = payout.grossAmount - payout.deductionAmount;
  if (transfer.amount !== expected || transfer.currency !== payout.currency) {
    logEvent("payouts.transfer_mismatch", { payoutId, transferId: transfer.id, amount: transfer.amount, expected }, "error");
    return { payoutId, marked: false, ignored: "amount mismatch: reported by reconciliation" };
  }
  return { payoutId, marked: await markPayoutPaid(db, payoutId, transfer.id) };
}
