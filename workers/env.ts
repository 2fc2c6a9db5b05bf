// The Worker's bindings and configuration. Every value is parsed once per isolate by zod, and a
// missing or malformed variable fails fast with its name (the dev script runs the same check before
// it starts wrangler, so a typo never surfaces as a confusing error deep inside a request).
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { durationSetting } from "../domain/durations";

/** The bindings (declared globally in worker-configuration.d.ts, next to wrangler.toml). */
export type { WorkerEnv as Env };
type WorkerEnv = Env;

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  APP_ENV: z.enum(["production", "development", "test"]).default("production"),
  DATABASE_URL: z
    .string({ error: "is required (a postgres:// URL; Neon in production)" })
    .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL"),
  NEON_WS_PROXY: z
    .string()
    .regex(/^[\w.-]+:\d+(\/[\w/-]*)?$/, "must look like 127.0.0.1:54330/v1")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  SESSION_SECRET: z.string({ error: "is required" }).min(32, "must be at least 32 characters"),
  /** Rotation: the secret that SESSION_SECRET replaced goes here, so what it signed stays valid until it expires. */
  SESSION_SECRETS_PREVIOUS: z
    .string()
    .default("")
    .transform((text) => text.split(/[\s,]+/).filter((s) => s.length > 0))
    .pipe(z.array(z.string().min(32, "each secret must be at least 32 characters")).max(5, "keep at most 5 previous secrets")),
  STRIPE_SECRET_KEY: z.string({ error: "is required" }).regex(/^(sk|rk)_(test|live)_\w+/, "must be a Stripe secret key (sk_test_… or sk_live_…)"),
  STRIPE_WEBHOOK_SECRET: z.string({ error: "is required" }).regex(/^whsec_\w+/, "must be a webhook signing secret (whsec_…)"),
  STRIPE_API_BASE: z
    .url({ error: "must be a URL such as http://127.0.0.1:12111" })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_\w+/, "must be a publishable key (pk_test_… or pk_live_…)")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PLATFORM_FEE_BPS_CUSTOMER: intFrom(0, 10_000).default(1000),
  PLATFORM_FEE_BPS_GUEST: intFrom(0, 10_000).default(1200),
  /**
   * How long after the service ends the provider's share becomes payable. Calendar days in the
   * provider's zone (workers/payments/escrow.ts payableAtFor), as ESCROW_DAYS counted them: "P7D" is
   * the same wall-clock time a week later, 167 or 169 hours across a DST change, never 7 x 24 h.
   */
  ESCROW_PERIOD: durationSetting({ kind: "days", min: "P0D", max: "P365D", example: "P7D", fallback: "P7D" }),
  /** The server's slot hold lifetime; exact time (added to instants), a client may only shorten it. */
  HOLD_TTL: durationSetting({ kind: "exact", min: "PT30S", max: "PT1H", example: "PT10M", fallback: "PT10M" }),
  /** Live holds per provider for one browser (holder token), and for one network address. */
  MAX_HOLDS_PER_HOLDER: intFrom(1, 50).default(3),
  MAX_HOLDS_PER_CLIENT: intFrom(1, 50).default(3),
  /** Live holds across all providers for one network address. */
  MAX_HOLDS_OVERALL: intFrom(1, 200).default(10),
  /** Exact time from entering pending (or awaiting_approval) until the booking expires unanswered. */
  PENDING_PAYMENT_TTL: durationSetting({ kind: "exact", min: "PT1M", max: "PT24H", example: "PT30M", fallback: "PT30M" }),
  APPROVAL_TTL: durationSetting({ kind: "exact", min: "PT1H", max: "PT336H", example: "PT24H", fallback: "PT24H" }),
  PAYOUT_MAX_ATTEMPTS: intFrom(1, 20).default(5),
  /** Absolute base for links in emails and calendar files (cron has no request to derive it from). */
  PUBLIC_BASE_URL: z.url({ error: "must be an absolute URL such as https://booking.example.com" }).default("http://127.0.0.1:8787"),
  EMAIL_FROM: z.string().regex(/^[^<>]*<?[^@\s]+@[^@\s]+>?$/, "must be an email address, optionally with a name").default("Edge Booking <bookings@example.com>"),
  /**
   * Outgoing mail: an HTTP email API that accepts {from,to,subject,text,html,attachments} JSON with a
   * Bearer key (Resend's shape). Unset = the dev mailbox: mail stays in the outbox, shown at /dev/mailbox.
   */
  EMAIL_API_URL: z
    .url({ error: "must be a URL such as https://api.resend.com/emails" })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  EMAIL_API_KEY: z.string().optional(),
});

export type AppConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join("; ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Settings that were integers with a unit suffix until the time limits became ISO-8601 durations. One
 * left in an environment would otherwise be dropped without a word (zod strips unknown keys) and its
 * value silently replaced by the default, so loadConfig refuses it and names the new setting.
 */
const RENAMED: Record<string, { to: string; unit: "days" | "seconds" | "minutes" | "hours" }> = {
  ESCROW_DAYS: { to: "ESCROW_PERIOD", unit: "days" },
  HOLD_TTL_SECONDS: { to: "HOLD_TTL", unit: "seconds" },
  PENDING_PAYMENT_TTL_MINUTES: { to: "PENDING_PAYMENT_TTL", unit: "minutes" },
  APPROVAL_TTL_HOURS: { to: "APPROVAL_TTL", unit: "hours" },
};

function renamedIssues(env: Record<string, unknown>): string[] {
  const issues: string[] = [];
  for (const [name, { to, unit }] of Object.entries(RENAMED)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const text = String(value).trim();
    const example = /^\d{1,6}$/.test(text)
      ? Temporal.Duration.from({ [unit]: Number(text) }).round({ largestUnit: unit === "days" ? "days" : "hours" }).toString()
      : null;
    issues.push(`${name} is no longer read: set ${to} instead, an ISO-8601 duration${example ? ` (${to}="${example}" for ${name}="${text}")` : ""}`);
  }
  return issues;
}

const cache = new WeakMap<object, AppConfig>();

/** Parses (once per env object) and returns the typed configuration, or throws ConfigError naming each bad variable. */
export function loadConfig(env: Env | Record<string, unknown>): AppConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(env);
  const renamed = renamedIssues(env as Record<string, unknown>);
  if (!parsed.success || renamed.length > 0) {
    throw new ConfigError([...(parsed.error?.issues ?? []).map((issue) => `${issue.path.join(".")} ${issue.message}`), ...renamed]);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
