// Rescheduling moves the SAME row to a new interval in one UPDATE: the exclusion constraint checks the
// new interval against every other booking, and since the old interval belongs to the row being
// updated it is released only if the new one is taken – on conflict the transaction rolls back and the
// booking keeps its old time. Code, status and audit trail stay; ics_sequence is bumped so calendars
// update the event; a "rescheduled" booking_event records old and new. Status does not change, so no
// booking_state_transitions row (the trail has no self-transitions).
import { Temporal } from "@js-temporal/polyfill";
import { eq, sql } from "drizzle-orm";
import type { Actor, BookingStatus } from "../../domain/booking-states";
import { rescheduleAllowed } from "../../domain/cancellation-policy";
import { DomainError } from "../../domain/errors";
import { widen } from "../../domain/intervals";
import type { Database } from "../../db/client";
import { findProviderService } from "../../db/queries/availability";
import { insertEvents, lockBooking, queueForProviderBookingWrites, type BookingRow } from "../../db/queries/bookings";
import { bookings, guestBookingSessions } from "../../db/schema";
import { alternativesFor, bookingTiming, checkBookable, slotUnavailable } from "./availability";
import { loadBookingFor, type BookingAccess } from "./booking-access";
import { policyOf, toBookingView, type BookingView } from "./booking-view";
import { logEvent, notifySchedule, resolveDeps, toDate, toInstant, type ServiceDeps } from "./context";
import { GUEST_SESSION_DAYS_AFTER_END } from "./create-booking";
import { EXCLUSION_VIOLATION, isPgError, retryOnDeadlock } from "./pg-errors";
import type { BookingInterval } from "./ports";
import { staleVersion, intervalOf } from "./transition-booking";

/** Bookings that have not started being served and still hold their time. */
export const RESCHEDULABLE_STATUSES: readonly BookingStatus[] = Object.freeze(["pending", "awaiting_approval", "confirmed"]);

export interface RescheduleRequest {
  code: string;
  access: BookingAccess;
  /** New start, ISO instant with offset. */
  start: string;
  /** The customer's zone for the new time; defaults to the booking's. */
  timeZone?: string;
  expectedVersion?: number;
  reason?: string;
}

function intervalJson(i: BookingInterval) {
  return {
    start: i.start.toString(),
    end: i.end.toString(),
    occupiedFrom: i.occupiedFrom.toString(),
    occupiedUntil: i.occupiedUntil.toString(),
  };
}

/** State and policy rules, checked up front and again on the locked row. */
function assertReschedulable(booking: BookingRow, actor: Actor, now: Temporal.Instant): void {
  if (!RESCHEDULABLE_STATUSES.includes(booking.status)) {
    throw new DomainError("ILLEGAL_TRANSITION", `A ${booking.status} booking cannot be rescheduled`, {
      from: booking.status,
      allowed: [...RESCHEDULABLE_STATUSES],
    });
  }
  // Customers are bound by the cancellation policy (no dodging a late-cancellation fee by moving);
  // the provider and support move bookings by arrangement.
  if (actor.type === "customer" || actor.type === "guest") {
    rescheduleAllowed(policyOf(booking), { serviceStart: toInstant(booking.startsAt), at: now });
  } else if (actor.type !== "provider" && actor.type !== "admin") {
    throw new DomainError("FORBIDDEN", "Only the customer, the provider or support can reschedule a booking", { actor: actor.type });
  }
}

export async function rescheduleBooking(db: Database, request: RescheduleRequest, deps: ServiceDeps = {}): Promise<{ booking: BookingView }> {
  const { port, hooks, now: clock } = resolveDeps(deps);
  const now = clock();
  let newStart: Temporal.Instant;
  try {
    newStart = Temporal.Instant.from(request.start);
  } catch {
    throw new DomainError("VALIDATION", "start: must be an ISO 8601 instant with an offset", { fields: [{ path: "start", message: "invalid instant" }] });
  }
  const { found, actor } = await loadBookingFor(db, request.code, request.access, toDate(now));
  const current = found.booking;
  if (request.expectedVersion !== undefined && request.expectedVersion !== current.version) {
    throw staleVersion(request.expectedVersion, current.version);
  }
  assertReschedulable(current, actor, now);
  if (newStart.equals(toInstant(current.startsAt))) {
    throw new DomainError("VALIDATION", "start: the booking already starts at that time", { fields: [{ path: "start", message: "unchanged" }] });
  }

  const ps = await findProviderService(db, current.providerId, current.serviceId);
  if (!ps) throw new DomainError("NOT_FOUND", "The booking's service no longer exists");
  const { provider } = ps;
  const timing = bookingTiming(ps.service, current);
  const customerZone = request.timeZone ?? current.timeZone;
  const end = newStart.add({ minutes: timing.durationMinutes });
  const occupied = widen({ start: newStart, end }, timing.bufferBeforeMinutes, timing.bufferAfterMinutes);
  const next: BookingInterval = { start: newStart, end, occupiedFrom: occupied.start, occupiedUntil: occupied.end };
  const unavailable = async (message?: string): Promise<never> => {
    const alternatives = await alternativesFor(db, port, {
      provider,
      timing,
      wanted: newStart,
      customerZone,
      now: clock(),
      excludeBookingId: current.id,
    });
    throw slotUnavailable(newStart, alternatives, message);
  };

  // The booking's own interval does not count against its new one (moving by 30 minutes is fine).
  if (!(await checkBookable(db, port, { provider, timing, start: newStart, now, excludeBookingId: current.id }))) {
    return unavailable("That time cannot be booked: it is taken, outside working hours, or too soon / too far ahead");
  }

  try {
    const claim = await port.claimForBooking({
      providerId: provider.id,
      holder: `booking:${current.id}`,
      occupiedFrom: occupied.start,
      occupiedUntil: occupied.end,
      bookingId: current.id,
    });
    if (!claim.ok) return unavailable(`That time is being booked by someone else (${claim.message})`);
  } catch (error) {
    logEvent("schedule.claim_unavailable", { providerId: provider.id, bookingId: current.id, message: error instanceof Error ? error.message : String(error) });
  }

  let result: { before: BookingRow; after: BookingRow };
  try {
    result = await retryOnDeadlock((retry) => db.transaction(async (tx) => {
      if (retry) await queueForProviderBookingWrites(tx, provider.id);
      const locked = await lockBooking(tx, current.id);
      if (!locked) throw new DomainError("NOT_FOUND", "No booking with that confirmation code");
      if (request.expectedVersion !== undefined && request.expectedVersion !== locked.version) {
        throw staleVersion(request.expectedVersion, locked.version);
      }
      assertReschedulable(locked, actor, now);
      const [after] = await tx
        .update(bookings)
        .set({
          startsAt: toDate(newStart),
          endsAt: toDate(end),
          occupiedFrom: toDate(occupied.start),
          occupiedUntil: toDate(occupied.end),
          timeZone: customerZone,
          icsSequence: sql`${bookings.icsSequence} + 1`,
          version: sql`${bookings.version} + 1`,
          updatedAt: toDate(now),
        })
        .where(eq(bookings.id, locked.id))
        .returning();
      if (locked.guestSessionId) {
        // Keep the guest's manage link valid for as long after the NEW end as after the old one.
        await tx
          .update(guestBookingSessions)
          .set({ expiresAt: sql`greatest(${guestBookingSessions.expiresAt}, ${toDate(end.add({ hours: 24 * GUEST_SESSION_DAYS_AFTER_END })).toISOString()}::timestamptz)` })
          .where(eq(guestBookingSessions.id, locked.guestSessionId));
      }
      await insertEvents(tx, [
        {
          bookingId: locked.id,
          type: "rescheduled",
          data: {
            from: intervalJson(intervalOf(locked)),
            to: intervalJson(next),
            actor,
            reason: request.reason ?? `Rescheduled by ${actor.type}`,
            icsSequence: after!.icsSequence,
          },
        },
      ]);
      return { before: locked, after: after! };
    }));
  } catch (error) {
    if (isPgError(error, EXCLUSION_VIOLATION)) return unavailable();
    throw error;
  }

  await notifySchedule(port, provider.id, [
    {
      kind: "rescheduled",
      bookingId: current.id,
      seq: result.after.changeSeq,
      interval: next,
      previousInterval: intervalOf(result.before),
      details: {
        status: result.after.status,
        reason: request.reason ?? `Rescheduled by ${actor.type}`,
        confirmationCode: result.after.confirmationCode,
        customerName: result.after.customerName,
        serviceName: found.serviceName,
      },
    },
  ]);
  await hooks.onBookingRescheduled?.({ db, booking: result.after });
  return { booking: toBookingView(result.after, found) };
}
