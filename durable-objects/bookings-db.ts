// The provider object's Postgres reads of booked time, on the object's warm connection
// (./warm-database.ts).
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { bookings, services } from "../db/schema";
import { OCCUPYING_STATUSES } from "../domain/booking-states";
import type { BookedInterval } from "./schedule-store";

/** Does an occupying booking of this provider overlap [fromMs, untilMs)? */
export async function occupyingBookingOverlaps(db: Queryable, providerId: string, fromMs: number, untilMs: number): Promise<boolean> {
  const rows = await db
      .select({ id: bookings.id })
      .from(bookings)
      .where(
        and(
          eq(bookings.providerId, providerId),
          inArray(bookings.status, [...OCCUPYING_STATUSES]),
          lt(bookings.occupiedFrom, new Date(untilMs)),
          gt(bookings.occupiedUntil, new Date(fromMs)),
        ),
      )
      .limit(1);
  return rows.length > 0;
}

/** Occupying bookings of this provider ending after `sinceMs`, with what the provider feed shows. */
export async function loadOccupyingBookings(db: Queryable, providerId: string, sinceMs: number): Promise<BookedInterval[]> {
  const rows = await db
      .select({
        id: bookings.id,
        startsAt: bookings.startsAt,
        endsAt: bookings.endsAt,
        occupiedFrom: bookings.occupiedFrom,
        occupiedUntil: bookings.occupiedUntil,
        status: bookings.status,
        confirmationCode: bookings.confirmationCode,
        customerName: bookings.customerName,
        serviceName: services.name,
      })
      .from(bookings)
      .innerJoin(services, eq(services.id, bookings.serviceId))
      .where(
        and(
          eq(bookings.providerId, providerId),
          inArray(bookings.status, [...OCCUPYING_STATUSES]),
          gt(bookings.occupiedUntil, new Date(sinceMs)),
        ),
      )
      .orderBy(asc(bookings.occupiedFrom))
      .limit(5_000);
  return rows.map((r) => ({
    bookingId: r.id,
    startMs: r.startsAt.getTime(),
    endMs: r.endsAt.getTime(),
    occupiedFromMs: r.occupiedFrom.getTime(),
    occupiedUntilMs: r.occupiedUntil.getTime(),
    details: { bookingId: r.id, confirmationCode: r.confirmationCode, customerName: r.customerName, serviceName: r.serviceName, status: r.status },
  }));
}
