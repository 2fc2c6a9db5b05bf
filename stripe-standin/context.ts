// What a resource handler gets: the state, where the stand-in's pages are reachable from a browser,
// the request it is serving, and a way to record an Event (stored at once, delivered after the response).
import type Stripe from "stripe";
import type { State } from "./store";

export interface RequestInfo {
  /** `req_…` of the API request, or null for changes made from the stand-in's pages. */
  id: string | null;
  idempotencyKey: string | null;
  /** The `Stripe-Account` header (Connect), when sent. */
  stripeAccount: string | null;
  apiVersion: string;
}

export interface EmitOptions {
  /** Values before the change, for `*.updated` events (Stripe's `data.previous_attributes`). */
  previous?: Record<string, unknown>;
  /** The connected account the event belongs to (Connect events such as account.updated). */
  account?: string;
}

export interface Ctx {
  readonly state: State;
  readonly publicBaseUrl: string;
  readonly request: RequestInfo;
  emit(type: Stripe.Event.Type, object: { id: string; object: string }, opts?: EmitOptions): Stripe.Event;
}
