// Shared setup for the payments integration tests: real Postgres (own fixtures, everything filtered by
// our ids on the shared database), a Stripe stand-in on a random port driven through the product's own
// client (createStripe), and a tiny HTTP server receiving the stand-in's signed webhooks and handing
// the raw body + header to handleStripeWebhook – the same function the Worker route calls.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Temporal } from "@js-temporal/polyfill";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { findBookingById, type BookingRow } from "../../db/queries/bookings";
import { findPayoutByBooking, type PayoutRow } from "../../db/queries/payments";
import { providers, users } from "../../db/schema";
import { startStripeStandin, type StripeStandin } from "../../stripe-standin/server";
import { paymentHooks } from "../../workers/payments/hooks";
import { createStripe, type PaymentsConfig, type PaymentsDeps } from "../../workers/payments/stripe-client";
import { handleStripeWebhook } from "../../workers/payments/webhooks";
import { DEFAULT_BOOKING_SETTINGS } from "../../workers/services/context";
import { createBooking } from "../../workers/services/create-booking";
import { transitionBooking } from "../../workers/services/transition-booking";
import type { BookingChange } from "../../workers/services/ports";
import { createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { recordingPort } from "../support/recording-port";

export const WEBHOOK_SECRET = "whsec_payments_tests";

export interface WebhookServer {
  url: string;
  responses: Array<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface Harness {
  db: ReturnType<typeof openTestDatabase>["db"];
  standin: StripeStandin;
  stripe: Stripe;
  config: PaymentsConfig;
  deps: PaymentsDeps;
  webhooks: WebhookServer;
  changes: BookingChange[];
  close(): Promise<void>;
}

async function startWebhookServer(handle: (raw: string, signature: string | null) => Promise<{ status: number; body: Record<string, unknown> }>): Promise<WebhookServer> {
  const responses: WebhookServer["responses"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const signature = typeof req.headers["stripe-signature"] === "string" ? req.headers["stripe-signature"] : null;
      handle(raw, signature)
        .then((result) => {
          responses.push(result);
          res.writeHead(result.status, { "content-type": "application/json" }).end(JSON.stringify(result.body));
        })
        .catch((error: unknown) => {
          responses.push({ status: 500, body: { error: String(error) } });
          res.writeHead(500).end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/webhooks/stripe`,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startHarness(options: { maxAttempts?: number } = {}): Promise<Harness> {
  const handle = openTestDatabase(10);
  const db = handle.db;
  const { port, changes } = recordingPort();
  // Late-bound: the webhook server needs deps, deps need the stand-in's URL, the stand-in the server's.
  let deps: PaymentsDeps | undefined;
  const webhooks = await startWebhookServer((raw, signature) => handleStripeWebhook(db, deps!, raw, signature));
  const standin = await startStripeStandin({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: webhooks.url,
    webhookRetryDelaysMs: [50, 100, 200],
    webhookTimeoutMs: 10_000,
  });
  const config: PaymentsConfig = {
    STRIPE_SECRET_KEY: "sk_test_payments_suite",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: standin.url,
    ESCROW_PERIOD: Temporal.Duration.from({ days: 7 }),
    PAYOUT_MAX_ATTEMPTS: options.maxAttempts ?? 3,
  };
  const stripe = createStripe(config);
  deps = { stripe, config, port, settings: DEFAULT_BOOKING_SETTINGS };
  return {
    db,
    standin,
    stripe,
    config,
    deps,
    webhooks,
    changes,
    async close() {
      await standin.waitForWebhooks(5000);
      await standin.close();
      await webhooks.close();
      await handle.close();
    },
  };
}

/** A provider with a connected, onboarded Stripe account (payouts enabled). */
export async function payableProvider(h: Harness, service: Parameters<typeof createProviderFixture>[1] = {}): Promise<ProviderFixture & { accountId: string }> {
  const fixture = await createProviderFixture(h.db, service);
  const account = await h.stripe.accounts.create({ type: "express", country: "US", capabilities: { transfers: { requested: true } } });
  h.standin.completeOnboarding(account.id);
  await h.db.update(providers).set({ stripeAccountId: account.id, payoutsEnabled: true }).where(eq(providers.id, fixture.providerId));
  return { ...fixture, accountId: account.id };
}

export async function newCustomer(h: Harness): Promise<string> {
  const [customer] = await h.db.insert(users).values({ email: `${unique("payer")}@example.test`, name: "Pat Payer", role: "customer" }).returning();
  return customer!.id;
}

let dayCounter = 3;

export interface CreatedBooking {
  booking: BookingRow;
  payment: { clientSecret: string; checkoutUrl: string; paymentIntentId: string; amount: number; currency: string; captureMethod: string };
  manageToken?: string;
  start: Temporal.Instant;
}

/** A booking through the booking service with the payments hooks wired, `daysAhead` days out (unique per call by default). */
export async function bookThrough(
  h: Harness,
  fixture: ProviderFixture,
  options: { customerId?: string; daysAhead?: number; time?: string } = {},
): Promise<CreatedBooking> {
  const start = localInstant(fixture.timeZone, options.daysAhead ?? dayCounter++, options.time ?? "10:00");
  const result = await createBooking(
    h.db,
    {
      body: {
        serviceId: fixture.serviceId,
        providerId: fixture.providerId,
        start: start.toString(),
        timeZone: "UTC",
        idempotencyKey: unique("pay-idem"),
        ...(options.customerId ? {} : { customer: { name: "Gale Guest", email: `${unique("guest")}@example.test` } }),
      },
      customerUserId: options.customerId ?? null,
    },
    { port: h.deps.port, hooks: paymentHooks(h.deps), settings: DEFAULT_BOOKING_SETTINGS },
  );
  const booking = (await findBookingById(h.db, result.booking.id))!;
  return { booking, payment: result.payment as CreatedBooking["payment"], manageToken: result.manageToken, start };
}

/** What the stand-in's checkout page does when the customer picks a card and presses Pay. */
export async function payOnCheckoutPage(h: Harness, payment: { paymentIntentId: string; clientSecret: string }, paymentMethod: string): Promise<Response> {
  return fetch(`${h.standin.url}/checkout/${payment.paymentIntentId}/confirm`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_secret: payment.clientSecret, return_url: "http://127.0.0.1:5173/bookings/return", payment_method: paymentMethod }).toString(),
    redirect: "manual",
  });
}

/** What the simulated 3D Secure page's buttons do. */
export async function completeThreeDS(h: Harness, payment: { paymentIntentId: string; clientSecret: string }, outcome: "approve" | "fail"): Promise<Response> {
  return fetch(`${h.standin.url}/3ds/${payment.paymentIntentId}/complete`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_secret: payment.clientSecret, return_url: "http://127.0.0.1:5173/bookings/return", outcome }).toString(),
    redirect: "manual",
  });
}

export async function settle(h: Harness): Promise<void> {
  const idle = await h.standin.waitForWebhooks(15_000);
  if (!idle) throw new Error("webhooks still in flight");
}

export async function bookingNow(h: Harness, id: string): Promise<BookingRow> {
  return (await findBookingById(h.db, id))!;
}

export function instantOf(date: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime());
}

/** A paid booking of `fixture` (auto capture through the checkout page and its webhook) with the payout row the capture scheduled. */
export async function paidBooking(
  h: Harness,
  fixture: ProviderFixture,
  options: { customerId?: string; card?: string } = {},
): Promise<CreatedBooking & { payout: PayoutRow }> {
  const created = await bookThrough(h, fixture, { customerId: options.customerId });
  await payOnCheckoutPage(h, created.payment, options.card ?? "pm_card_visa");
  await settle(h);
  const payout = await findPayoutByBooking(h.db, created.booking.id);
  if (!payout) throw new Error(`no payout was scheduled for booking ${created.booking.id}`);
  return { ...created, payout };
}

/** The provider serves the appointment (their own moves), as the state machine requires before a payout of a completed booking. */
export async function serve(h: Harness, bookingId: string, providerUserId: string): Promise<void> {
  const provider = { type: "provider" as const, id: providerUserId };
  await transitionBooking(h.db, { bookingId, to: "in_progress", actor: provider, reason: "Started" });
  await transitionBooking(h.db, { bookingId, to: "completed", actor: provider, reason: "Done" });
}
