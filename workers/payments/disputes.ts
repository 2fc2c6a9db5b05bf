// Card disputes (chargebacks). Escrow pays a provider "if nothing disputes it", so:
//  * while a dispute is open, the booking's payout is held (payouts.ts asks hasOpenDispute);
//  * a won dispute releases the hold at once (the payout is due again now), and a cancellation refund
//    held while it was open is issued;
//  * a lost dispute means the money went back to the customer: it is posted once (key dispute:<id>)
//    and funded from the fee and the provider's share exactly as a refund of that amount would be –
//    out of escrow while the payout has not been prepared (the payout shrinks), else owed back and
//    deducted from the provider's next payout (clawback). A booking whose payment is thereby all
//    given back moves to `refunded` like after refunds.
// Applying is idempotent and order-free: every charge.dispute.* event retrieves the dispute and
// applies its current state; a closed dispute never reopens. Each change is a booking event.
import { and, eq, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database } from "../../db/client";
import { findBookingById, insertEvents } from "../../db/queries/bookings";
import { postEntrySet } from "../../db/queries/ledger";
import { findPaymentByIntent, lockPayment, lockPayoutByBooking, updatePayment, updatePayout } from "../../db/queries/payments";
import { bookingEvents, disputes, refunds } from "../../db/schema";
import { disputeSet, refundPortion } from "../../domain/ledger";
import { logEvent } from "../services/context";
import { SYSTEM } from "./payment-intents";
import { markRefundedIfSettled, paymentSplit, providerHolder, refundBooking } from "./refunds";
import type { PaymentsDeps } from "./stripe-client";

const CLOSED = new Set(["won", "lost", "warning_closed"]);

export interface AppliedDispute {
  ignored?: string;
  status?: string;
  /** Minor units posted to the ledger by this call (a newly lost dispute). */
  posted: number;
}

const paymentIntentOf = (dispute: Stripe.Dispute): string | null =>
  typeof dispute.payment_intent === "string" ? dispute.payment_intent : (dispute.payment_intent?.id ?? null);

/** Applies a dispute's current state (from any charge.dispute.* webhook, any number of times, in any order). */
export async function applyDispute(db: Database, deps: PaymentsDeps, dispute: Stripe.Dispute): Promise<AppliedDispute> {
  const piId = paymentIntentOf(dispute);
  if (!piId) return { ignored: "dispute without a PaymentIntent", posted: 0 };
  const known = await findPaymentByIntent(db, piId);
  if (!known) return { ignored: "not a booking payment", posted: 0 };

  const result = await db.transaction(async (tx) => {
    const payment = (await lockPayment(tx, known.id))!;
    const booking = await findBookingById(tx, payment.bookingId);
    if (!booking) return { ignored: "booking not found", posted: 0, bookingId: null };
    const [existing] = await tx.select().from(disputes).where(eq(disputes.id, dispute.id)).for("update");
    // A closed dispute stays closed: a late "updated" event cannot reopen it.
    const status = existing && CLOSED.has(existing.status) ? existing.status : dispute.status;
    const events: Array<{ bookingId: string; type: string; data: Record<string, unknown> }> = [];
    const facts = { disputeId: dispute.id, amount: dispute.amount, currency: dispute.currency, reason: dispute.reason, status };
    if (!existing) {
      await tx.insert(disputes).values({
        id: dispute.id,
        bookingId: booking.id,
        paymentId: payment.id,
        amount: dispute.amount,
        currency: dispute.currency,
        reason: dispute.reason,
        status,
      });
      events.push({ bookingId: booking.id, type: "dispute_opened", data: facts });
    } else if (existing.status !== status) {
      await tx.update(disputes).set({ status, updatedAt: new Date() }).where(eq(disputes.id, dispute.id));
    }
    const closedNow = CLOSED.has(status) && !(existing && CLOSED.has(existing.status));

    let posted = 0;
    if (status === "lost" && closedNow) {
      // What is still with us: captured minus successful refunds and earlier lost disputes.
      const [{ total } = { total: "0" }] = await tx
        .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
        .from(refunds)
        .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded")));
      const returned = Number(total) + payment.amountDisputed;
      const amount = Math.min(dispute.amount, payment.amountCaptured - returned);
      if (amount > 0) {
        const portion = refundPortion(returned, amount, paymentSplit(payment, booking));
        const holder = await providerHolder(tx, booking.id, portion.fromProviderShare);
        if (await postEntrySet(tx, disputeSet({ bookingId: booking.id, providerId: booking.providerId, currency: payment.currency, disputeId: dispute.id, portion, holder }))) {
          await updatePayment(tx, payment.id, { amountDisputed: payment.amountDisputed + amount });
          posted = amount;
          facts.amount = amount;
          Object.assign(facts, { holder, fromPlatformFee: portion.fromPlatformFee, fromProviderShare: portion.fromProviderShare });
        }
      }
      await tx.update(disputes).set({ amountLost: posted, closedAt: new Date(), updatedAt: new Date() }).where(eq(disputes.id, dispute.id));
      events.push({ bookingId: booking.id, type: "dispute_lost", data: facts });
    } else if (closedNow) {
      await tx.update(disputes).set({ closedAt: new Date(), updatedAt: new Date() }).where(eq(disputes.id, dispute.id));
      events.push({ bookingId: booking.id, type: status === "won" ? "dispute_won" : "dispute_closed", data: facts });
      // The hold is over: a payout that waited for it is due now (if its escrow has ended).
      const payout = await lockPayoutByBooking(tx, booking.id);
      if (payout?.status === "scheduled" && payout.nextAttemptAt !== null) await updatePayout(tx, payout.id, { nextAttemptAt: null, lastError: null });
    }
    if (events.length > 0) await insertEvents(tx, events);
    return { posted, status, bookingId: booking.id };
  });

  if (result.posted > 0 && result.bookingId) await markRefundedIfSettled(db, result.bookingId, deps);
  // Every delivery of a won dispute tries this (it is idempotent), so a failed refund call is retried
  // with Stripe's redelivery of the event.
  if (result.status === "won" && result.bookingId) await releaseHeldRefund(db, deps, result.bookingId);
  if (result.status) logEvent("payments.dispute_applied", { disputeId: dispute.id, status: result.status, posted: result.posted });
  return { ignored: "ignored" in result ? result.ignored : undefined, status: result.status, posted: result.posted };
}

/**
 * After a won dispute: a cancellation refund that was held while the dispute was open
 * (refund_held_by_dispute, hooks.ts) is owed to the customer under the policy, so it is issued now.
 * Serialised per booking by an advisory lock and recorded as held_refund_issued in the same
 * transaction, so concurrent or repeated deliveries refund once; if the refund call fails, nothing is
 * recorded and the next delivery tries again.
 */
async function releaseHeldRefund(db: Database, deps: PaymentsDeps, bookingId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`held-refund:${bookingId}`}, 0))`);
    const rows = await tx
      .select({ type: bookingEvents.type, data: bookingEvents.data })
      .from(bookingEvents)
      .where(and(eq(bookingEvents.bookingId, bookingId), inArray(bookingEvents.type, ["refund_held_by_dispute", "held_refund_issued"])));
    const amountOf = (data: unknown) => Number((data as { amount?: number }).amount ?? 0);
    const owed = rows.reduce((sum, r) => sum + (r.type === "refund_held_by_dispute" ? amountOf(r.data) : -amountOf(r.data)), 0);
    if (owed <= 0) return;
    const booking = await findBookingById(tx, bookingId);
    if (!booking) return;
    const refund = await refundBooking(db, deps.stripe, booking, {
      amount: owed,
      capToRefundable: true,
      reason: "Cancellation refund held during a dispute, issued after the dispute was won",
      actor: SYSTEM,
      port: deps.port,
      now: deps.now,
    });
    await insertEvents(tx, [{ bookingId, type: "held_refund_issued", data: { amount: owed, refunded: refund?.amount ?? 0, stripeRefundId: refund?.stripeRefundId ?? null } }]);
  });
}
