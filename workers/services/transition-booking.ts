// State changes with their audit trail, all in one transaction: lock the row (SELECT ... FOR UPDATE),
// check the move against the domain's state machine and actor policy, update status/version, write the
// booking_state_transitions row and a booking_event. An illegal move changes nothing. After commit the
// provider's schedule hears about it.
//
// Concurrency: the row lock serialises writers; the second of two concurrent moves from the same state
// waits, then re-reads the row and fails the check (ILLEGAL_TRANSITION), or STALE_VERSION when the
// caller passed the version it saw. Moving INTO an occupying state (payment_failed → pending) is
// re-checked by the exclusion constraint: 23P01 → SLOT_UNAVAILABLE with alternatives.
import { eq, sql } from "drizzle-orm";
import { Temporal } from "@js-temporal/polyfill";
import { assertActorMay, occupiesTime, type Actor, type BookingStatus } from "../../domain/booking-states";
import { DomainError } from "../../domain/errors";
import type { Database, Transaction } from "../../db/client";
import { findProviderService } from "../../db/queries/availability";
import { insertEvents, insertTransitions, lockBooking, providerIdOfBooking, queueForProviderBookingWrites, type BookingRow } from "../../db/queries/bookings";
import { bookings, services } from "../../db/schema";
import { alternativesFor, bookingTiming, slotUnavailable } from "./availability";
import { notifySchedule, resolveDeps, toDate, toInstant, type BookingSettings, type ServiceDeps } from "./context";
import { EXCLUSION_VIOLATION, isPgError, retryOnDeadlock } from "./pg-errors";
import type { BookingChange, BookingChangeKind, BookingInterval } from "./ports";

export interface TransitionInput {
  bookingId: string;
  to: BookingStatus;
  actor: Actor;
  reason: string;
  /** The version the caller saw; a different current version → STALE_VERSION and nothing changes. */
  expectedVersion?: number;
  metadata?: Record<string, unknown>;
  /** Event type written with the transition (default "status_changed"). */
  eventType?: string;
  /**
   * Runs inside the transaction on the locked row, after the legality checks: may throw to abort, and
   * returns metadata/event data computed from the row as it really is (e.g. the refund).
   */
  decide?: (locked: BookingRow) => { metadata?: Record<string, unknown>; eventData?: Record<string, unknown> };
  /** Explicit deadline; undefined = the default rule of deadlineFor(). */
  expiresAt?: Date | null;
  /** iCalendar SEQUENCE bump (cancellations, reschedules) so calendar apps update the event. */
  bumpIcsSequence?: boolean;
}

export interface TransitionResult {
  booking: BookingRow;
  from: BookingStatus;
  to: BookingStatus;
  metadata: Record<string, unknown>;
}

/**
 * expires_at after a move: a fresh payment window when (re-)entering pending, the approval window when
 * entering awaiting_approval, the running deadline kept for payment_failed (a retry must happen within
 * it), none once the booking is settled.
 */
export function deadlineFor(to: BookingStatus, current: Date | null, now: Temporal.Instant, settings: BookingSettings): Date | null {
  switch (to) {
    case "pending":
      return toDate(now.add(settings.pendingPaymentTtl));
    case "awaiting_approval":
      return toDate(now.add(settings.approvalTtl));
    case "payment_failed":
      return current;
    default:
      return null;
  }
}

export function intervalOf(booking: BookingRow): BookingInterval {
  return {
    start: toInstant(booking.startsAt),
    end: toInstant(booking.endsAt),
    occupiedFrom: toInstant(booking.occupiedFrom),
    occupiedUntil: toInstant(booking.occupiedUntil),
  };
}

export function changeKind(from: BookingStatus, to: BookingStatus): BookingChangeKind {
  const before = occupiesTime(from);
  const after = occupiesTime(to);
  if (before && !after) return "released";
  if (!before && after) return "occupied";
  return "updated";
}

export function staleVersion(expected: number, current: number): DomainError {
  return new DomainError("STALE_VERSION", "The booking changed since you loaded it; reload and try again", {
    expectedVersion: expected,
    currentVersion: current,
  });
}

/**
 * The transition on an already-open transaction (for callers that must combine it with their own
 * writes, e.g. recording a payment). The caller commits, then calls notifySchedule with the change.
 */
export async function applyTransition(
  tx: Transaction,
  input: TransitionInput,
  context: { now: Temporal.Instant; settings: BookingSettings },
): Promise<TransitionResult & { change: BookingChange }> {
  const locked = await lockBooking(tx, input.bookingId);
  if (!locked) throw new DomainError("NOT_FOUND", "No such booking", { bookingId: input.bookingId });
  if (input.expectedVersion !== undefined && input.expectedVersion !== locked.version) {
    throw staleVersion(input.expectedVersion, locked.version);
  }
  const from = locked.status;
  assertActorMay(input.actor, from, input.to);
  const decided = input.decide?.(locked) ?? {};
  const metadata = { ...input.metadata, ...decided.metadata };

  const expiresAt = input.expiresAt !== undefined ? input.expiresAt : deadlineFor(input.to, locked.expiresAt, context.now, context.settings);
  const [updated] = await tx
    .update(bookings)
    .set({
      status: input.to,
      version: sql`${bookings.version} + 1`,
      updatedAt: toDate(context.now),
      expiresAt,
      ...(input.bumpIcsSequence ? { icsSequence: sql`${bookings.icsSequence} + 1` } : {}),
    })
    .where(eq(bookings.id, locked.id))
    .returning();
  await insertTransitions(tx, [{ bookingId: locked.id, from, to: input.to, actor: input.actor, reason: input.reason, metadata }]);
  // Plain read (no lock): the schedule's provider view shows the service by name.
  const [service] = await tx.select({ name: services.name }).from(services).where(eq(services.id, locked.serviceId));
  await insertEvents(tx, [
    {
      bookingId: locked.id,
      type: input.eventType ?? "status_changed",
      data: { from, to: input.to, actor: input.actor, reason: input.reason, ...decided.eventData },
    },
  ]);
  const booking = updated!;
  return {
    booking,
    from,
    to: input.to,
    metadata,
    change: {
      kind: changeKind(from, input.to),
      bookingId: booking.id,
      seq: booking.changeSeq,
      interval: intervalOf(booking),
      details: {
        status: input.to,
        from,
        reason: input.reason,
        confirmationCode: booking.confirmationCode,
        customerName: booking.customerName,
        serviceName: service?.name ?? "",
      },
    },
  };
}

export async function transitionBooking(db: Database, input: TransitionInput, deps: ServiceDeps = {}): Promise<TransitionResult> {
  const { port, settings, now: clock } = resolveDeps(deps);
  const now = clock();
  let result: TransitionResult & { change: BookingChange };
  try {
    result = await retryOnDeadlock((retry) =>
      db.transaction(async (tx) => {
        if (retry) {
          const providerId = await providerIdOfBooking(tx, input.bookingId);
          if (providerId) await queueForProviderBookingWrites(tx, providerId);
        }
        return applyTransition(tx, input, { now, settings });
      }),
    );
  } catch (error) {
    if (isPgError(error, EXCLUSION_VIOLATION)) throw await conflictFor(db, input.bookingId, deps);
    throw error;
  }
  await notifySchedule(port, result.booking.providerId, [result.change]);
  const { change: _change, ...rest } = result;
  return rest;
}

/** SLOT_UNAVAILABLE for a booking whose own interval is taken now (e.g. a payment retry after expiry). */
async function conflictFor(db: Database, bookingId: string, deps: ServiceDeps): Promise<DomainError> {
  const { port, now } = resolveDeps(deps);
  const [booking] = await db.select().from(bookings).where(eq(bookings.id, bookingId));
  if (!booking) return new DomainError("NOT_FOUND", "No such booking", { bookingId });
  const start = toInstant(booking.startsAt);
  const found = await findProviderService(db, booking.providerId, booking.serviceId);
  const alternatives = found
    ? await alternativesFor(db, port, {
        provider: found.provider,
        timing: bookingTiming(found.service, booking),
        wanted: start,
        customerZone: booking.timeZone,
        now: now(),
        excludeBookingId: booking.id,
      })
    : [];
  return slotUnavailable(start, alternatives, "This booking's time has been taken by another booking meanwhile");
}
