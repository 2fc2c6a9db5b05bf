// Reconciliation: checks the books against themselves and against Stripe, stores every discrepancy
// under a run id (reconciliation_discrepancies, listed for admins) and returns a summary.
//
// Checks, per booking in scope (bookings whose payments changed since `since`, most recent first and
// bounded, or the given ids):
//   ledger     every entry set (transaction) and every booking sums to zero
//   ours       ledger capture/refund totals = payments rows; refunds ≤ captured; transfers + clawbacks
//              ≤ the provider share; a confirmed/in-progress/completed booking has a capture
//   Stripe     each PaymentIntent's status and amount_received, its refunds (list by payment_intent) and
//              the transfers of the booking's transfer_group match our rows; PaymentIntents created in
//              the window that carry a bookingId we have no payment for are reported too.
// Runs from `scripts/reconcile.ts` and once an hour from the housekeeping job.
import { Temporal } from "@js-temporal/polyfill";
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database } from "../../db/client";
import { entriesForBookings, unbalancedBookings, unbalancedTransactions } from "../../db/queries/ledger";
import { insertDiscrepancies, paymentsForBookings, type NewDiscrepancy } from "../../db/queries/payments";
import { bookings, disputes, jobRuns, payments, payoutSchedules, refunds } from "../../db/schema";
import { feeForCapture, PLATFORM_STRIPE_BALANCE } from "../../domain/ledger";
import { bookingSplit } from "./payment-intents";
import { isStripeError, stripeErrorMessage } from "./stripe-client";

export const RECONCILE_WINDOW_DAYS = 35;
/** About 3 Stripe calls per booking: keeps an hourly housekeeping run well inside a Worker's subrequest limit. */
const DEFAULT_MAX_BOOKINGS = 150;
const MAX_LISTED_INTENTS = 300;

export interface ReconcileOptions {
  bookingIds?: string[];
  /** Start of the window (default: 35 days ago). */
  since?: Temporal.Instant;
  now?: Temporal.Instant;
  runId?: string;
  /** Compare with Stripe too (default true). */
  stripe?: boolean;
  /** Bound on bookings checked when no ids are given (default 150, most recently active first). */
  maxBookings?: number;
}

export interface ReconcileSummary {
  runId: string;
  checkedBookings: number;
  checkedIntents: number;
  discrepancies: number;
  byKind: Record<string, number>;
  startedAt: string;
  finishedAt: string;
}

const CONFIRMED_LIKE = ["confirmed", "in_progress", "completed"];

export async function reconcile(db: Database, stripe: Stripe, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const startedAt = options.now ?? Temporal.Now.instant();
  const runId = options.runId ?? crypto.randomUUID();
  const since = options.since ?? startedAt.subtract({ hours: 24 * RECONCILE_WINDOW_DAYS });
  const found: NewDiscrepancy[] = [];
  const report = (kind: string, bookingId: string | null, providerId: string | null, details: Record<string, unknown>) =>
    found.push({ kind, bookingId, providerId, details });

  // Most recently active first: a bounded run (a Worker invocation has a subrequest budget) checks
  // what changed lately; the script can raise maxBookings for a full sweep.
  const scope =
    options.bookingIds ??
    (
      await db
        .select({ id: payments.bookingId })
        .from(payments)
        .where(gte(payments.updatedAt, new Date(since.epochMilliseconds)))
        .groupBy(payments.bookingId)
        .orderBy(desc(sql`max(${payments.updatedAt})`))
        .limit(options.maxBookings ?? DEFAULT_MAX_BOOKINGS)
    ).map((r) => r.id);

  // Ledger integrity.
  for (const t of await unbalancedTransactions(db, scope)) report("ledger_transaction_unbalanced", null, null, { transactionId: t.key, currency: t.currency, total: t.total });
  for (const b of await unbalancedBookings(db, scope)) report("ledger_booking_unbalanced", b.key, null, { currency: b.currency, total: b.total });

  const bookingRows = scope.length ? await db.select().from(bookings).where(inArray(bookings.id, scope)) : [];
  const paymentRows = await paymentsForBookings(db, scope);
  const refundRows = scope.length ? await db.select().from(refunds).where(inArray(refunds.bookingId, scope)) : [];
  const disputeRows = scope.length ? await db.select().from(disputes).where(inArray(disputes.bookingId, scope)) : [];
  const payoutRows = scope.length ? await db.select().from(payoutSchedules).where(inArray(payoutSchedules.bookingId, scope)) : [];
  const entries = await entriesForBookings(db, scope);

  let checkedIntents = 0;
  for (const booking of bookingRows) {
    const ps = paymentRows.filter((p) => p.bookingId === booking.id);
    const lines = entries.filter((e) => e.bookingId === booking.id);
    const sum = (kind: string, account?: string) =>
      lines.filter((l) => l.kind === kind && (account === undefined || l.account === account)).reduce((acc, l) => acc + l.amount, 0);
    const capturedDb = ps.reduce((acc, p) => acc + p.amountCaptured, 0);
    const refundedDb = ps.reduce((acc, p) => acc + p.amountRefunded, 0);
    const capturedLedger = sum("capture", PLATFORM_STRIPE_BALANCE);
    const refundedLedger = -sum("refund", PLATFORM_STRIPE_BALANCE);
    const disputedDb = ps.reduce((acc, p) => acc + p.amountDisputed, 0);
    const disputedLedger = -sum("dispute", PLATFORM_STRIPE_BALANCE);
    const transferredLedger = -sum("transfer", PLATFORM_STRIPE_BALANCE);
    const clawedBack = -sum("clawback", `provider:${booking.providerId}:receivable`);
    const ref = (kind: string, details: Record<string, unknown>) => report(kind, booking.id, booking.providerId, details);

    if (capturedLedger !== capturedDb) ref("ledger_capture_mismatch", { ledger: capturedLedger, payments: capturedDb });
    if (refundedLedger !== refundedDb) ref("ledger_refund_mismatch", { ledger: refundedLedger, payments: refundedDb });
    if (disputedLedger !== disputedDb) ref("ledger_dispute_mismatch", { ledger: disputedLedger, payments: disputedDb });
    for (const p of ps) {
      if (p.amountRefunded + p.amountDisputed > p.amountCaptured) {
        ref("refunds_exceed_capture", { paymentIntentId: p.stripePaymentIntentId, captured: p.amountCaptured, refunded: p.amountRefunded, disputedLost: p.amountDisputed });
      }
    }
    const share = ps.reduce((acc, p) => acc + p.amountCaptured - feeForCapture(p.amountCaptured, bookingSplit(booking)), 0);
    if (transferredLedger + clawedBack > share) ref("payouts_exceed_provider_share", { paidOut: transferredLedger + clawedBack, providerShare: share });
    if (CONFIRMED_LIKE.includes(booking.status) && capturedDb === 0 && booking.totalAmount > 0) {
      ref("confirmed_without_capture", { status: booking.status, payments: ps.map((p) => ({ id: p.stripePaymentIntentId, status: p.status })) });
    }
    const payout = payoutRows.find((r) => r.bookingId === booking.id);
    if (payout?.status === "paid" && transferredLedger + clawedBack !== payout.grossAmount) {
      ref("payout_ledger_mismatch", { payoutId: payout.id, gross: payout.grossAmount, ledger: transferredLedger + clawedBack });
    }

    if (options.stripe === false) continue;
    try {
      for (const p of ps) {
        checkedIntents++;
        let pi: Stripe.PaymentIntent;
        try {
          pi = await stripe.paymentIntents.retrieve(p.stripePaymentIntentId);
        } catch (error) {
          if (!(isStripeError(error) && error.code === "resource_missing")) throw error;
          ref("stripe_payment_missing", { paymentIntentId: p.stripePaymentIntentId, ours: p.status });
          continue;
        }
        if (pi.status !== p.status) ref("stripe_status_mismatch", { paymentIntentId: pi.id, stripe: pi.status, ours: p.status });
        const stripeCaptured = pi.status === "succeeded" ? pi.amount_received : 0;
        if (stripeCaptured !== p.amountCaptured) ref("stripe_capture_mismatch", { paymentIntentId: pi.id, stripe: stripeCaptured, ours: p.amountCaptured });
        let stripeRefunded = 0;
        for await (const r of stripe.refunds.list({ payment_intent: pi.id, limit: 100 })) {
          if (r.status === "succeeded") stripeRefunded += r.amount;
          if (!refundRows.some((row) => row.stripeRefundId === r.id)) ref("stripe_refund_unknown", { refundId: r.id, amount: r.amount, status: r.status });
        }
        if (stripeRefunded !== p.amountRefunded) ref("stripe_refund_mismatch", { paymentIntentId: pi.id, stripe: stripeRefunded, ours: p.amountRefunded });
        for await (const d of stripe.disputes.list({ payment_intent: pi.id, limit: 100 })) {
          const ours = disputeRows.find((row) => row.id === d.id);
          if (!ours) ref("stripe_dispute_unknown", { disputeId: d.id, amount: d.amount, status: d.status });
          else if (ours.status !== d.status) ref("stripe_dispute_status_mismatch", { disputeId: d.id, stripe: d.status, ours: ours.status });
        }
      }
      let stripeTransferred = 0;
      for await (const t of stripe.transfers.list({ transfer_group: booking.id, limit: 100 })) {
        stripeTransferred += t.amount - t.amount_reversed;
        const payoutId = t.metadata?.payoutId;
        if (!payoutId || payout?.id !== payoutId || payout.status !== "paid") {
          ref("stripe_transfer_unrecorded", { transferId: t.id, amount: t.amount, payoutId: payoutId ?? null, payoutStatus: payout?.status ?? null });
        }
      }
      if (stripeTransferred !== transferredLedger) ref("stripe_transfer_mismatch", { stripe: stripeTransferred, ledger: transferredLedger });
    } catch (error) {
      ref("stripe_unreachable", { message: stripeErrorMessage(error) });
    }
  }

  // Stripe → ours: intents for bookings that we have no payment row for.
  if (options.stripe !== false) {
    try {
      const known = new Set(paymentRows.map((p) => p.stripePaymentIntentId));
      const inScope = options.bookingIds ? new Set(options.bookingIds) : null;
      let listed = 0;
      for await (const pi of stripe.paymentIntents.list({ created: { gte: Math.floor(since.epochMilliseconds / 1000) }, limit: 100 })) {
        if (++listed > MAX_LISTED_INTENTS) break;
        const bookingId = pi.metadata?.bookingId;
        if (!bookingId || (inScope && !inScope.has(bookingId)) || known.has(pi.id)) continue;
        if (!inScope) {
          const [ours] = await db.select({ id: payments.id }).from(payments).where(eq(payments.stripePaymentIntentId, pi.id));
          if (ours) continue;
        }
        if (pi.status === "succeeded" || pi.status === "requires_capture") {
          report("stripe_payment_unknown", bookingId, pi.metadata?.providerId ?? null, { paymentIntentId: pi.id, status: pi.status, amount: pi.amount_received });
        }
      }
    } catch (error) {
      report("stripe_unreachable", null, null, { message: stripeErrorMessage(error) });
    }
  }

  await insertDiscrepancies(db, runId, found);
  const byKind: Record<string, number> = {};
  for (const d of found) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  return {
    runId,
    checkedBookings: bookingRows.length,
    checkedIntents,
    discrepancies: found.length,
    byKind,
    startedAt: startedAt.toString(),
    finishedAt: Temporal.Now.instant().toString(),
  };
}

export const RECONCILIATION_JOB = "reconciliation";

/** Runs reconcile() recorded in job_runs (job "reconciliation"), as the script and housekeeping do. */
export async function runRecordedReconciliation(db: Database, stripe: Stripe, trigger: string, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const [run] = await db.insert(jobRuns).values({ job: RECONCILIATION_JOB, trigger, startedAt: new Date() }).returning({ id: jobRuns.id });
  try {
    const summary = await reconcile(db, stripe, { ...options, runId: run!.id });
    await db
      .update(jobRuns)
      .set({ finishedAt: new Date(), outcome: "ok", details: { ...summary } })
      .where(eq(jobRuns.id, run!.id));
    return summary;
  } catch (error) {
    await db
      .update(jobRuns)
      .set({ finishedAt: new Date(), outcome: "error", details: { error: error instanceof Error ? error.message : String(error) } })
      .where(eq(jobRuns.id, run!.id));
    throw error;
  }
}

/** Housekeeping runs every minute; reconciliation once an hour (the last recorded run decides). */
export async function reconcileIfDue(db: Database, stripe: Stripe, now: Temporal.Instant = Temporal.Now.instant()): Promise<ReconcileSummary | null> {
  const [last] = await db
    .select({ startedAt: jobRuns.startedAt })
    .from(jobRuns)
    .where(and(eq(jobRuns.job, RECONCILIATION_JOB)))
    .orderBy(desc(jobRuns.startedAt))
    .limit(1);
  const hourAgo = now.subtract({ hours: 1 });
  if (last && Temporal.Instant.compare(Temporal.Instant.fromEpochMilliseconds(last.startedAt.getTime()), hourAgo) > 0) return null;
  return runRecordedReconciliation(db, stripe, "housekeeping", { now });
}

/** For scripts: how many discrepancies are open overall. */
export async function openDiscrepancyCount(db: Database): Promise<number> {
  const [row] = await db.execute<{ n: string }>(sql`select count(*)::text as n from reconciliation_discrepancies where resolved_at is null`).then((r) => r.rows);
  return Number(row?.n ?? 0);
}
