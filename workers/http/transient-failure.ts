// Failures that say "not now" rather than "not like this": Postgres unreachable, Stripe down, slow or
// still busy with the same request. Each becomes a status with Retry-After and a sentence for people,
// for the API (toErrorResponse) and the pages (entry.server's handleError → the Worker entry) alike.
import Stripe from "stripe";
import { isDatabaseUnreachable } from "../../db/unreachable";
import { isStripeError } from "../payments/stripe-client";

export interface TransientFailure {
  status: 409 | 502 | 503;
  code: "UNAVAILABLE" | "PAYMENT_PROVIDER_UNAVAILABLE" | "PAYMENT_IN_PROGRESS";
  message: string;
  retryAfterSeconds: number;
}

export function transientFailure(error: unknown): TransientFailure | null {
  if (isDatabaseUnreachable(error)) {
    return { status: 503, code: "UNAVAILABLE", message: "Our database cannot be reached right now; please try again in a few seconds.", retryAfterSeconds: 5 };
  }
  if (!isStripeError(error)) return null;
  // The same idempotency key is still being worked on by Stripe (a double click, a retry racing the first).
  if (error.code === "idempotency_key_in_use") {
    return { status: 409, code: "PAYMENT_IN_PROGRESS", message: "Your payment is still starting; please retry in a moment.", retryAfterSeconds: 2 };
  }
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError || (error.statusCode ?? 0) >= 500) {
    return { status: 502, code: "PAYMENT_PROVIDER_UNAVAILABLE", message: "Our payment provider is not answering right now; nothing was charged twice. Please try again in a few seconds.", retryAfterSeconds: 5 };
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return { status: 503, code: "PAYMENT_PROVIDER_UNAVAILABLE", message: "Our payment provider is busy; please try again in a few seconds.", retryAfterSeconds: 5 };
  }
  return null;
}
