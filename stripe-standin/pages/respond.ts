// What a page handler returns, and the redirect back to the merchant that Stripe's hosted flows end with.
import type Stripe from "stripe";

export type PageResult = { status: number; html: string } | { redirect: string };

export type RedirectStatus = "succeeded" | "failed" | "requires_action";

/** `return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=…`, keeping its own query. */
export function returnTo(returnUrl: string, pi: Stripe.PaymentIntent, status: RedirectStatus): string {
  const url = new URL(returnUrl);
  url.searchParams.set("payment_intent", pi.id);
  url.searchParams.set("payment_intent_client_secret", pi.client_secret ?? "");
  url.searchParams.set("redirect_status", status);
  return url.toString();
}

export function redirectStatusOf(pi: Stripe.PaymentIntent): RedirectStatus {
  if (pi.status === "succeeded" || pi.status === "requires_capture") return "succeeded";
  if (pi.status === "requires_action") return "requires_action";
  return "failed";
}
