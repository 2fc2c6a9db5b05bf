// The payments side of the booking lifecycle, plugged into the booking services' seams
// (workers/services/ports.ts BookingHooks): a PaymentIntent when a booking is created, capture when
// the provider accepts, void + policy refund when a booking is cancelled or declined. All run after the
// booking's commit, outside its transaction.
import { desc, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { insertEvents, type BookingRow } from "../../db/queries/bookings";
import { hasOpenDispute, paymentsForBooking } from "../../db/queries/payments";
import { bookingStateTransitions } from "../../db/schema";
import type { Actor } from "../../domain/booking-states";
import { logEvent } from "../services/context";
import type { BookingHooks } from "../services/ports";
import { applyPaymentIntent, captureIntent, createPaymentForBooking, SYSTEM, type ApplyOutcome } from "./payment-intents";
import { redatePayout } from "./escrow";
import { refundableAmount, refundBooking, settleFollowUp, voidOpenPayments } from "./refunds";
import { stripeErrorMessage, type PaymentsDeps } from "./stripe-client";

/** Captures the booking's authorised payment (after the provider accepted) and records it at once. */
export async function capturePaymentForBooking(db: Database, deps: PaymentsDeps, bookingId: string): Promise<ApplyOutcome | null> {
  const all = await paymentsForBooking(db, bookingId);
  const target = all.find((p) => p.status === "requires_capture") ?? all[0];
  if (!target) return null;
  const pi =
    target.status === "requires_capture"
      ? await captureIntent(deps.stripe, target.stripePaymentIntentId)
      : await deps.stripe.paymentIntents.retrieve(target.stripePaymentIntentId);
  const outcome = await applyPaymentIntent(db, deps, pi);
  await settleFollowUp(db, deps, outcome);
  return outcome;
}

async function cancellingActor(db: Database, bookingId: string): Promise<Actor> {
  const [last] = await db
    .select({ type: bookingStateTransitions.actorType, id: bookingStateTransitions.actorId })
    .from(bookingStateTransitions)
    .where(eq(bookingStateTransitions.bookingId, bookingId))
    .orderBy(desc(bookingStateTransitions.id))
    .limit(1);
  return last ? { type: last.type, id: last.id } : SYSTEM;
}

/**
 * After a cancellation (or a decline): void what can still be voided, then refund what the policy
 * grants, capped at what is left to refund (earlier partial refunds count).
 */
export async function refundCancelledBooking(db: Database, deps: PaymentsDeps, booking: BookingRow, policyRefund: number): Promise<void> {
  await voidOpenPayments(db, deps, booking.id, "requested_by_customer");
  if (policyRefund <= 0) return;
  if (await hasOpenDispute(db, booking.id)) {
    // Stripe refuses refunds on a disputed charge, and the dispute may return the money anyway: the
    // refund the policy granted is recorded, and issued if the dispute is won (disputes.ts).
    await db.transaction((tx) => insertEvents(tx, [{ bookingId: booking.id, type: "refund_held_by_dispute", data: { amount: policyRefund, currency: booking.currency } }]));
    logEvent("payments.refund_held_by_dispute", { bookingId: booking.id, policyRefund });
    return;
  }
  let left = 0;
  for (const p of await paymentsForBooking(db, booking.id)) left += Math.max(0, await refundableAmount(db, p));
  const amount = Math.min(policyRefund, left);
  if (amount < policyRefund) logEvent("payments.refund_capped", { bookingId: booking.id, policyRefund, refundable: left });
  if (amount <= 0) return;
  await refundBooking(db, deps.stripe, booking, {
    amount,
    reason: "Booking cancelled: refund per the cancellation policy",
    actor: await cancellingActor(db, booking.id),
    port: deps.port,
    now: deps.now,
  });
}

export function paymentHooks(deps: PaymentsDeps): BookingHooks {
  return {
    async onBookingCreated({ db, booking, replayed, requiresApproval }) {
      if (booking.totalAmount <= 0) return null;
      // Just inserted by this request: no earlier payment can exist and the approval rule is known.
      const justCreated = !replayed && requiresApproval !== undefined ? { requiresApproval } : undefined;
      try {
        return { ...(await createPaymentForBooking(db, deps.stripe, booking, { apiBase: deps.config.STRIPE_API_BASE, justCreated })) };
      } catch (error) {
        // The booking is committed; the customer can start the payment again from the payment route.
        logEvent("payments.create_failed", { bookingId: booking.id, message: stripeErrorMessage(error) }, "error");
        return { clientSecret: null, error: "Payment could not be started; try again", retryUrl: `/api/v1/bookings/${booking.confirmationCode}/payment` };
      }
    },
    async onBookingCancelled({ db, booking, refund }) {
      await refundCancelledBooking(db, deps, booking, refund.refund.amount);
    },
    async onBookingRescheduled({ db, booking }) {
      // Earlier or later, escrow ends ESCROW_PERIOD after the new end (payouts re-check it too).
      await redatePayout(db, booking, deps.config.ESCROW_PERIOD);
    },
    async onBookingAccepted({ db, booking }) {
      // A failed capture leaves the booking confirmed with an authorised payment: housekeeping retries it.
      await capturePaymentForBooking(db, deps, booking.id);
    },
  };
}
