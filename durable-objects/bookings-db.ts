// The provider object's Postgres reads of booked time, on the object's warm connection
// (./warm-database.ts).
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { bookings, providerChangeHeads, providers, services } from "../db/schema";
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

/** A booking as the mirror keeps it, with its change number and whether it occupies time now. */
export type BookedChange = BookedInterval & { seq: number; occupying: boolean };

/** What one read of Postgres says: the provider's change head and the bookings that read returned. */
export interface BookedRead {
  head: number;
  rows: BookedChange[];
  /** The read returned as many rows as it may: there may be more (the caller reloads in full). */
  truncated: boolean;
}

/** How much to read: every occupying booking ending after `sinceMs`, or every booking changed after `seq`. */
export type BookedReadScope = { all: true; sinceMs: number } | { all: false; afterSeq: number };

const READ_LIMIT = 5_000;

/**
 * The provider's bookings with the change head, in ONE statement (one snapshot): every change up to
 * `head` is in what it returns, and nothing after it. Bookings are read as they are now, so applying
 * a row never brings back an older state than Postgres holds.
 */
export async function readBooked(db: Queryable, providerId: string, scope: BookedReadScope): Promise<BookedRead> {
  const which = scope.all
    ? and(inArray(bookings.status, [...OCCUPYING_STATUSES]), gt(bookings.occupiedUntil, new Date(scope.sinceMs)))
    : gt(bookings.changeSeq, scope.afterSeq);
  // From the provider row, so the head (0 before the provider's first booking) comes back with no bookings too.
  const rows = await db
    .select({
      head: providerChangeHeads.seq,
      id: bookings.id,
      seq: bookings.changeSeq,
      startsAt: bookings.startsAt,
      endsAt: bookings.endsAt,
      occupiedFrom: bookings.occupiedFrom,
      occupiedUntil: bookings.occupiedUntil,
      status: bookings.status,
      confirmationCode: bookings.confirmationCode,
      customerName: bookings.customerName,
      serviceName: services.name,
    })
    .from(providers)
    .leftJoin(providerChangeHeads, eq(providerChangeHeads.providerId, providers.id))
    .leftJoin(bookings, and(eq(bookings.providerId, providers.id), which))
    .leftJoin(services, eq(services.id, bookings.serviceId))
    .where(eq(providers.id, providerId))
    .orderBy(asc(bookings.changeSeq))
    .limit(READ_LIMIT);
  const head = rows[0]?.head ?? 0;
  const found: BookedChange[] = [];
  for (const r of rows) {
    if (!r.id || !r.startsAt || !r.endsAt || !r.occupiedFrom || !r.occupiedUntil || !r.status || r.seq === null) continue; // the provider row alone
    found.push({
      bookingId: r.id,
      seq: r.seq,
      occupying: OCCUPYING_STATUSES.includes(r.status),
      startMs: r.startsAt.getTime(),
      endMs: r.endsAt.getTime(),
      occupiedFromMs: r.occupiedFrom.getTime(),
      occupiedUntilMs: r.occupiedUntil.getTime(),
      details: { bookingId: r.id, confirmationCode: r.confirmationCode!, customerName: r.customerName!, serviceName: r.serviceName ?? "", status: r.status },
    });
  }
  return { head, rows: found, truncated: rows.length === READ_LIMIT };
}
