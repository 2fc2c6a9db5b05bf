// Fixture values without Node-only imports, so the workerd tests use them as well as the Postgres ones
// (tests/support/db.ts re-exports them): unique names and a bookings row for tests that insert bookings
// directly, bypassing the booking service.
import type { Temporal } from "@js-temporal/polyfill";
import type { bookings } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { type AppConfig, loadConfig } from "../../workers/env";

let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

export type NewBookingRow = typeof bookings.$inferInsert;

/** What a row needs of its provider: the service it books and the provider's zone. */
export interface BookingRowFixture {
  providerId: string;
  serviceId: string;
  timeZone: string;
}

/**
 * A confirmed booking of `fixture`'s service over [start, start + minutes), booked from UTC, blocking the
 * provider until 15 minutes after its end (the test service's buffer after), 100.00 USD of which 10 %
 * is the platform fee. `overrides` replaces any column; name the customer (customerId or
 * guestSessionId) there, as the bookings_has_customer check requires one.
 */
export function bookingRowFor(
  fixture: BookingRowFixture,
  start: Temporal.Instant,
  minutes: number,
  overrides: Partial<NewBookingRow> = {},
): NewBookingRow {
  const end = start.add({ minutes });
  return {
    confirmationCode: unique("CODE"),
    idempotencyKey: unique("idem"),
    requestHash: "h",
    providerId: fixture.providerId,
    serviceId: fixture.serviceId,
    status: "confirmed",
    startsAt: new Date(start.epochMilliseconds),
    endsAt: new Date(end.epochMilliseconds),
    timeZone: "UTC",
    providerTimeZone: fixture.timeZone,
    occupiedFrom: new Date(start.epochMilliseconds),
    occupiedUntil: new Date(end.add({ minutes: 15 }).epochMilliseconds),
    customerName: "C",
    customerEmail: "c@example.test",
    currency: "usd",
    totalAmount: 10_000,
    platformFeeAmount: 1_000,
    providerAmount: 9_000,
    platformFeeBps: 1000,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    ...overrides,
  };
}

/** An app config for services under test that build links and mail (no real Postgres or Stripe behind it). */
export function mailTestConfig(): AppConfig {
  return loadConfig({
    DATABASE_URL: "postgres://x@localhost/x",
    SESSION_SECRET: "s".repeat(32),
    STRIPE_SECRET_KEY: "sk_test_x",
    STRIPE_WEBHOOK_SECRET: "whsec_x",
    PUBLIC_BASE_URL: "https://booking.example.test",
  });
}
