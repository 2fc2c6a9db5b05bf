// Payment routes:
//   POST /api/v1/bookings/:code/payment  start or resume paying a pending / payment_failed booking
//                                        (customer session or guest manage token, as the booking routes)
//   POST /api/v1/webhooks/stripe         Stripe's webhook endpoint (raw body + Stripe-Signature)
// In production the browser confirms the returned clientSecret with Stripe.js's Payment Element;
// locally `checkoutUrl` is the stand-in's test checkout page.
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { crossSiteProblem } from "../auth/csrf";
import type { Session } from "../auth/session";
import { json, readJson } from "../http/errors";
import { startCheckout } from "../payments/payment-intents";
import { paymentsDepsFromConfig } from "../payments/stripe-client";
import { handleStripeWebhook } from "../payments/webhooks";
import type { BookingAccess } from "../services/booking-access";
import { appSchedulePort } from "../composition";
import { type ApiContext, route } from "./router";
import { apiSession } from "./session";
import { BookingCodeParamsSchema, ManageTokenQuerySchema } from "./schemas";

const PRIVATE = { "cache-control": "no-store" };

const StartPaymentSchema = z.object({
  /** Where the payment page sends the customer back; same origin as the API only. */
  returnUrl: z.url().max(2000).optional(),
});

/** A cross-site write never acts as the signed-in user (CSRF); guests' bearer tokens still work. */
async function accessOf(context: ApiContext): Promise<BookingAccess> {
  const session: Session | null = crossSiteProblem(context.request) ? null : await apiSession(context);
  const bearer = /^Bearer\s+(\S{1,128})$/i.exec(context.request.headers.get("authorization") ?? "")?.[1];
  const { token } = ManageTokenQuerySchema.parse(Object.fromEntries(context.url.searchParams));
  return { session, manageToken: bearer ?? token ?? null };
}

function sameOriginReturnUrl(context: ApiContext, code: string, requested: string | undefined): string {
  const fallback = new URL(`/bookings/${encodeURIComponent(code)}`, context.url.origin).toString();
  if (!requested) return fallback;
  if (new URL(requested).origin !== context.url.origin) {
    throw new DomainError("VALIDATION", "returnUrl: must be on this site", { fields: [{ path: "returnUrl", message: "must be on this site" }] });
  }
  return requested;
}

route("POST", "/api/v1/bookings/:code/payment", async (context) => {
  const { code } = BookingCodeParamsSchema.parse(context.params);
  const input = StartPaymentSchema.parse(await readJson(context.request));
  const deps = paymentsDepsFromConfig(context.config, appSchedulePort(context.env, context.config, context.database.db));
  const start = await startCheckout(context.database.db, deps, {
    code,
    access: await accessOf(context),
    returnUrl: sameOriginReturnUrl(context, code, input.returnUrl),
  });
  return json(
    {
      clientSecret: start.clientSecret,
      checkoutUrl: start.checkoutUrl,
      paymentIntentId: start.paymentIntentId,
      amount: start.amount,
      currency: start.currency,
      status: start.status,
    },
    { headers: PRIVATE },
  );
});

route("POST", "/api/v1/webhooks/stripe", async (context) => {
  // The signature covers the exact bytes: read the body as text, never parse and re-serialise it.
  const raw = await context.request.text();
  const deps = paymentsDepsFromConfig(context.config, appSchedulePort(context.env, context.config, context.database.db));
  const result = await handleStripeWebhook(context.database.db, deps, raw, context.request.headers.get("stripe-signature"));
  return json(result.body, { status: result.status });
});
