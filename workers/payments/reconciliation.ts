// Reconciliation: checks the books against themselves and against Stripe, stores every discrepancy
// under a run id (reconciliation_discrepancies, listed for admins) and returns a summary.
//
// reconcile() gathers the scope and the rows, then runs one function a check; the checks are pure
// (reconciliation-checks.ts), only fetching what Stripe has happens here. Checks, per booking in scope
// (bookings whose payments changed since `since`, most recent first and bounded, or the given ids):
//   ledger   checkLedgerBalanced: every entry set (transaction) and every booking sums to zero
//   ours     checkLedgerMatchesPayments: ledger capture / refund / lost-dispute totals = payments rows
//            checkRefundsWithinCapture: refunds + lost disputes ≤ captured, per payment
//            checkPayoutsWithinShare: transfers + clawbacks ≤ the provider share
//            checkConfirmedHasCapture: a confirmed / in-progress / completed booking has a capture
//            checkPaidPayoutMatchesLedger: a paid payout's gross = the ledger's transfers + clawbacks
//   Stripe   checkAgainstStripeIntent: each PaymentIntent exists, with our status and amount_received
//            checkStripeRefunds: its refunds (list by payment_intent) are ours and add up to ours
//            checkStripeDisputes: its disputes are ours, with our status
//            checkStripeTransfers: the transfers of the booking's transfer_group are its paid payout's
//            and add up to the ledger's transfers
//            (Stripe failing: a stripe_unreachable after what was found so far)
//   unknown  unrecordedIntent: PaymentIntents created in the window that hold money for a booking we
//            have no payment row for
// Runs from `scripts/reconcile.ts` and once an hour from the housekeeping job.
import { Temporal } from "@js-temporal/polyfill";
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database } from "../../db/client";
import { entriesForBookings, unbalancedBookings, unbalancedTransactions } from "../../db/queries/ledger";
import { insertDiscrepancies, paymentsForBookings, type DisputeRow, type NewDiscrepancy, type RefundRow } from "../../db/queries/payments";
import { bookings, disputes, jobRuns, payments, payoutSchedules, refunds } from "../../db/schema";
import {
  bookingTotals,
  checkAgainstStripeIntent,
  checkLedgerBalanced,
  checkStripeDisputes,
  checkStripeRefunds,
  checkStripeTransfers,
  OWN_BOOKING_CHECKS,
  unrecordedIntent,
  type BookingRecords,
  type BookingTotals,
} from "./reconciliation-checks";
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

export async function reconcile(db: Database, stripe: Stripe, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const startedAt = options.now ?? Temporal.Now.instant();
  const runId = options.runId ?? crypto.randomUUID();
  const since = options.since ?? startedAt.subtract({ hours: 24 * RECONCILE_WINDOW_DAYS });
  const scope = options.bookingIds ?? (await recentlyActiveBookings(db, since, options.maxBookings ?? DEFAULT_MAX_BOOKINGS));

  const found: NewDiscrepancy[] = checkLedgerBalanced(await unbalancedTransactions(db, scope), await unbalancedBookings(db, scope));

  const bookingRows = scope.length ? await db.select().from(bookings).where(inArray(bookings.id, scope)) : [];
  const paymentRows = await paymentsForBookings(db, scope);
  const refundRows = scope.length ? await db.select().from(refunds).where(inArray(refunds.bookingId, scope)) : [];
  const disputeRows = scope.length ? await db.select().from(disputes).where(inArray(disputes.bookingId, scope)) : [];
  const payoutRows = scope.length ? await db.select().from(payoutSchedules).where(inArray(payoutSchedules.bookingId, scope)) : [];
  const entries = await entriesForBookings(db, scope);

  let checkedIntents = 0;
  for (const booking of bookingRows) {
    const records: BookingRecords = {
      booking,
      payments: paymentRows.filter((p) => p.bookingId === booking.id),
      entries: entries.filter((e) => e.bookingId === booking.id),
      payout: payoutRows.find((r) => r.bookingId === booking.id),
    };
    const totals = bookingTotals(records);
    for (const check of OWN_BOOKING_CHECKS) found.push(...check(records, totals));
    if (options.stripe === false) continue;
    const againstStripe = await checkBookingAgainstStripe(stripe, records, totals, refundRows, disputeRows);
    checkedIntents += againstStripe.checkedIntents;
    found.push(...againstStripe.found);
  }

  if (options.stripe !== false) {
    found.push(...(await checkUnknownIntents(db, stripe, since, new Set(paymentRows.map((p) => p.stripePaymentIntentId)), options.bookingIds)));
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

/**
 * The scope of a run without ids: bookings whose payments changed since `since`, most recently active
 * first, so that a bounded run (a Worker invocation has a subrequest budget) checks what changed lately;
 * the script can raise maxBookings for a full sweep.
 */
async function recentlyActiveBookings(db: Database, since: Temporal.Instant, maxBookings: number): Promise<string[]> {
  const rows = await db
    .select({ id: payments.bookingId })
    .from(payments)
    .where(gte(payments.updatedAt, new Date(since.epochMilliseconds)))
    .groupBy(payments.bookingId)
    .orderBy(desc(sql`max(${payments.updatedAt})`))
    .limit(maxBookings);
  return rows.map((r) => r.id);
}

/**
 * The Stripe checks of one booking: per payment its intent, refunds and disputes, then the booking's
 * transfers. Stripe failing stops them with a stripe_unreachable after what was found so far.
 */
async function checkBookingAgainstStripe(
  stripe: Stripe,
  records: BookingRecords,
  totals: BookingTotals,
  refundRows: RefundRow[],
  disputeRows: DisputeRow[],
): Promise<{ found: NewDiscrepancy[]; checkedIntents: number }> {
  const { booking } = records;
  const found: NewDiscrepancy[] = [];
  let checkedIntents = 0;
  try {
    for (const p of records.payments) {
      checkedIntents++;
      const pi = await retrieveIntentIfExists(stripe, p.stripePaymentIntentId);
      found.push(...checkAgainstStripeIntent(booking, p, pi));
      if (!pi) continue;
      found.push(...checkStripeRefunds(booking, p, await listAll(stripe.refunds.list({ payment_intent: pi.id, limit: 100 })), refundRows));
      found.push(...checkStripeDisputes(booking, await listAll(stripe.disputes.list({ payment_intent: pi.id, limit: 100 })), disputeRows));
    }
    found.push(...checkStripeTransfers(records, totals, await listAll(stripe.transfers.list({ transfer_group: booking.id, limit: 100 }))));
  } catch (error) {
    found.push({ kind: "stripe_unreachable", bookingId: booking.id, providerId: booking.providerId, details: { message: stripeErrorMessage(error) } });
  }
  return { found, checkedIntents };
}

/** Stripe → ours: intents created in the window for bookings we have no payment row for. */
async function checkUnknownIntents(
  db: Database,
  stripe: Stripe,
  since: Temporal.Instant,
  known: ReadonlySet<string>,
  bookingIds: string[] | undefined,
): Promise<NewDiscrepancy[]> {
  const found: NewDiscrepancy[] = [];
  try {
    const inScope = bookingIds ? new Set(bookingIds) : null;
    let listed = 0;
    for await (const pi of stripe.paymentIntents.list({ created: { gte: Math.floor(since.epochMilliseconds / 1000) }, limit: 100 })) {
      if (++listed > MAX_LISTED_INTENTS) break;
      const unknown = unrecordedIntent(pi, known, inScope);
      if (!unknown) continue;
      if (!inScope) {
        // Without a scope we loaded only the checked bookings' rows: the intent may still be ours.
        const [ours] = await db.select({ id: payments.id }).from(payments).where(eq(payments.stripePaymentIntentId, pi.id));
        if (ours) continue;
      }
      found.push(unknown);
    }
  } catch (error) {
    found.push({ kind: "stripe_unreachable", bookingId: null, providerId: null, details: { message: stripeErrorMessage(error) } });
  }
  return found;
}

/** The intent as Stripe has it now, or null when Stripe has none by that id. */
async function retrieveIntentIfExists(stripe: Stripe, paymentIntentId: string): Promise<Stripe.PaymentIntent | null> {
  try {
    return await stripe.paymentIntents.retrieve(paymentIntentId);
  } catch (error) {
    if (isStripeError(error) && error.code === "resource_missing") return null;
    throw error;
  }
}

/** Every item of a Stripe list (the SDK pages through it). */
async function listAll<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
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
