// Event objects. `data.object` is a deep copy taken when the event happens, as in Stripe: a webhook
// describes the object at that moment, not as it is when the handler later reads it.
import type Stripe from "stripe";
import type { EmitOptions, RequestInfo } from "./context";
import { newId, nowSeconds } from "./ids";
import type { State } from "./store";

export function createEvent(
  state: State,
  type: Stripe.Event.Type,
  object: { id: string; object: string },
  request: RequestInfo,
  opts: EmitOptions,
  pendingWebhooks: number,
): Stripe.Event {
  const base: Stripe.EventBase = {
    id: newId("evt"),
    object: "event",
    api_version: request.apiVersion,
    created: nowSeconds(),
    data: {
      object: structuredClone(object),
      ...(opts.previous ? { previous_attributes: structuredClone(opts.previous) } : {}),
    },
    livemode: false,
    pending_webhooks: pendingWebhooks,
    request: { id: request.id, idempotency_key: request.idempotencyKey },
    type,
    ...(opts.account ? { account: opts.account } : {}),
  };
  // Stripe.Event is a union discriminated by `type`; the base carries exactly those fields.
  const event = base as Stripe.Event;
  state.events.add(event);
  return event;
}
