// Stripe webhooks: verify the signature over the raw body, store the event by id (a duplicate delivery
// is acknowledged and ignored), then apply it. The same function serves the Worker route and the
// Node tests' delivery server.
//
// Applying never trusts the event's snapshot (see payment-intents.ts): payment_intent.* retrieves the
// intent and applies its current state; refund and charge.refunded events retrieve/list the refunds;
// transfer.* retrieves the transfer; charge.dispute.* the dispute. So duplicates, retries and any
// delivery order converge on the same rows. A failure answers 500 so Stripe redelivers; the stored
// event is retried then.
import type Stripe from "stripe";
import type { Database } from "../../db/client";
import { markStripeEvent, recordStripeEvent } from "../../db/queries/payments";
import { logEvent } from "../services/context";
import { syncPaymentIntent } from "./payment-intents";
import { applyDispute } from "./disputes";
import { applyTransfer } from "./payouts";
import { recordStripeRefund, settleFollowUp } from "./refunds";
import { stripeErrorMessage, webhookCryptoProvider, type PaymentsDeps } from "./stripe-client";
import { STRIPE_WEBHOOK_EVENTS } from "./webhook-events";

const SUBSCRIBED: ReadonlySet<string> = new Set(STRIPE_WEBHOOK_EVENTS);

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export async function handleStripeWebhook(
  db: Database,
  deps: PaymentsDeps,
  rawBody: string,
  signature: string | null | undefined,
): Promise<WebhookResponse> {
  if (!signature) return { status: 400, body: { error: { code: "BAD_SIGNATURE", message: "Missing Stripe-Signature header" } } };
  let event: Stripe.Event;
  try {
    event = await deps.stripe.webhooks.constructEventAsync(rawBody, signature, deps.config.STRIPE_WEBHOOK_SECRET, undefined, webhookCryptoProvider);
  } catch (error) {
    return { status: 400, body: { error: { code: "BAD_SIGNATURE", message: `Webhook signature verification failed: ${stripeErrorMessage(error)}` } } };
  }

  // An endpoint subscribed to more than it needs (or to "*") costs no Postgres work for the rest.
  if (!SUBSCRIBED.has(event.type)) return { status: 200, body: { received: true, ignored: "event type not subscribed" } };

  const claim = await recordStripeEvent(db, { id: event.id, type: event.type, payload: event });
  if (claim === "duplicate") return { status: 200, body: { received: true, duplicate: true } };
  try {
    const result = await applyStripeEvent(db, deps, event);
    await markStripeEvent(db, event.id, {});
    return { status: 200, body: { received: true, ...result } };
  } catch (error) {
    const message = stripeErrorMessage(error);
    logEvent("stripe.webhook_failed", { eventId: event.id, type: event.type, message }, "error");
    await markStripeEvent(db, event.id, { error: message.slice(0, 1000) }).catch(() => {});
    return { status: 500, body: { error: { code: "INTERNAL", message: "Webhook processing failed; Stripe will retry" } } };
  }
}

/** Dispatch by type. Returns a short description for the response / logs. */
export async function applyStripeEvent(db: Database, deps: PaymentsDeps, event: Stripe.Event): Promise<Record<string, unknown>> {
  const object = event.data.object as { id?: string; object?: string; payment_intent?: string | { id: string } | null };
  if (event.type.startsWith("payment_intent.") && object.id) {
    const outcome = await syncPaymentIntent(db, deps, object.id, { eventId: event.id });
    await settleFollowUp(db, deps, outcome);
    return { applied: "payment_intent", status: outcome.paymentStatus ?? null, booking: outcome.bookingStatus ?? null, ignored: outcome.ignored ?? null };
  }
  if ((event.type.startsWith("refund.") || event.type === "charge.refund.updated") && object.id) {
    const refund = await deps.stripe.refunds.retrieve(object.id);
    const recorded = await recordStripeRefund(db, deps, refund);
    return { applied: "refund", posted: recorded.posted, ignored: recorded.ignored ?? null };
  }
  if (event.type === "charge.refunded") {
    const pi = typeof object.payment_intent === "string" ? object.payment_intent : (object.payment_intent?.id ?? null);
    if (!pi) return { applied: "none", ignored: "charge without PaymentIntent" };
    let posted = 0;
    for await (const refund of deps.stripe.refunds.list({ payment_intent: pi, limit: 100 })) {
      if ((await recordStripeRefund(db, deps, refund)).posted) posted++;
    }
    return { applied: "refunds", posted };
  }
  if (event.type.startsWith("charge.dispute.") && object.id) {
    const dispute = await deps.stripe.disputes.retrieve(object.id);
    const applied = await applyDispute(db, deps, dispute);
    return { applied: "dispute", status: applied.status ?? null, posted: applied.posted, ignored: applied.ignored ?? null };
  }
  if (event.type.startsWith("transfer.") && object.id) {
    const transfer = await deps.stripe.transfers.retrieve(object.id);
    const result = await applyTransfer(db, transfer, event.type);
    return { applied: "transfer", marked: result.marked, ignored: result.ignored ?? null };
  }
  return { applied: "none" };
}
