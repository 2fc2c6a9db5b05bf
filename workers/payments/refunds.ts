// Giving money back: refunds of captured payments (partial allowed) and voids of authorisations or
// open checkouts. Guarantees:
//  * never more than captured − already refunded: the payment row is locked while the amount is
//    reserved (a pending refunds row), and Stripe refuses an over-refund on its side too;
//  * idempotent: Stripe is called with the key refund:<our refund id>, and the ledger set is keyed by
//    Stripe's refund id, so the API answer and every webhook about the same refund post it once;
//  * the refund is funded proportionally from the platform fee and the provider share (domain
//    refundPortion, cumulative so partial refunds never leak a cent). The provider part comes out of
//    escrow while the booking's payout has not been prepared for a transfer (the payout shrinks); once
//    it has (prepared / processing / paid / failed), it becomes owed back (provider receivable) and is
//    deducted from the provider's next payout – a clawback.
import { Temporal } from "@js-temporal/polyfill";
import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database, Transaction } from "../../db/client";
import { findBookingById, type BookingRow } from "../../db/queries/bookings";
import { hasEntrySet, postEntrySet } from "../../db/queries/ledger";
import {
  activeRefundTotal,
  findPaymentByIntent,
  findRefund,
  findRefundByStripeId,
  insertRefund,
  lockPayment,
  lockPayoutByBooking,
  paymentsForBooking,
  updatePayment,
  updatePayout,
  updateRefund,
  type PaymentRow,
  type RefundRow,
} from "../../db/queries/payments";
import { payments, refunds } from "../../db/schema";
import { actorMay, type Actor, type BookingStatus } from "../../domain/booking-states";
import { DomainError } from "../../domain/errors";
import { feeForCapture, refundPortion, refundSet, type RefundHolder } from "../../domain/ledger";
import { money } from "../../domain/money";
import { storedSplit, type FeeSplit } from "../../domain/pricing";
import { logEvent } from "../services/context";
import type { SchedulePort } from "../services/ports";
import { transitionBooking } from "../services/transition-booking";
import {
  applyPaymentIntent,
  cancelIntent,
  CANCELABLE_INTENT_STATUSES,
  SYSTEM,
  syncPaymentIntent,
  type ApplyOutcome,
} from "./payment-intents";
import { stripeErrorMessage, type PaymentsDeps } from "./stripe-client";

export interface RefundRequest {
  /** Minor units; what the cancellation policy (refundFor) or an admin decided. */
  amount: number;
  reason: string;
  actor: Actor;
  /** Refund this intent (default: the booking's captured payment with enough left). */
  paymentIntentId?: string;
  /**
   * Refund what is left when less than `amount` is (instead of refusing). Automatic refunds use it:
   * a webhook and housekeeping may both settle one owed refund, and only the row lock knows what is left.
   */
  capToRefundable?: boolean;
  port?: SchedulePort;
  now?: () => Temporal.Instant;
}

export interface RefundResult {
  refundId: string;
  stripeRefundId: string | null;
  amount: number;
  currency: string;
  status: string;
  /** Where the provider's part came from; "receivable" = clawback from a later payout. */
  holder: RefundHolder | null;
}

/** The fee split of one payment (normally the booking's own; a partial capture splits at the same ratio). */
export function paymentSplit(payment: Pick<PaymentRow, "amountCaptured" | "currency">, booking: BookingRow): FeeSplit {
  const captured = payment.amountCaptured;
  const fee = feeForCapture(captured, storedSplit(booking));
  return { total: money(captured, payment.currency), platformFee: money(fee, payment.currency), providerShare: money(captured - fee, payment.currency) };
}

/** Captured minus every refund that has not failed (pending ones are reserved) and what lost disputes took back. */
export async function refundableAmount(db: Database | Transaction, payment: PaymentRow): Promise<number> {
  return payment.amountCaptured - payment.amountDisputed - (await activeRefundTotal(db, payment.id));
}

/**
 * Refunds `amount` of a booking's captured payment. Throws VALIDATION when it exceeds what is left to
 * refund, PAYMENT_FAILED when Stripe refuses. Returns null for a zero amount (nothing to do).
 */
export async function refundBooking(db: Database, stripe: Stripe, booking: BookingRow, request: RefundRequest): Promise<RefundResult | null> {
  const { amount } = request;
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new DomainError("VALIDATION", "A refund amount must be a non-negative integer of minor units", { fields: ["amount"], amount });
  }
  if (amount === 0) return null;

  const reserved = await db.transaction(async (tx) => {
    // Lock the booking's captured payments: concurrent refunds of the same booking queue here.
    const captured = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.bookingId, booking.id), gt(payments.amountCaptured, 0)))
      .orderBy(asc(payments.createdAt))
      .for("update");
    const candidates = request.paymentIntentId ? captured.filter((p) => p.stripePaymentIntentId === request.paymentIntentId) : captured;
    let chosen: PaymentRow | undefined;
    let best = 0;
    let reserve = amount;
    for (const p of candidates) {
      const left = await refundableAmount(tx, p);
      if (left >= amount || (request.capToRefundable && left > 0)) {
        chosen = p;
        reserve = Math.min(amount, left);
        break;
      }
      best = Math.max(best, left);
    }
    if (!chosen && request.capToRefundable) return null; // someone else already refunded it all
    if (!chosen) {
      throw new DomainError("VALIDATION", "The refund exceeds what was paid and not yet refunded", {
        fields: ["amount"],
        requested: amount,
        refundable: best,
      });
    }
    const row = await insertRefund(tx, {
      bookingId: booking.id,
      paymentId: chosen.id,
      amount: reserve,
      currency: chosen.currency,
      reason: request.reason.slice(0, 500),
      status: "pending",
    });
    return { payment: chosen, row };
  });
  if (!reserved) return null;
  const { payment, row } = reserved;

  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(
      {
        payment_intent: payment.stripePaymentIntentId,
        amount: row.amount,
        ...(request.actor.type === "customer" || request.actor.type === "guest" ? { reason: "requested_by_customer" as const } : {}),
        metadata: { bookingId: booking.id, refundId: row.id, actor: request.actor.type, actorId: request.actor.id ?? "" },
      },
      { idempotencyKey: `refund:${row.id}` },
    );
  } catch (error) {
    // Releases the reservation. If Stripe did refund and only the answer was lost, its webhook
    // (metadata.refundId) revives this row and posts the ledger.
    // Only a still-pending reservation: a webhook may have settled it meanwhile.
    await db.update(refunds).set({ status: "failed" }).where(and(eq(refunds.id, row.id), eq(refunds.status, "pending")));
    throw new DomainError("PAYMENT_FAILED", `The refund could not be made: ${stripeErrorMessage(error)}`, { refundId: row.id });
  }
  const recorded = await recordStripeRefund(db, { stripe, port: request.port, now: request.now }, refund);
  return {
    refundId: row.id,
    stripeRefundId: refund.id,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status ?? "pending",
    holder: recorded.holder,
  };
}

/**
 * Where the provider's refunded part comes from: escrow while the payout has not been prepared (and
 * the payout shrinks), else owed back. Runs in the refund's transaction (payout row locked).
 */
export async function providerHolder(tx: Transaction, bookingId: string, fromProviderShare: number): Promise<RefundHolder> {
  const payout = await lockPayoutByBooking(tx, bookingId);
  if (!payout || payout.status === "cancelled" || fromProviderShare === 0) return "escrow";
  // A payout is prepared (escrow released, deduction fixed) right before its first transfer request;
  // from then on its amount is tied to its idempotency key and must not change: the refunded share is
  // owed back instead, and deducted from a later payout (clawback).
  const prepared = await hasEntrySet(tx, `release:${payout.id}`);
  if (payout.status !== "scheduled" || prepared || payout.attempts > 0 || payout.stripeTransferId !== null) return "receivable";
  const gross = Math.max(0, payout.grossAmount - fromProviderShare);
  await updatePayout(tx, payout.id, {
    grossAmount: gross,
    ...(gross === 0 ? { status: "cancelled" as const, lastError: "Provider share fully refunded" } : {}),
  });
  return "escrow";
}

export interface RecordedRefund {
  ignored?: string;
  refund: RefundRow | null;
  posted: boolean;
  holder: RefundHolder | null;
}

const FULLY_REFUNDABLE_STATES: readonly BookingStatus[] = Object.freeze(["cancelled", "completed", "no_show"]);

/**
 * Applies a Stripe Refund (from our API call or any webhook, in any order, any number of times):
 * finds or creates its refunds row, and when it has succeeded posts its ledger set once and updates the
 * payment's refunded amount. A fully refunded cancelled/completed/no-show booking then moves to
 * `refunded` (system actor).
 */
export async function recordStripeRefund(
  db: Database,
  deps: Partial<Pick<PaymentsDeps, "stripe" | "config" | "port" | "settings" | "now">>,
  refund: Stripe.Refund,
): Promise<RecordedRefund> {
  const piId = typeof refund.payment_intent === "string" ? refund.payment_intent : (refund.payment_intent?.id ?? null);
  if (!piId) return { ignored: "refund without a PaymentIntent", refund: null, posted: false, holder: null };
  let known = await findPaymentByIntent(db, piId);
  if (!known) return { ignored: "not a booking payment", refund: null, posted: false, holder: null };
  if (known.amountCaptured < refund.amount && deps.stripe && deps.config) {
    // The refund's event overtook the capture's: apply the capture first.
    await syncPaymentIntent(db, { ...deps, stripe: deps.stripe, config: deps.config }, piId);
    known = (await findPaymentByIntent(db, piId))!;
  }

  const result = await db.transaction(async (tx) => {
    const payment = (await lockPayment(tx, known!.id))!;
    const booking = await findBookingById(tx, payment.bookingId);
    if (!booking) return { ignored: "booking not found", refund: null, posted: false, holder: null, booking: null, payment };
    let row = await findRefundByStripeId(tx, refund.id);
    if (!row && refund.metadata?.refundId) {
      const ours = await findRefund(tx, refund.metadata.refundId);
      if (ours && ours.paymentId === payment.id && ours.stripeRefundId === null) row = ours;
    }
    if (!row) {
      // Made outside this app (e.g. the Stripe dashboard): record it as well.
      row = await insertRefund(tx, {
        bookingId: booking.id,
        paymentId: payment.id,
        stripeRefundId: refund.id,
        amount: refund.amount,
        currency: refund.currency,
        reason: refund.reason ? `Stripe: ${refund.reason}` : "Refund made in Stripe",
        status: "pending",
      });
    }
    let posted = false;
    let holder: RefundHolder | null = null;
    if (refund.status === "succeeded" && row.status !== "succeeded") {
      const [{ total: before } = { total: "0" }] = await tx
        .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
        .from(refunds)
        .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded"), ne(refunds.id, row.id)));
      const previously = Number(before);
      // Lost disputes were funded from the same split: the cumulative portion counts them too.
      const portion = refundPortion(previously + payment.amountDisputed, refund.amount, paymentSplit(payment, booking));
      holder = await providerHolder(tx, booking.id, portion.fromProviderShare);
      posted = await postEntrySet(
        tx,
        refundSet({ bookingId: booking.id, providerId: booking.providerId, currency: refund.currency, refundId: refund.id, portion, holder }),
      );
      row = await updateRefund(tx, row.id, { stripeRefundId: refund.id, amount: refund.amount, status: "succeeded" });
      await updatePayment(tx, payment.id, { amountRefunded: previously + refund.amount });
    } else if (refund.status !== "succeeded") {
      if (row.status === "succeeded") {
        // A settled refund failing later needs a reversal set; not automated: reconciliation reports it.
        logEvent("payments.refund_reversed", { refundId: refund.id, status: refund.status }, "error");
      } else {
        row = await updateRefund(tx, row.id, { stripeRefundId: refund.id, status: refund.status ?? "pending" });
      }
    } else if (row.stripeRefundId === null) {
      row = await updateRefund(tx, row.id, { stripeRefundId: refund.id });
    }
    const fresh = (await lockPayment(tx, payment.id))!;
    return { refund: row, posted, holder, booking, payment: fresh };
  });

  const { booking, payment } = result;
  if (result.posted && booking && payment.amountRefunded + payment.amountDisputed >= payment.amountCaptured) {
    await markRefundedIfSettled(db, booking.id, deps);
  }
  return { ignored: result.ignored, refund: result.refund, posted: result.posted, holder: result.holder };
}

/** cancelled / completed / no_show → refunded once everything captured has been given back (refunds, lost disputes). */
export async function markRefundedIfSettled(db: Database, bookingId: string, deps: Partial<Pick<PaymentsDeps, "port" | "settings" | "now">>): Promise<void> {
  const booking = await findBookingById(db, bookingId);
  if (!booking || !FULLY_REFUNDABLE_STATES.includes(booking.status) || !actorMay(SYSTEM, booking.status, "refunded")) return;
  const all = await paymentsForBooking(db, bookingId);
  if (all.some((p) => p.amountRefunded + p.amountDisputed < p.amountCaptured)) return;
  try {
    await transitionBooking(
      db,
      { bookingId, to: "refunded", actor: SYSTEM, reason: "Payment fully refunded", eventType: "refunded" },
      { port: deps.port, settings: deps.settings, now: deps.now },
    );
  } catch (error) {
    // Another writer moved it first (e.g. a concurrent webhook): the state it reached is fine.
    if (!(error instanceof DomainError)) throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Voids and follow-ups

/**
 * Cancels every intent of the booking that could still move money (an authorisation waiting for the
 * provider, an unfinished checkout). An intent that succeeded meanwhile is applied instead, and its
 * money refunded when the booking is gone.
 */
export async function voidOpenPayments(
  db: Database,
  deps: PaymentsDeps,
  bookingId: string,
  reason: Stripe.PaymentIntentCancelParams.CancellationReason = "abandoned",
): Promise<number> {
  let voided = 0;
  for (const payment of await paymentsForBooking(db, bookingId)) {
    if (!CANCELABLE_INTENT_STATUSES.includes(payment.status)) continue;
    const pi = await cancelIntent(deps.stripe, payment.stripePaymentIntentId, reason);
    if (pi.status === "canceled") voided++;
    await settleFollowUp(db, deps, await applyPaymentIntent(db, deps, pi));
  }
  return voided;
}

/** Does what applyPaymentIntent asked for after its commit: refund money of a dead booking, or void. */
export async function settleFollowUp(db: Database, deps: PaymentsDeps, outcome: ApplyOutcome): Promise<void> {
  const followUp = outcome.followUp;
  if (!followUp || !outcome.bookingId) return;
  if (followUp.kind === "void") {
    await voidOpenPayments(db, deps, outcome.bookingId);
    return;
  }
  const booking = await findBookingById(db, outcome.bookingId);
  const payment = await findPaymentByIntent(db, outcome.paymentIntentId);
  if (!booking || !payment) return;
  const refunded = await refundBooking(db, deps.stripe, booking, {
    amount: followUp.amount,
    capToRefundable: true,
    reason: followUp.reason,
    actor: SYSTEM,
    paymentIntentId: payment.stripePaymentIntentId,
    port: deps.port,
    now: deps.now,
  });
  if (refunded) logEvent("payments.auto_refund", { bookingId: booking.id, paymentIntentId: payment.stripePaymentIntentId, amount: refunded.amount, reason: followUp.reason });
}
