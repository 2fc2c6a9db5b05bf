// Row-level reads and writes of bookings and their audit trail. No business rules here: the services in
// workers/services decide, these functions only move rows. Functions taking a Transaction must run
// inside the caller's transaction (locks, all-or-nothing audit).
import { and, asc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Actor, BookingStatus } from "../../domain/booking-states";
import type { Database, Queryable, Transaction } from "../client";
import {
  bookingEvents,
  bookingStateTransitions,
  bookings,
  emailOutbox,
  guestBookingSessions,
  providers,
  services,
} from "../schema";

export type BookingRow = typeof bookings.$inferSelect;
export type NewBookingRow = typeof bookings.$inferInsert;
export type GuestSessionRow = typeof guestBookingSessions.$inferSelect;
export type TransitionRow = typeof bookingStateTransitions.$inferSelect;
export type BookingEventRow = typeof bookingEvents.$inferSelect;

export const IDEMPOTENCY_INDEX = "bookings_idempotency_key_key";
export const CONFIRMATION_CODE_INDEX = "bookings_confirmation_code_key";
export const NO_OVERLAP_CONSTRAINT = "bookings_no_overlap";

export async function findBookingById(db: Queryable, id: string): Promise<BookingRow | null> {
  const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
  return row ?? null;
}

export async function findBookingByIdempotencyKey(db: Queryable, key: string): Promise<BookingRow | null> {
  const [row] = await db.select().from(bookings).where(eq(bookings.idempotencyKey, key));
  return row ?? null;
}

/** Row lock for a state change; waits for a concurrent writer, then sees its committed result. */
export async function lockBooking(tx: Transaction, id: string): Promise<BookingRow | null> {
  const [row] = await tx.select().from(bookings).where(eq(bookings.id, id)).for("update");
  return row ?? null;
}

/** Everything needed to decide who may see or change a booking, plus what its views show. */
export interface BookingWithContext {
  booking: BookingRow;
  guestSession: GuestSessionRow | null;
  providerUserId: string;
  providerName: string;
  serviceName: string;
}

export async function findBookingWithContextByCode(db: Queryable, code: string): Promise<BookingWithContext | null> {
  const [row] = await db
    .select({
      booking: bookings,
      guestSession: guestBookingSessions,
      providerUserId: providers.userId,
      providerName: providers.displayName,
      serviceName: services.name,
    })
    .from(bookings)
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .leftJoin(guestBookingSessions, eq(guestBookingSessions.id, bookings.guestSessionId))
    .where(eq(bookings.confirmationCode, code));
  return row ?? null;
}

/**
 * Guest session (optional), booking, its transitions and events as ONE statement (data-modifying CTEs):
 * atomic like a transaction, but one round trip instead of six (BEGIN, four inserts, COMMIT), which
 * halves the latency of booking creation. Ids are chosen by the caller, so no part references another's
 * output; foreign keys are checked at the end of the statement. Any constraint failure (23P01 overlap,
 * 23505 idempotency key / confirmation code) leaves nothing behind.
 */
export async function insertBookingWithAudit(
  db: Queryable,
  rows: {
    guestSession?: typeof guestBookingSessions.$inferInsert & { id: string };
    booking: NewBookingRow & { id: string };
    transitions: TransitionInsert[];
    events: Array<{ bookingId: string; type: string; data: Record<string, unknown> }>;
    /** Mail about the booking, committed with it (a rolled-back booking mails nothing). */
    outbox?: Array<typeof emailOutbox.$inferInsert>;
  },
): Promise<BookingRow> {
  const ctes = [
    ...(rows.guestSession ? [db.$with("new_guest_session", {}).as(db.insert(guestBookingSessions).values(rows.guestSession).getSQL())] : []),
    ...(rows.transitions.length > 0
      ? [db.$with("new_transitions", {}).as(db.insert(bookingStateTransitions).values(rows.transitions.map(transitionValues)).getSQL())]
      : []),
    ...(rows.events.length > 0 ? [db.$with("new_events", {}).as(db.insert(bookingEvents).values(rows.events).getSQL())] : []),
    ...(rows.outbox && rows.outbox.length > 0
      ? [db.$with("new_mail", {}).as(db.insert(emailOutbox).values(rows.outbox).onConflictDoNothing({ target: emailOutbox.dedupeKey }).getSQL())]
      : []),
  ];
  const [row] = await db
    .with(...ctes)
    .insert(bookings)
    .values(rows.booking)
    .returning();
  return row!;
}

/**
 * The same insert, queued behind every other serialized insert for this provider (a per-provider
 * advisory lock held for the transaction). Racing inserts of overlapping times wait on each other
 * inside the exclusion constraint and Postgres breaks each cycle by aborting one; a victim that
 * simply tried again would rejoin the race, and under load the retries kept forming new cycles
 * faster than any racer committed. Retrying through this queue ends that: queued inserts never wait
 * on each other, so each one either commits or meets a committed overlap (23P01) at once.
 */
export async function insertBookingWithAuditSerialized(db: Database, rows: Parameters<typeof insertBookingWithAudit>[1]): Promise<BookingRow> {
  return db.transaction(async (tx) => {
    await queueForProviderBookingWrites(tx, rows.booking.providerId);
    return insertBookingWithAudit(tx, rows);
  });
}

/**
 * Joins the provider's queue of booking writes that retry after a deadlock (inserts, reschedules,
 * transitions): a transaction-scoped advisory lock. Take it first in the transaction, before any row
 * lock, so the queue itself can never be part of a cycle.
 */
export async function queueForProviderBookingWrites(tx: Transaction, providerId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`booking-insert:${providerId}`}, 0))`);
}

/** The provider of a booking (it never changes), read without a lock so a retry can queue first. */
export async function providerIdOfBooking(tx: Transaction, bookingId: string): Promise<string | undefined> {
  const [row] = await tx.select({ providerId: bookings.providerId }).from(bookings).where(eq(bookings.id, bookingId));
  return row?.providerId;
}

export interface TransitionInsert {
  bookingId: string;
  from: BookingStatus | null;
  to: BookingStatus;
  actor: Actor;
  reason: string;
  metadata?: Record<string, unknown>;
}

function transitionValues(t: TransitionInsert): typeof bookingStateTransitions.$inferInsert {
  return {
    bookingId: t.bookingId,
    fromStatus: t.from,
    toStatus: t.to,
    actorType: t.actor.type,
    actorId: t.actor.id,
    reason: t.reason,
    metadata: t.metadata ?? {},
  };
}

export async function insertTransitions(tx: Transaction, list: TransitionInsert[]): Promise<void> {
  if (list.length === 0) return;
  await tx.insert(bookingStateTransitions).values(list.map(transitionValues));
}

export async function insertEvents(
  tx: Transaction,
  list: Array<{ bookingId: string; type: string; data: Record<string, unknown> }>,
): Promise<void> {
  if (list.length === 0) return;
  await tx.insert(bookingEvents).values(list);
}

export async function listTransitions(db: Queryable, bookingId: string): Promise<TransitionRow[]> {
  return db
    .select()
    .from(bookingStateTransitions)
    .where(eq(bookingStateTransitions.bookingId, bookingId))
    .orderBy(asc(bookingStateTransitions.id));
}

export async function listEvents(db: Queryable, bookingId: string): Promise<BookingEventRow[]> {
  return db.select().from(bookingEvents).where(eq(bookingEvents.bookingId, bookingId)).orderBy(asc(bookingEvents.id));
}

// ---------------------------------------------------------------------------------------------
// Housekeeping

/**
 * Locks up to `limit` bookings whose deadline has passed in a waiting state. SKIP LOCKED: rows another
 * run (or a concurrent transition) holds are left to it, so concurrent cron runs split the work instead
 * of queueing on each other; a row whose status changed before we lock it is re-checked and dropped.
 */
export async function lockStaleBookings(
  tx: Transaction,
  options: { now: Date; statuses: readonly BookingStatus[]; limit: number; providerId?: string },
): Promise<BookingRow[]> {
  return tx
    .select()
    .from(bookings)
    .where(
      and(
        inArray(bookings.status, [...options.statuses]),
        lte(bookings.expiresAt, options.now),
        options.providerId ? eq(bookings.providerId, options.providerId) : undefined,
      ),
    )
    .orderBy(asc(bookings.expiresAt))
    .limit(options.limit)
    .for("update", { skipLocked: true });
}

// ---------------------------------------------------------------------------------------------
// Guest claims

export async function lockUnclaimedGuestSessions(tx: Transaction, email: string): Promise<GuestSessionRow[]> {
  return tx
    .select()
    .from(guestBookingSessions)
    .where(and(sql`lower(${guestBookingSessions.email}) = lower(${email})`, isNull(guestBookingSessions.claimedByUserId)))
    .for("update");
}

export async function markGuestSessionsClaimed(tx: Transaction, sessionIds: string[], userId: string): Promise<void> {
  if (sessionIds.length === 0) return;
  await tx
    .update(guestBookingSessions)
    .set({ claimedByUserId: userId })
    .where(inArray(guestBookingSessions.id, sessionIds));
}

/** Attaches the guest sessions' bookings to the user; returns the bookings that changed. */
export async function assignBookingsToCustomer(tx: Transaction, sessionIds: string[], userId: string): Promise<BookingRow[]> {
  if (sessionIds.length === 0) return [];
  return tx
    .update(bookings)
    .set({ customerId: userId, updatedAt: sql`now()` })
    .where(and(inArray(bookings.guestSessionId, sessionIds), isNull(bookings.customerId)))
    .returning();
}

/** Whether the booking was made under "provider approves each booking" (snapshot at creation, else the service now). */
export async function bookedWithApproval(db: Queryable, booking: Pick<BookingRow, "id" | "serviceId">): Promise<boolean> {
  const [created] = await db
    .select({ metadata: bookingStateTransitions.metadata })
    .from(bookingStateTransitions)
    .where(and(eq(bookingStateTransitions.bookingId, booking.id), isNull(bookingStateTransitions.fromStatus)))
    .limit(1);
  const snapshot = (created?.metadata as { requiresApproval?: unknown } | undefined)?.requiresApproval;
  if (typeof snapshot === "boolean") return snapshot;
  const [service] = await db.select({ requiresApproval: services.requiresApproval }).from(services).where(eq(services.id, booking.serviceId));
  return service?.requiresApproval ?? false;
}
