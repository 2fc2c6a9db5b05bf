// Dependencies every booking service takes besides the database: the schedule port, the payment
// hooks, the clock and the settings derived from AppConfig. Defaults make Node-side callers short.
import { Temporal } from "@js-temporal/polyfill";
import { type Keyring, keyringOf } from "../auth/keyring";
import type { AppConfig } from "../env";
import { noopSchedulePort, type BookingChange, type BookingHooks, type SchedulePort } from "./ports";

export interface BookingSettings {
  feeBps: { guest: number; customer: number };
  /** Exact durations (hours, minutes, seconds), added to instants: see domain/durations.ts. */
  pendingPaymentTtl: Temporal.Duration;
  approvalTtl: Temporal.Duration;
  /** Derives guests' manage tokens (auth/keyring.ts); without it tokens are random (tests, scripts). */
  manageTokenKeys?: Keyring;
}

export const DEFAULT_BOOKING_SETTINGS: BookingSettings = Object.freeze({
  feeBps: Object.freeze({ guest: 1200, customer: 1000 }),
  pendingPaymentTtl: Temporal.Duration.from({ minutes: 30 }),
  approvalTtl: Temporal.Duration.from({ hours: 24 }),
});

export function settingsFromConfig(config: AppConfig): BookingSettings {
  return {
    feeBps: { guest: config.PLATFORM_FEE_BPS_GUEST, customer: config.PLATFORM_FEE_BPS_CUSTOMER },
    pendingPaymentTtl: config.PENDING_PAYMENT_TTL,
    approvalTtl: config.APPROVAL_TTL,
    manageTokenKeys: keyringOf(config),
  };
}

export interface ServiceDeps {
  port?: SchedulePort;
  hooks?: BookingHooks;
  settings?: BookingSettings;
  /** Injected in tests; defaults to the system clock. */
  now?: () => Temporal.Instant;
}

export interface ResolvedDeps {
  port: SchedulePort;
  hooks: BookingHooks;
  settings: BookingSettings;
  now: () => Temporal.Instant;
}

export function resolveDeps(deps: ServiceDeps = {}): ResolvedDeps {
  return {
    port: deps.port ?? noopSchedulePort,
    hooks: deps.hooks ?? {},
    settings: deps.settings ?? DEFAULT_BOOKING_SETTINGS,
    now: deps.now ?? (() => Temporal.Now.instant()),
  };
}

export function toDate(instant: Temporal.Instant): Date {
  return new Date(instant.epochMilliseconds);
}

export function toInstant(date: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime());
}

export function logEvent(eventName: string, fields: Record<string, unknown>, level: "warn" | "error" = "warn"): void {
  const line = JSON.stringify({ eventName, ...fields });
  if (level === "error") console.error(line);
  else console.warn(line);
}

/**
 * Tells the provider's schedule about a committed change. The database already holds the truth, so a
 * failed notification is logged, never thrown: the request that made the change has succeeded.
 */
export async function notifySchedule(port: SchedulePort, providerId: string, changes: BookingChange[]): Promise<void> {
  for (const change of changes) {
    try {
      await port.bookingChanged(providerId, change);
    } catch (error) {
      logEvent("schedule.notify_failed", {
        providerId,
        bookingId: change.bookingId,
        kind: change.kind,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
