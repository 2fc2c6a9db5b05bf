// The Worker's bindings, declared as `wrangler types` declares them: a global type, so the modules
// that read `Env` and the Durable Object classes it names need not import each other (that import
// closed a circle through every service the objects run). Keep it in step with wrangler.toml; the
// values are parsed by workers/env.ts, which also exports this type as `Env`.
interface Env {
  PROVIDER_SCHEDULE: DurableObjectNamespace<import("./durable-objects/provider-schedule").ProviderSchedule>;
  CLIENT_BUDGET: DurableObjectNamespace<import("./durable-objects/client-budget").ClientBudget>;
  METRICS_SINK: DurableObjectNamespace<import("./durable-objects/metrics-sink").MetricsSink>;
  ASSETS: Fetcher;
  APP_ENV?: string;
  DATABASE_URL?: string;
  /** Local only: host:port/path of the WebSocket-to-TCP proxy in front of a plain Postgres. */
  NEON_WS_PROXY?: string;
  SESSION_SECRET?: string;
  /** Retired session secrets, newest first, separated by commas or white space: they still verify (rotation). */
  SESSION_SECRETS_PREVIOUS?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  /** Local only: base URL of the Stripe stand-in, e.g. http://127.0.0.1:12111. Unset = api.stripe.com. */
  STRIPE_API_BASE?: string;
  /** pk_… for Stripe.js's Payment Element in the browser (production); unused with the local stand-in. */
  STRIPE_PUBLISHABLE_KEY?: string;
  PLATFORM_FEE_BPS_CUSTOMER?: string;
  PLATFORM_FEE_BPS_GUEST?: string;
  /** ISO-8601 durations: ESCROW_PERIOD in calendar days ("P7D"), the TTLs exact time ("PT10M"). */
  ESCROW_PERIOD?: string;
  HOLD_TTL?: string;
  MAX_HOLDS_PER_HOLDER?: string;
  MAX_HOLDS_PER_CLIENT?: string;
  MAX_HOLDS_OVERALL?: string;
  PENDING_PAYMENT_TTL?: string;
  APPROVAL_TTL?: string;
  PAYOUT_MAX_ATTEMPTS?: string;
  PUBLIC_BASE_URL?: string;
  EMAIL_FROM?: string;
  EMAIL_API_URL?: string;
  EMAIL_API_KEY?: string;
}
