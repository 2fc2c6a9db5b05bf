// What the Stripe webhook endpoint subscribes to. Its own module (no imports but types) so the dev
// stack can give the stand-in the same subscription a production endpoint is configured with.
import type Stripe from "stripe";

/**
 * The event types the webhook endpoint subscribes to (its `enabled_events` in Stripe; the dev stack
 * gives the stand-in the same list): the ones applyStripeEvent acts on. Not payment_intent.created:
 * the booking request records its intent itself, and an intent it failed to record is adopted on its
 * next event (succeeded, failed, canceled…), which is the first one that can move a booking or money.
 * Skipping it saved a Postgres connection, a Stripe retrieve and a transaction per paid booking.
 */
export const STRIPE_WEBHOOK_EVENTS = [
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "payment_intent.amount_capturable_updated",
  "payment_intent.requires_action",
  "payment_intent.processing",
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refunded",
  "charge.refund.updated",
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
  "transfer.created",
  "transfer.updated",
  "transfer.reversed",
] as const satisfies readonly Stripe.Event.Type[];
