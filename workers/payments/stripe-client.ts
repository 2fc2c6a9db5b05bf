// The one place a Stripe client is made. Same code path for the local stand-in and real Stripe: the
// official SDK with its fetch HTTP client (what works in workerd and in Node), a bounded timeout and
// two automatic retries (stripe-node sends an Idempotency-Key on every POST and reuses it for its
// retries, and we pass our own keys for anything that moves money). STRIPE_API_BASE only swaps the
// host/port/protocol.
import type { Temporal } from "@js-temporal/polyfill";
import Stripe from "stripe";
import type { AppConfig } from "../env";
import { settingsFromConfig, type BookingSettings } from "../services/context";
import type { SchedulePort } from "../services/ports";

export type StripeConfig = Pick<AppConfig, "STRIPE_SECRET_KEY"> & Partial<Pick<AppConfig, "STRIPE_API_BASE">>;

/** Settings the payments modules read from AppConfig (a subset, so scripts and tests need not fake the rest). */
export type PaymentsConfig = Pick<AppConfig, "STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET" | "ESCROW_PERIOD" | "PAYOUT_MAX_ATTEMPTS"> &
  Partial<Pick<AppConfig, "STRIPE_API_BASE">>;

export function stripeHostOptions(apiBase: string | undefined): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: url.port || (protocol === "http" ? 80 : 443), protocol };
}

const clients = new WeakMap<object, Stripe>();

export function createStripe(config: StripeConfig): Stripe {
  const cached = clients.get(config);
  if (cached) return cached;
  const stripe = new Stripe(config.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...stripeHostOptions(config.STRIPE_API_BASE),
  });
  clients.set(config, stripe);
  return stripe;
}

/** Web Crypto HMAC for webhook signatures: the Node default provider does not exist in workerd. */
export const webhookCryptoProvider = Stripe.createSubtleCryptoProvider();

export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/**
 * A refusal Stripe decided on (4xx other than an idempotency conflict): the request made nothing, so the
 * same call under a new idempotency key cannot do anything twice. An idempotency error is excluded:
 * it means an earlier request under that key did run.
 */
export function isDefinitiveRefusal(error: unknown): boolean {
  return isStripeError(error) && !isTransientStripeError(error) && !(error instanceof Stripe.errors.StripeIdempotencyError);
}

/** Errors worth retrying later (network, 5xx, rate limits, lock contention) as opposed to a refusal. */
export function isTransientStripeError(error: unknown): boolean {
  if (!isStripeError(error)) return true; // fetch failures and timeouts surface as plain errors
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) return true;
  if (error instanceof Stripe.errors.StripeRateLimitError) return true;
  return (error.statusCode ?? 0) >= 500 || error.statusCode === 409;
}

export function stripeErrorMessage(error: unknown): string {
  if (isStripeError(error)) return `${error.rawType ?? error.type}${error.code ? `/${error.code}` : ""}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** What the payments modules need besides the database. */
export interface PaymentsDeps {
  stripe: Stripe;
  config: PaymentsConfig;
  /** The provider's live schedule (Durable Object in the Worker); no-op when absent. */
  port?: SchedulePort;
  settings?: BookingSettings;
  /** Injected in tests; defaults to the system clock. */
  now?: () => Temporal.Instant;
}

/** The Worker's way to build them: from the parsed configuration and the schedule port of the request. */
export function paymentsDepsFromConfig(config: AppConfig, port?: SchedulePort): PaymentsDeps {
  return { stripe: createStripe(config), config, port, settings: settingsFromConfig(config) };
}
