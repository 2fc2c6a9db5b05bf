// GET /v1/events and /v1/events/:id: the event log, for reconciliation jobs that poll instead of (or as
// well as) receiving webhooks.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { LIST_PARAMS, listObject } from "../pagination";
import { rejectUnknown, str, strArray, type Params } from "../params";

export function retrieveEvent(ctx: Ctx, id: string, params: Params): Stripe.Event {
  rejectUnknown(params, ["expand"]);
  return ctx.state.events.fromPath(id, "id");
}

export function listEvents(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Event> {
  rejectUnknown(params, [...LIST_PARAMS, "type", "types", "delivery_success"]);
  const type = str(params, "type");
  const types = strArray(params, "types");
  const items = ctx.state.events
    .newestFirst()
    .filter((e) => (!type || typeMatches(type, e.type)) && (!types || types.includes(e.type)));
  return listObject(items, params, "/v1/events");
}

/** `type` accepts a trailing wildcard, e.g. "payment_intent.*". */
function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
