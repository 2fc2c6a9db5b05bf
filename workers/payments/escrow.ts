// Escrow: a booking's provider share is held from capture until ESCROW_PERIOD after the service ends,
// then becomes payable. The payout_schedules row is created with the capture (same transaction, so a
// captured booking always has one; a housekeeping sweep repairs any that were missed) and its
// a reschedule moves payable_at with the booking (earlier or later); it is also re-checked when the
// payout is taken.
//
// Decision: no automatic confirmed → completed move. The state machine lets only the provider (or an
// admin) mark a booking in_progress/completed, and a system actor may not; escrow therefore counts
// from the booking's end whatever the provider clicked. A booking cancelled, refunded or no-show keeps
// whatever share the refunds left (a late cancellation still pays the provider its part).
import { Temporal } from "@js-temporal/polyfill";
import { and, eq } from "drizzle-orm";
import type { Queryable, Transaction } from "../../db/client";
import type { BookingRow } from "../../db/queries/bookings";
import { bookingAccountBalance, postEntrySet } from "../../db/queries/ledger";
import { insertPayoutSchedule, capturedWithoutPayout, type PayoutRow } from "../../db/queries/payments";
import { payoutSchedules } from "../../db/schema";
import { escrowReleaseAt } from "../../domain/escrow";
import { providerAccount, releaseSet } from "../../domain/ledger";
import { findBookingById } from "../../db/queries/bookings";

/**
 * When the booking's provider share becomes payable: ESCROW_PERIOD (whole days, workers/env.ts) after
 * the end, as calendar days in the provider's zone (the rule and its DST cases: domain/escrow.ts).
 */
export function payableAtFor(booking: Pick<BookingRow, "endsAt" | "providerTimeZone">, escrow: Temporal.Duration): Temporal.Instant {
  return escrowReleaseAt(Temporal.Instant.fromEpochMilliseconds(booking.endsAt.getTime()), booking.providerTimeZone, escrow);
}

export function toDate(instant: Temporal.Instant): Date {
  return new Date(instant.epochMilliseconds);
}

/** The provider share still held in escrow for a booking (after fee and refunds), from the ledger. */
export async function escrowedForBooking(db: Queryable, booking: Pick<BookingRow, "id" | "providerId">): Promise<number> {
  return -(await bookingAccountBalance(db, booking.id, providerAccount(booking.providerId, "escrow")));
}

/**
 * Creates the booking's payout schedule (idempotent: one per booking) for what escrow holds now.
 * Call inside the transaction that posted the capture, so both commit together.
 */
export async function schedulePayoutForBooking(tx: Queryable, booking: BookingRow, escrow: Temporal.Duration): Promise<PayoutRow | null> {
  const gross = await escrowedForBooking(tx, booking);
  if (gross <= 0) return null;
  return insertPayoutSchedule(tx, {
    bookingId: booking.id,
    providerId: booking.providerId,
    currency: booking.currency,
    grossAmount: gross,
    payableAt: toDate(payableAtFor(booking, escrow)),
  });
}

/**
 * After a reschedule: a payout not yet taken becomes due ESCROW_PERIOD after the booking's new end,
 * earlier as well as later. One taken already (processing or later) keeps its course.
 */
export async function redatePayout(db: Queryable, booking: BookingRow, escrow: Temporal.Duration): Promise<void> {
  await db
    .update(payoutSchedules)
    .set({ payableAt: toDate(payableAtFor(booking, escrow)), updatedAt: new Date() })
    .where(and(eq(payoutSchedules.bookingId, booking.id), eq(payoutSchedules.status, "scheduled")));
}

/** Escrow → payable for a payout that fell due (idempotent by payout id). */
export async function releaseEscrow(tx: Transaction, payout: PayoutRow): Promise<boolean> {
  if (!payout.bookingId) return false;
  return postEntrySet(
    tx,
    releaseSet({ bookingId: payout.bookingId, providerId: payout.providerId, currency: payout.currency, payoutId: payout.id, amount: payout.grossAmount }),
  );
}

/** Housekeeping repair: captured bookings without a payout schedule get one. */
export async function ensurePayoutSchedules(db: Queryable, escrow: Temporal.Duration, limit = 100, bookingIds?: string[]): Promise<number> {
  let created = 0;
  for (const bookingId of await capturedWithoutPayout(db, limit, bookingIds)) {
    const booking = await findBookingById(db, bookingId);
    if (booking && (await schedulePayoutForBooking(db, booking, escrow))) created++;
  }
  return created;
}
