// Rows of the payments side: payments (one per PaymentIntent), refunds, payout schedules, received
// Stripe events, reconciliation discrepancies, and the email outbox entries payments queue. No business
// rules: workers/payments/* decide. Functions taking a Transaction must run inside the caller's one.
import { and, asc, desc, eq, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import type { Queryable, Transaction } from "../client";
import {
  bookingEvents,
  disputes,
  emailOutbox,
  payments,
  payoutSchedules,
  reconciliationDiscrepancies,
  refunds,
  stripeEvents,
} from "../schema";

export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type PayoutRow = typeof payoutSchedules.$inferSelect;
export type PayoutStatus = PayoutRow["status"];
export type DiscrepancyRow = typeof reconciliationDiscrepancies.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Payments

/** Inserts the row for a PaymentIntent, or returns the existing one (same intent = same row). */
export async function upsertPayment(db: Queryable, values: typeof payments.$inferInsert): Promise<PaymentRow> {
  const [inserted] = await db.insert(payments).values(values).onConflictDoNothing({ target: payments.stripePaymentIntentId }).returning();
  if (inserted) return inserted;
  const existing = await findPaymentByIntent(db, values.stripePaymentIntentId);
  if (!existing) throw new Error(`payment row for ${values.stripePaymentIntentId} vanished`);
  return existing;
}

export async function findPaymentByIntent(db: Queryable, paymentIntentId: string): Promise<PaymentRow | null> {
  const [row] = await db.select().from(payments).where(eq(payments.stripePaymentIntentId, paymentIntentId));
  return row ?? null;
}

export async function lockPaymentByIntent(tx: Transaction, paymentIntentId: string): Promise<PaymentRow | null> {
  const [row] = await tx.select().from(payments).where(eq(payments.stripePaymentIntentId, paymentIntentId)).for("update");
  return row ?? null;
}

export async function lockPayment(tx: Transaction, id: string): Promise<PaymentRow | null> {
  const [row] = await tx.select().from(payments).where(eq(payments.id, id)).for("update");
  return row ?? null;
}

/** Newest first. */
export async function paymentsForBooking(db: Queryable, bookingId: string): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.bookingId, bookingId)).orderBy(desc(payments.createdAt), desc(payments.id));
}

export async function paymentsForBookings(db: Queryable, bookingIds: string[]): Promise<PaymentRow[]> {
  if (bookingIds.length === 0) return [];
  return db.select().from(payments).where(inArray(payments.bookingId, bookingIds)).orderBy(asc(payments.createdAt));
}

export async function updatePayment(db: Queryable, id: string, values: Partial<typeof payments.$inferInsert>): Promise<PaymentRow> {
  const [row] = await db.update(payments).set({ ...values, updatedAt: new Date() }).where(eq(payments.id, id)).returning();
  return row!;
}

/** `and p.booking_id in (...)` when a scope is given (tests and per-booking repairs on a shared database). */
function onlyBookings(bookingIds: string[] | undefined) {
  if (!bookingIds) return sql``;
  if (bookingIds.length === 0) return sql`and false`;
  return sql`and p.booking_id in (${sql.join(
    bookingIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;
}

/** Payments whose PaymentIntent can still move money although the booking no longer wants it. */
export async function openPaymentsOfDeadBookings(
  db: Queryable,
  limit: number,
  bookingIds?: string[],
): Promise<Array<{ payment: PaymentRow; bookingStatus: string }>> {
  const rows = await db.execute<{ id: string; booking_status: string }>(sql`
    select p.id, b.status as booking_status
    from payments p join bookings b on b.id = p.booking_id
    where p.status in ('requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture', 'processing')
      and b.status in ('expired', 'cancelled', 'refunded') ${onlyBookings(bookingIds)}
    order by p.updated_at
    limit ${limit}`);
  if (rows.rows.length === 0) return [];
  const list = await db.select().from(payments).where(inArray(payments.id, rows.rows.map((r) => r.id)));
  const statusOf = new Map(rows.rows.map((r) => [r.id, r.booking_status] as const));
  return list.map((payment) => ({ payment, bookingStatus: statusOf.get(payment.id) ?? "" }));
}

/** Authorised payments of bookings the provider accepted whose capture has not happened (capture failed or crashed). */
export async function uncapturedAcceptedPayments(db: Queryable, limit: number, bookingIds?: string[]): Promise<PaymentRow[]> {
  const rows = await db.execute<{ id: string }>(sql`
    select p.id from payments p join bookings b on b.id = p.booking_id
    where p.status = 'requires_capture' and p.capture_method = 'manual'
      and b.status in ('confirmed', 'in_progress', 'completed') ${onlyBookings(bookingIds)}
    order by p.updated_at limit ${limit}`);
  if (rows.rows.length === 0) return [];
  return db.select().from(payments).where(inArray(payments.id, rows.rows.map((r) => r.id)));
}

/** Captured payments of bookings that have no payout schedule yet (a crash between the two). */
export async function capturedWithoutPayout(db: Queryable, limit: number, bookingIds?: string[]): Promise<string[]> {
  const rows = await db.execute<{ booking_id: string }>(sql`
    select distinct p.booking_id from payments p
    where p.amount_captured > 0 ${onlyBookings(bookingIds)}
      and not exists (select 1 from payout_schedules s where s.booking_id = p.booking_id)
    limit ${limit}`);
  return rows.rows.map((r) => r.booking_id);
}

// ---------------------------------------------------------------------------------------------
// Refunds

export async function insertRefund(tx: Queryable, values: typeof refunds.$inferInsert): Promise<RefundRow> {
  const [row] = await tx.insert(refunds).values(values).returning();
  return row!;
}

export async function findRefundByStripeId(db: Queryable, stripeRefundId: string): Promise<RefundRow | null> {
  const [row] = await db.select().from(refunds).where(eq(refunds.stripeRefundId, stripeRefundId));
  return row ?? null;
}

export async function findRefund(db: Queryable, id: string): Promise<RefundRow | null> {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, id));
  return row ?? null;
}

export async function refundsForBooking(db: Queryable, bookingId: string): Promise<RefundRow[]> {
  return db.select().from(refunds).where(eq(refunds.bookingId, bookingId)).orderBy(asc(refunds.createdAt));
}

/** What is reserved or settled against a payment: every refund that has not failed. */
/** booking_events type recording that money captured after the booking died must go back in full. */
export const AUTO_REFUND_DUE = "auto_refund_due";

export async function autoRefundDue(db: Queryable, bookingId: string, paymentIntentId: string): Promise<{ amount: number; reason: string } | null> {
  const [row] = await db
    .select({ data: bookingEvents.data })
    .from(bookingEvents)
    .where(and(eq(bookingEvents.bookingId, bookingId), eq(bookingEvents.type, AUTO_REFUND_DUE), sql`${bookingEvents.data}->>'paymentIntentId' = ${paymentIntentId}`))
    .limit(1);
  if (!row) return null;
  const data = row.data as { amount?: number; reason?: string };
  return { amount: Number(data.amount ?? 0), reason: data.reason ?? "Payment completed after the booking ended" };
}

/** Payments owed back in full (AUTO_REFUND_DUE) that still have money left to refund. */
export async function paymentsWithAutoRefundDue(db: Queryable, limit: number, bookingIds?: string[]): Promise<PaymentRow[]> {
  const rows = await db.execute<{ id: string }>(sql`
    select distinct p.id
    from booking_events e
    join payments p on p.stripe_payment_intent_id = e.data->>'paymentIntentId' and p.booking_id = e.booking_id
    where e.type = ${AUTO_REFUND_DUE}
      and p.amount_captured > (select coalesce(sum(r.amount), 0) from refunds r where r.payment_id = p.id and r.status <> 'failed')
      ${onlyBookings(bookingIds)}
    limit ${limit}`);
  if (rows.rows.length === 0) return [];
  return db.select().from(payments).where(inArray(payments.id, rows.rows.map((r) => r.id)));
}

export async function activeRefundTotal(db: Queryable, paymentId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), ne(refunds.status, "failed")));
  return Number(row?.total ?? 0);
}

export async function updateRefund(db: Queryable, id: string, values: Partial<typeof refunds.$inferInsert>): Promise<RefundRow> {
  const [row] = await db.update(refunds).set(values).where(eq(refunds.id, id)).returning();
  return row!;
}

// ---------------------------------------------------------------------------------------------
// Payout schedules

export async function insertPayoutSchedule(tx: Queryable, values: typeof payoutSchedules.$inferInsert): Promise<PayoutRow | null> {
  const [row] = await tx.insert(payoutSchedules).values(values).onConflictDoNothing({ target: payoutSchedules.bookingId }).returning();
  return row ?? null;
}

export async function findPayout(db: Queryable, id: string): Promise<PayoutRow | null> {
  const [row] = await db.select().from(payoutSchedules).where(eq(payoutSchedules.id, id));
  return row ?? null;
}

export async function findPayoutByBooking(db: Queryable, bookingId: string): Promise<PayoutRow | null> {
  const [row] = await db.select().from(payoutSchedules).where(eq(payoutSchedules.bookingId, bookingId));
  return row ?? null;
}

export async function lockPayoutByBooking(tx: Transaction, bookingId: string): Promise<PayoutRow | null> {
  const [row] = await tx.select().from(payoutSchedules).where(eq(payoutSchedules.bookingId, bookingId)).for("update");
  return row ?? null;
}

export async function lockPayout(tx: Transaction, id: string): Promise<PayoutRow | null> {
  const [row] = await tx.select().from(payoutSchedules).where(eq(payoutSchedules.id, id)).for("update");
  return row ?? null;
}

export async function updatePayout(db: Queryable, id: string, values: Partial<typeof payoutSchedules.$inferInsert>): Promise<PayoutRow> {
  const [row] = await db
    .update(payoutSchedules)
    .set({ ...values, updatedAt: values.updatedAt ?? new Date() })
    .where(eq(payoutSchedules.id, id))
    .returning();
  return row!;
}

export interface ClaimOptions {
  now: Date;
  /** `processing` rows not touched since before this instant are taken as crashed runs. */
  stuckBefore: Date;
  limit: number;
  /** Restrict to these providers (tests on a shared database, or a per-provider trigger). */
  providerIds?: string[];
}

/**
 * Takes due payouts for this run: locks them with FOR UPDATE SKIP LOCKED (a concurrent run skips
 * them instead of waiting) and flips them to `processing` in the same short transaction, so after
 * commit no other run can claim them until they are stuck. Returns the rows as they were before the
 * flip (the caller needs the previous status) plus the new version.
 */
export async function claimDuePayouts(tx: Transaction, options: ClaimOptions): Promise<Array<{ before: PayoutRow; claimed: PayoutRow }>> {
  const due = or(
    and(
      eq(payoutSchedules.status, "scheduled"),
      lte(payoutSchedules.payableAt, options.now),
      or(isNull(payoutSchedules.nextAttemptAt), lte(payoutSchedules.nextAttemptAt, options.now)),
    ),
    and(eq(payoutSchedules.status, "processing"), lte(payoutSchedules.updatedAt, options.stuckBefore)),
  );
  const rows = await tx
    .select()
    .from(payoutSchedules)
    .where(and(due, options.providerIds ? inArray(payoutSchedules.providerId, options.providerIds) : undefined))
    .orderBy(asc(payoutSchedules.payableAt))
    .limit(options.limit)
    .for("update", { skipLocked: true });
  if (rows.length === 0) return [];
  const claimed = await tx
    .update(payoutSchedules)
    .set({ status: "processing", updatedAt: options.now })
    .where(inArray(payoutSchedules.id, rows.map((r) => r.id)))
    .returning();
  const byId = new Map(claimed.map((r) => [r.id, r] as const));
  return rows.map((before) => ({ before, claimed: byId.get(before.id)! }));
}

/** Deductions already reserved on a provider's payouts that have not been paid (their clawback is not posted yet). */
export async function reservedDeductions(tx: Queryable, providerId: string, currency: string): Promise<number> {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${payoutSchedules.deductionAmount}), 0)` })
    .from(payoutSchedules)
    .where(
      and(
        eq(payoutSchedules.providerId, providerId),
        eq(payoutSchedules.currency, currency),
        inArray(payoutSchedules.status, ["scheduled", "processing", "failed"]),
      ),
    );
  return Number(row?.total ?? 0);
}

/** Admin list; newest due date first. */
export async function listPayouts(db: Queryable, filter: { status?: PayoutStatus; providerId?: string; limit?: number } = {}): Promise<PayoutRow[]> {
  return db
    .select()
    .from(payoutSchedules)
    .where(
      and(
        filter.status ? eq(payoutSchedules.status, filter.status) : undefined,
        filter.providerId ? eq(payoutSchedules.providerId, filter.providerId) : undefined,
      ),
    )
    .orderBy(desc(payoutSchedules.payableAt))
    .limit(filter.limit ?? 200);
}

/**
 * Admin action: a failed payout goes back to the queue with a fresh attempt budget. Its amount (gross −
 * deduction) is kept, so the retry sends the same parameters under the payout's current idempotency
 * key (a definitive refusal has already moved that key on: workers/payments/payouts.ts).
 * Returns null when the payout is not in `failed`.
 */
export async function retryPayout(db: Queryable, id: string): Promise<PayoutRow | null> {
  const [row] = await db
    .update(payoutSchedules)
    .set({ status: "scheduled", attempts: 0, nextAttemptAt: null, updatedAt: new Date() })
    .where(and(eq(payoutSchedules.id, id), eq(payoutSchedules.status, "failed")))
    .returning();
  return row ?? null;
}

// ---------------------------------------------------------------------------------------------
// Stripe events

export type EventClaim = "new" | "retry" | "duplicate";

/**
 * Records a received event by Stripe's id. "new" the first time, "retry" when an earlier delivery was
 * stored but not processed to the end (it failed), "duplicate" when it was processed already.
 */
export async function recordStripeEvent(db: Queryable, event: { id: string; type: string; payload: unknown }): Promise<EventClaim> {
  const [inserted] = await db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, payload: event.payload })
    .onConflictDoNothing({ target: stripeEvents.id })
    .returning({ id: stripeEvents.id });
  if (inserted) return "new";
  const [existing] = await db.select({ processedAt: stripeEvents.processedAt }).from(stripeEvents).where(eq(stripeEvents.id, event.id));
  return existing?.processedAt ? "duplicate" : "retry";
}

export async function markStripeEvent(db: Queryable, id: string, outcome: { error?: string | null }): Promise<void> {
  await db
    .update(stripeEvents)
    .set(outcome.error ? { error: outcome.error } : { processedAt: new Date(), error: null })
    .where(eq(stripeEvents.id, id));
}

// ---------------------------------------------------------------------------------------------
// Reconciliation discrepancies

export interface NewDiscrepancy {
  kind: string;
  bookingId?: string | null;
  providerId?: string | null;
  details?: Record<string, unknown>;
}

export async function insertDiscrepancies(db: Queryable, runId: string, list: NewDiscrepancy[]): Promise<void> {
  if (list.length === 0) return;
  await db.insert(reconciliationDiscrepancies).values(
    list.map((d) => ({ runId, kind: d.kind, bookingId: d.bookingId ?? null, providerId: d.providerId ?? null, details: d.details ?? {} })),
  );
}

/** Admin list: open discrepancies (newest first) unless `includeResolved`. */
export async function listDiscrepancies(
  db: Queryable,
  filter: { runId?: string; includeResolved?: boolean; limit?: number } = {},
): Promise<DiscrepancyRow[]> {
  return db
    .select()
    .from(reconciliationDiscrepancies)
    .where(
      and(
        filter.includeResolved ? undefined : isNull(reconciliationDiscrepancies.resolvedAt),
        filter.runId ? eq(reconciliationDiscrepancies.runId, filter.runId) : undefined,
      ),
    )
    .orderBy(desc(reconciliationDiscrepancies.createdAt))
    .limit(filter.limit ?? 500);
}

export async function resolveDiscrepancy(db: Queryable, id: string): Promise<boolean> {
  const rows = await db
    .update(reconciliationDiscrepancies)
    .set({ resolvedAt: new Date() })
    .where(and(eq(reconciliationDiscrepancies.id, id), isNull(reconciliationDiscrepancies.resolvedAt)))
    .returning({ id: reconciliationDiscrepancies.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Email outbox (no outbox helper exists yet; the dedupe key makes queuing idempotent)

export async function queueEmail(
  db: Queryable,
  values: { kind: string; bookingId: string | null; toAddress: string; subject: string; textBody: string; dedupeKey: string },
): Promise<boolean> {
  const rows = await db.insert(emailOutbox).values(values).onConflictDoNothing({ target: emailOutbox.dedupeKey }).returning({ id: emailOutbox.id });
  return rows.length > 0;
}

/** Stripe's dispute statuses that still decide nothing: the money's fate is open. */
export const OPEN_DISPUTE_STATUSES: readonly string[] = Object.freeze(["warning_needs_response", "warning_under_review", "needs_response", "under_review"]);

export type DisputeRow = typeof disputes.$inferSelect;

export async function hasOpenDispute(db: Queryable, bookingId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: disputes.id })
    .from(disputes)
    .where(and(eq(disputes.bookingId, bookingId), inArray(disputes.status, [...OPEN_DISPUTE_STATUSES])))
    .limit(1);
  return row !== undefined;
}

export async function disputesForBooking(db: Queryable, bookingId: string): Promise<DisputeRow[]> {
  return db.select().from(disputes).where(eq(disputes.bookingId, bookingId)).orderBy(disputes.createdAt);
}
