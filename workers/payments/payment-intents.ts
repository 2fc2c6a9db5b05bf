// PaymentIntents: one per payment attempt of a booking, created with an idempotency key derived from
// the booking, and the one function that applies a PaymentIntent's state to our rows
// (applyPaymentIntent), used by webhooks, by capture after the provider accepts, and by voids.
//
// Client side: in production the browser confirms the intent with Stripe.js's Payment Element and the
// returned clientSecret (with the publishable key); Stripe then redirects to return_url and sends the
// webhook. Locally the stand-in serves a test checkout page at
// `${STRIPE_API_BASE}/checkout/<pi>?client_secret=…&return_url=…` that confirms the same way.
//
// Out-of-order / duplicate delivery (decision): we never act on the event's snapshot. The webhook
// handler retrieves the PaymentIntent's *current* state from Stripe and applies that, so a
// payment_failed delivered after succeeded re-applies "succeeded" (a no-op). On top, two monotone rules
// guard against two handlers racing with snapshots of different ages: a payments row in succeeded /
// canceled / requires_capture never moves back to an earlier status, and booking moves only ever go
// forward from pending / payment_failed (nothing here can take a confirmed booking anywhere).
import { Temporal } from "@js-temporal/polyfill";
import { recordMetric } from "../metrics/record";
import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database, Transaction } from "../../db/client";
import { bookedWithApproval, insertEvents, lockBooking, type BookingRow } from "../../db/queries/bookings";
import { AUTO_REFUND_DUE, autoRefundDue } from "../../db/queries/payments";
import { postEntrySet } from "../../db/queries/ledger";
import { findPaymentByIntent, lockPaymentByIntent, paymentsForBooking, queueEmail, updatePayment, upsertPayment, type PaymentRow } from "../../db/queries/payments";
import { bookingStateTransitions } from "../../db/schema";
import { actorMay, SYSTEM_ACTOR, type Actor, type BookingStatus } from "../../domain/booking-states";
import { DomainError } from "../../domain/errors";
import { captureSet, feeForCapture, feeSet } from "../../domain/ledger";
import { storedSplit } from "../../domain/pricing";
import { DEFAULT_BOOKING_SETTINGS, logEvent, notifySchedule, type BookingSettings } from "../services/context";
import { EXCLUSION_VIOLATION, isPgError } from "../services/pg-errors";
import { noopSchedulePort, type BookingChange } from "../services/ports";
import { loadBookingFor, type BookingAccess } from "../services/booking-access";
import { applyTransition, transitionBooking } from "../services/transition-booking";
import { schedulePayoutForBooking } from "./escrow";
import type { PaymentsDeps } from "./stripe-client";

export const SYSTEM: Actor = SYSTEM_ACTOR;

/** Statuses in which an intent can still move money and can be canceled (voided). */
export const CANCELABLE_INTENT_STATUSES: readonly string[] = Object.freeze([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "requires_capture",
  "processing",
]);

/** Statuses the customer can still pay on (a declined card leaves the intent in requires_payment_method). */
const PAYABLE_INTENT_STATUSES: readonly string[] = Object.freeze(["requires_payment_method", "requires_confirmation", "requires_action"]);

const DEAD_BOOKING_STATUSES: readonly BookingStatus[] = Object.freeze(["cancelled", "expired", "refunded"]);

export interface PaymentStart {
  paymentIntentId: string;
  clientSecret: string;
  /** Local stand-in only: its test checkout page. Null against real Stripe (use the Payment Element). */
  checkoutUrl: string | null;
  amount: number;
  currency: string;
  status: string;
  captureMethod: string;
}

export function checkoutUrlFor(apiBase: string | undefined, pi: { id: string; client_secret: string | null }, returnUrl?: string): string | null {
  if (!apiBase || !pi.client_secret) return null;
  const url = new URL(`/checkout/${encodeURIComponent(pi.id)}`, apiBase);
  url.searchParams.set("client_secret", pi.client_secret);
  if (returnUrl) url.searchParams.set("return_url", returnUrl);
  return url.toString();
}

function startOf(pi: Stripe.PaymentIntent, apiBase: string | undefined, returnUrl?: string): PaymentStart {
  return {
    paymentIntentId: pi.id,
    clientSecret: pi.client_secret ?? "",
    checkoutUrl: checkoutUrlFor(apiBase, pi, returnUrl),
    amount: pi.amount,
    currency: pi.currency,
    status: pi.status,
    captureMethod: pi.capture_method,
  };
}

export function paymentIdempotencyKey(bookingId: string, attempt: number): string {
  return `booking:${bookingId}:payment:${attempt}`;
}

/**
 * The PaymentIntent the customer should pay now: the booking's latest one while it can still be paid
 * (also after a decline: Stripe keeps the intent in requires_payment_method for a retry with another
 * card), else a new one. Attempt n gets the key booking:<id>:payment:<n>, so a replayed create (booking
 * idempotent replay, concurrent clicks, SDK retries) returns the same intent; a new attempt only
 * exists once the previous intent was canceled (voided).
 */
export async function createPaymentForBooking(
  db: Database,
  stripe: Stripe,
  booking: BookingRow,
  options: {
    apiBase?: string;
    returnUrl?: string;
    /** The booking was inserted by this very request: it has no payment yet, and its approval rule is this. Saves two queries on the hot path. */
    justCreated?: { requiresApproval: boolean };
  } = {},
): Promise<PaymentStart> {
  if (booking.totalAmount <= 0) {
    throw new DomainError("VALIDATION", "This booking has nothing to pay", { bookingId: booking.id });
  }
  const existing = options.justCreated ? [] : await paymentsForBooking(db, booking.id);
  const latest = existing[0];
  if (latest && latest.status !== "canceled") {
    const pi = await stripe.paymentIntents.retrieve(latest.stripePaymentIntentId);
    if (pi.status !== "canceled") return startOf(pi, options.apiBase, options.returnUrl);
    await updatePayment(db, latest.id, { status: "canceled" });
  }
  const attempt = existing.length + 1;
  const manual = options.justCreated ? options.justCreated.requiresApproval : await bookedWithApproval(db, booking);
  const pi = await stripe.paymentIntents.create(
    {
      amount: booking.totalAmount,
      currency: booking.currency,
      capture_method: manual ? "manual" : "automatic",
      automatic_payment_methods: { enabled: true },
      // Separate charges and transfers: the payout later transfers the provider share in this group.
      transfer_group: booking.id,
      description: `Booking ${booking.confirmationCode}`,
      metadata: { bookingId: booking.id, providerId: booking.providerId, confirmationCode: booking.confirmationCode, attempt: String(attempt) },
    },
    { idempotencyKey: paymentIdempotencyKey(booking.id, attempt) },
  );
  await upsertPayment(db, {
    bookingId: booking.id,
    stripePaymentIntentId: pi.id,
    captureMethod: pi.capture_method,
    status: pi.status,
    currency: pi.currency,
    amount: pi.amount,
  });
  return startOf(pi, options.apiBase, options.returnUrl);
}

/** Whether the intent's latest payment can still be made (for the route's "reuse or create"). */
export function isPayable(status: string): boolean {
  return PAYABLE_INTENT_STATUSES.includes(status);
}

// ---------------------------------------------------------------------------------------------
// Applying an intent's state

const STICKY_RANK: Record<string, number> = { requires_capture: 1, succeeded: 2, canceled: 2 };

/** The payments row's next status: succeeded / canceled / requires_capture never move back. */
export function monotoneIntentStatus(stored: string, incoming: string): string {
  const before = STICKY_RANK[stored] ?? 0;
  const after = STICKY_RANK[incoming] ?? 0;
  return after >= before ? incoming : stored;
}

/** The booking moves an intent status calls for, from the booking's current status (system actor). */
export function bookingPathFor(intentStatus: string, failed: boolean, bookingStatus: BookingStatus): BookingStatus[] {
  const via = (target: BookingStatus): BookingStatus[] =>
    bookingStatus === "pending" ? [target] : bookingStatus === "payment_failed" ? ["pending", target] : [];
  switch (intentStatus) {
    case "succeeded":
      return via("confirmed");
    case "requires_capture":
      return via("awaiting_approval");
    case "requires_payment_method":
      return failed && bookingStatus === "pending" ? ["payment_failed"] : [];
    default:
      return [];
  }
}

export type FollowUp = { kind: "refund"; amount: number; reason: string } | { kind: "void"; reason: string } | null;

export interface ApplyOutcome {
  ignored?: string;
  paymentIntentId: string;
  bookingId: string | null;
  paymentStatus?: string;
  bookingStatus?: BookingStatus;
  moved: BookingStatus[];
  capturePosted: boolean;
  /** What the caller must do after commit (refunds.ts settleFollowUp). */
  followUp: FollowUp;
}

const REASONS: Partial<Record<BookingStatus, string>> = {
  confirmed: "Payment succeeded",
  awaiting_approval: "Payment authorised; waiting for the provider to accept",
  payment_failed: "Payment failed",
  pending: "Payment retried",
};

/**
 * Applies a PaymentIntent (as Stripe reports it now) to the payments row, the ledger (capture + fee,
 * payout schedule) and the booking (system actor, audited), in one transaction; then tells the
 * provider's schedule. Idempotent: applying the same state twice changes nothing.
 *
 * The transaction's steps, in this order (each one's writes after the ones before it):
 *   lockBooking: the booking row first, so one application per booking runs at a time
 *   recordIntentState: the payments row (adopted if we never recorded the intent) takes the intent's
 *     state, monotone (intentStateFor); a failed attempt that already moved the booking is recognised
 *   postCapture: a succeeded intent posts its capture and fee entry sets (idempotent by intent) and
 *     schedules the payout
 *   deadBookingFollowUp: money for a booking that no longer exists: the refund owed (written down
 *     with the capture) or the void the caller must do
 *   moveBooking: the booking moves forward from pending / payment_failed (audited transitions); when
 *     the slot was taken meanwhile (exclusion violation) the whole transaction runs again without
 *     moves, and the money goes back (followUpWhenSlotTaken)
 *   queuePaymentFailedEmail: one mail per failed attempt
 * After the commit: the funnel metric and the provider schedule's change notice.
 */
export async function applyPaymentIntent(
  db: Database,
  deps: Pick<PaymentsDeps, "config" | "port" | "settings" | "now">,
  pi: Stripe.PaymentIntent,
  context: { eventId?: string } = {},
): Promise<ApplyOutcome> {
  const bookingId = pi.metadata?.bookingId || (await findPaymentByIntent(db, pi.id))?.bookingId || null;
  const base: ApplyOutcome = { paymentIntentId: pi.id, bookingId, moved: [], capturePosted: false, followUp: null };
  if (!bookingId) return { ...base, ignored: "not a booking payment" };
  const now = (deps.now ?? (() => Temporal.Now.instant()))();
  const settings = deps.settings ?? DEFAULT_BOOKING_SETTINGS;

  const run = (allowMoves: boolean) =>
    db.transaction(async (tx) => {
      const booking = await lockBooking(tx, bookingId);
      if (!booking) return { outcome: { ...base, ignored: "booking not found" }, changes: [] as BookingChange[], providerId: undefined };
      const intent = await recordIntentState(tx, booking, pi);
      // A fresh list per attempt: a retry after a rolled-back attempt must not report that attempt's moves.
      const outcome: ApplyOutcome = { ...base, moved: [], paymentStatus: intent.status, bookingStatus: booking.status };
      let changes: BookingChange[] = [];
      if (intent.status === "succeeded" && intent.captured > 0) {
        outcome.capturePosted = await postCapture(tx, booking, pi.id, intent.captured, deps.config.ESCROW_PERIOD);
      }
      outcome.followUp = await deadBookingFollowUp(tx, booking, pi.id, intent, outcome.capturePosted);
      if (allowMoves) {
        changes = await moveBooking(tx, outcome, { bookingId, paymentIntentId: pi.id, intent, eventId: context.eventId, now, settings });
      } else {
        outcome.followUp = followUpWhenSlotTaken(intent, outcome.capturePosted, outcome.followUp);
      }
      if (intent.failed && (outcome.bookingStatus === "payment_failed" || outcome.moved.includes("payment_failed"))) {
        await queuePaymentFailedEmail(tx, booking, pi, intent.failureKey);
      }
      return { outcome, changes, providerId: booking.providerId };
    });

  let result: { outcome: ApplyOutcome; changes: BookingChange[]; providerId?: string };
  try {
    result = await run(true);
  } catch (error) {
    if (!isPgError(error, EXCLUSION_VIOLATION)) throw error;
    logEvent("payments.retry_slot_taken", { bookingId, paymentIntentId: pi.id });
    result = await run(false);
  }
  // Funnel and revenue metrics (never throw; the dashboard prefers the ledger for money).
  if (result.outcome.moved.includes("confirmed") && result.outcome.bookingId) {
    await recordMetric(db, "funnel.confirmed", { labels: { bookingId: result.outcome.bookingId } });
  }
  // After commit: the provider's live schedule hears about the moves (released on payment_failed).
  if (result.providerId && result.changes.length > 0) await notifySchedule(deps.port ?? noopSchedulePort, result.providerId, result.changes);
  return result.outcome;
}

/** What an intent's state means for its payments row. */
export interface IntentState {
  /** The row's next status (monotoneIntentStatus). */
  status: string;
  /** Never less than already recorded. */
  captured: number;
  /** The attempt failed: back in requires_payment_method with an error. */
  failed: boolean;
  /** Names the failed attempt (charge), so that it moves the booking and mails the customer once. */
  failureKey: string | null;
}

/** The payments row's next state from the stored row and the intent as Stripe reports it (pure). */
export function intentStateFor(
  stored: Pick<PaymentRow, "status" | "amountCaptured">,
  pi: Pick<Stripe.PaymentIntent, "id" | "status" | "amount_received" | "last_payment_error" | "latest_charge">,
): IntentState {
  const status = monotoneIntentStatus(stored.status, pi.status);
  const captured = Math.max(stored.amountCaptured, status === "succeeded" ? pi.amount_received : 0);
  const failed = status === "requires_payment_method" && pi.last_payment_error !== null && pi.last_payment_error !== undefined;
  const failureKey = failed ? `${pi.id}:${pi.last_payment_error?.charge ?? pi.latest_charge ?? pi.last_payment_error?.code ?? "none"}` : null;
  return { status, captured, failed, failureKey };
}

interface RecordedIntent extends IntentState {
  /** This failed attempt already moved the booking to payment_failed once. */
  failureSeen: boolean;
}

/** Step: the intent's payments row (adopted if missing) takes the intent's state. */
async function recordIntentState(tx: Transaction, booking: BookingRow, pi: Stripe.PaymentIntent): Promise<RecordedIntent> {
  const payment = await lockOrAdoptPayment(tx, booking.id, pi);
  const state = intentStateFor(payment, pi);
  // One failed attempt (charge) moves the booking once: a late redelivery of its event must not
  // undo the customer's retry (payment_failed → pending) that happened since.
  const failureSeen = state.failureKey !== null && booking.status === "pending" && (await failureApplied(tx, booking.id, state.failureKey));
  await updatePayment(tx, payment.id, {
    status: state.status,
    amountCaptured: state.captured,
    lastError: state.failed ? (pi.last_payment_error?.message ?? "payment failed") : state.status === "succeeded" ? null : payment.lastError,
  });
  return { ...state, failureSeen };
}

/** The intent's payments row, locked; an intent we did not record (crash between Stripe and our insert) is adopted. */
async function lockOrAdoptPayment(tx: Transaction, bookingId: string, pi: Stripe.PaymentIntent): Promise<PaymentRow> {
  const payment = await lockPaymentByIntent(tx, pi.id);
  if (payment) return payment;
  await upsertPayment(tx, {
    bookingId,
    stripePaymentIntentId: pi.id,
    captureMethod: pi.capture_method,
    status: pi.status,
    currency: pi.currency,
    amount: pi.amount,
  });
  return (await lockPaymentByIntent(tx, pi.id))!;
}

/** Step: the capture and fee entry sets (idempotent by intent; true when the capture was posted now) and the payout schedule. */
async function postCapture(tx: Transaction, booking: BookingRow, paymentIntentId: string, captured: number, escrow: Temporal.Duration): Promise<boolean> {
  const ref = { bookingId: booking.id, providerId: booking.providerId, currency: booking.currency, paymentIntentId };
  const capturePosted = await postEntrySet(tx, captureSet({ ...ref, amount: captured }));
  await postEntrySet(tx, feeSet({ ...ref, fee: feeForCapture(captured, storedSplit(booking)) }));
  await schedulePayoutForBooking(tx, booking, escrow);
  return capturePosted;
}

/**
 * Step: what a booking that no longer exists (cancelled, expired, refunded) asks of the caller. Money
 * arrived (cancelled mid-checkout, expired): give it back. The debt is written down with the capture,
 * in this transaction: if the refund after the commit fails, a redelivered webhook or the housekeeping
 * job still knows it is owed. (A booking cancelled AFTER its capture has no such record: its refund
 * follows the cancellation policy instead.) An intent that can still move money: void it.
 */
async function deadBookingFollowUp(
  tx: Transaction,
  booking: BookingRow,
  paymentIntentId: string,
  intent: IntentState,
  capturePosted: boolean,
): Promise<FollowUp> {
  if (!DEAD_BOOKING_STATUSES.includes(booking.status)) return null;
  if (intent.status === "succeeded" && intent.captured > 0) {
    if (capturePosted) {
      const reason = `Payment completed after the booking was ${booking.status}`;
      await insertEvents(tx, [{ bookingId: booking.id, type: AUTO_REFUND_DUE, data: { paymentIntentId, amount: intent.captured, reason } }]);
      return { kind: "refund", amount: intent.captured, reason };
    }
    const due = await autoRefundDue(tx, booking.id, paymentIntentId);
    return due ? { kind: "refund", amount: due.amount, reason: due.reason } : null;
  }
  return CANCELABLE_INTENT_STATUSES.includes(intent.status) ? { kind: "void", reason: `Booking is ${booking.status}` } : null;
}

/**
 * Step: the booking's moves the intent calls for (bookingPathFor, system actor), each an audited
 * transition recorded on the outcome as it happens; returns the schedule changes to announce.
 */
async function moveBooking(
  tx: Transaction,
  outcome: ApplyOutcome,
  move: { bookingId: string; paymentIntentId: string; intent: RecordedIntent; eventId?: string; now: Temporal.Instant; settings: BookingSettings },
): Promise<BookingChange[]> {
  const { intent } = move;
  const changes: BookingChange[] = [];
  for (const to of bookingPathFor(intent.status, intent.failed && !intent.failureSeen, outcome.bookingStatus!)) {
    if (!actorMay(SYSTEM, outcome.bookingStatus!, to)) break;
    const moved = await applyTransition(
      tx,
      {
        bookingId: move.bookingId,
        to,
        actor: SYSTEM,
        reason: REASONS[to] ?? `Payment ${intent.status}`,
        metadata: {
          paymentIntentId: move.paymentIntentId,
          intentStatus: intent.status,
          ...(intent.failureKey && to === "payment_failed" ? { failureKey: intent.failureKey } : {}),
          ...(move.eventId ? { stripeEventId: move.eventId } : {}),
        },
        eventType: `payment_${to}`,
      },
      { now: move.now, settings: move.settings },
    );
    changes.push(moved.change);
    outcome.moved.push(to);
    outcome.bookingStatus = to;
  }
  return changes;
}

/**
 * The follow-up when the booking's time was taken while its payment was failing (the moves could not
 * be made): we cannot honour it, so the money goes back; otherwise the follow-up stays as it was (pure).
 */
export function followUpWhenSlotTaken(intent: Pick<IntentState, "status" | "captured">, capturePosted: boolean, current: FollowUp): FollowUp {
  const reason = "The booking's time was taken before the payment completed";
  if (intent.status === "succeeded") return capturePosted ? { kind: "refund", amount: intent.captured, reason } : current;
  if (intent.status === "requires_capture") return { kind: "void", reason };
  return current;
}

/** Step: the customer hears that the attempt failed, once per failed attempt (charge) whatever the deliveries. */
async function queuePaymentFailedEmail(tx: Transaction, booking: BookingRow, pi: Stripe.PaymentIntent, failureKey: string | null): Promise<void> {
  await queueEmail(tx, {
    kind: "payment_failed",
    bookingId: booking.id,
    toAddress: booking.customerEmail,
    subject: `Your payment for booking ${booking.confirmationCode} did not go through`,
    textBody:
      `Hello ${booking.customerName},\n\nyour payment was declined (${pi.last_payment_error?.message ?? "payment failed"}). ` +
      `Your booking ${booking.confirmationCode} is not confirmed yet: you can try again with another card from your booking page ` +
      `until the reservation expires.\n`,
    dedupeKey: `payment_failed:${failureKey}`,
  });
}

async function failureApplied(tx: Transaction, bookingId: string, failureKey: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: bookingStateTransitions.id })
    .from(bookingStateTransitions)
    .where(
      and(
        eq(bookingStateTransitions.bookingId, bookingId),
        eq(bookingStateTransitions.toStatus, "payment_failed"),
        sql`${bookingStateTransitions.metadata}->>'failureKey' = ${failureKey}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Retrieves the intent's current state from Stripe and applies it (the out-of-order-safe path). */
export async function syncPaymentIntent(
  db: Database,
  deps: Pick<PaymentsDeps, "stripe" | "config" | "port" | "settings" | "now">,
  paymentIntentId: string,
  context: { eventId?: string } = {},
): Promise<ApplyOutcome> {
  const pi = await deps.stripe.paymentIntents.retrieve(paymentIntentId);
  return applyPaymentIntent(db, deps, pi, context);
}

// ---------------------------------------------------------------------------------------------
// Capture and void (Stripe calls; callers apply the result and settle follow-ups)

/** Captures an authorised intent (idempotent by intent id) and returns its state, or the current state when it cannot be captured. */
export async function captureIntent(stripe: Stripe, paymentIntentId: string): Promise<Stripe.PaymentIntent> {
  try {
    return await stripe.paymentIntents.capture(paymentIntentId, {}, { idempotencyKey: `capture:${paymentIntentId}` });
  } catch (error) {
    // Already captured / canceled (e.g. a second accept, a racing webhook): report what Stripe has.
    const current = await stripe.paymentIntents.retrieve(paymentIntentId);
    if (current.status === "requires_capture") throw error;
    return current;
  }
}

/** Voids an intent that can still move money; returns its state (succeeded if it won the race). */
export async function cancelIntent(
  stripe: Stripe,
  paymentIntentId: string,
  reason: Stripe.PaymentIntentCancelParams.CancellationReason = "abandoned",
): Promise<Stripe.PaymentIntent> {
  try {
    return await stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: reason }, { idempotencyKey: `cancel:${paymentIntentId}` });
  } catch (error) {
    const current = await stripe.paymentIntents.retrieve(paymentIntentId);
    if (CANCELABLE_INTENT_STATUSES.includes(current.status)) throw error;
    return current;
  }
}

// ---------------------------------------------------------------------------------------------
// The payment step of a booking (POST /api/v1/bookings/:code/payment)

export interface StartCheckoutRequest {
  code: string;
  access: BookingAccess;
  returnUrl?: string;
}

/**
 * Start (or resume) paying for a booking: the booking's owner (customer session or guest manage token,
 * as for the booking routes) gets the intent to confirm. A booking whose payment failed goes back to
 * pending first (the customer's own move, audited; it re-occupies the slot, so 409 if it was taken).
 */
export async function startCheckout(db: Database, deps: PaymentsDeps, request: StartCheckoutRequest): Promise<PaymentStart> {
  const now = (deps.now ?? (() => Temporal.Now.instant()))();
  const { found, actor } = await loadBookingFor(db, request.code, request.access, new Date(now.epochMilliseconds));
  let booking = found.booking;
  if (booking.status === "payment_failed") {
    const moved = await transitionBooking(
      db,
      { bookingId: booking.id, to: "pending", actor, reason: "Payment retried", eventType: "payment_retry" },
      { port: deps.port, settings: deps.settings, now: () => now },
    );
    booking = moved.booking;
  } else if (booking.status !== "pending") {
    throw new DomainError("ILLEGAL_TRANSITION", `This booking is ${booking.status}: there is nothing to pay`, { status: booking.status });
  }
  return createPaymentForBooking(db, deps.stripe, booking, { apiBase: deps.config.STRIPE_API_BASE, returnUrl: request.returnUrl });
}
