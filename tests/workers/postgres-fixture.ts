/// <reference types="@cloudflare/vitest-plugin/types" />
// A provider in Postgres for the workerd tests that need one: owner, customer, a service (60 min,
// 10 min buffers, 30-min grid, no notice), every day 08:00-18:00 UTC, and one confirmed booking
// 10:00-11:00 (occupied 09:50-11:10) three days from now that no Durable Object was told about.
import { Temporal } from "@js-temporal/polyfill";
import { withDatabase } from "../../db/client";
import { availabilityRules, bookings, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { loadConfig } from "../../workers/env";
import { testEnv } from "./provider-schedule.helpers";

export interface Fixture {
  providerId: string;
  /** The provider page's address: /providers/:slug. */
  slug: string;
  ownerUserId: string;
  serviceId: string;
  /** A confirmed booking 10:00-11:00 UTC (occupied 09:50-11:10) the mirror was never told about. */
  booking: { from: string; until: string; code: string };
  day: Temporal.PlainDate;
}

export const iso = (day: Temporal.PlainDate, hhmm: string) => Temporal.Instant.from(`${day.toString()}T${hhmm}:00Z`).toString();

/** The fixture's service timing (60 min, 10 min buffers, 30-min grid, no notice, 30 days ahead); `overrides` for variants. */
export function fixtureService(providerId: string, overrides: Partial<typeof services.$inferInsert> = {}): typeof services.$inferInsert {
  return {
    providerId,
    name: "Massage",
    category: "wellness",
    durationMinutes: 60,
    priceAmount: 1000,
    bufferBeforeMinutes: 10,
    bufferAfterMinutes: 10,
    slotIntervalMinutes: 30,
    minNoticeMinutes: 0,
    bookingWindowDays: 30,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    ...overrides,
  };
}

/**
 * A confirmed one-hour booking of the fixture's service (10 min buffers) starting at `hhmm` UTC on `day`;
 * `overrides` replaces any column.
 */
export function fixtureBooking(
  owner: { providerId: string; serviceId: string; customerId: string },
  day: Temporal.PlainDate,
  hhmm: string,
  overrides: Partial<typeof bookings.$inferInsert> = {},
): typeof bookings.$inferInsert {
  const start = Temporal.Instant.from(iso(day, hhmm));
  const at = (instant: Temporal.Instant) => new Date(instant.epochMilliseconds);
  const suffix = crypto.randomUUID().slice(0, 8);
  return {
    confirmationCode: `FX${suffix.toUpperCase()}`,
    idempotencyKey: `idem-${suffix}`,
    requestHash: "x",
    ...owner,
    status: "confirmed",
    startsAt: at(start),
    endsAt: at(start.add({ minutes: 60 })),
    timeZone: "UTC",
    providerTimeZone: "UTC",
    occupiedFrom: at(start.subtract({ minutes: 10 })),
    occupiedUntil: at(start.add({ minutes: 70 })),
    customerName: "Fixture Customer",
    customerEmail: `fx-${suffix}@example.com`,
    currency: "usd",
    totalAmount: 1000,
    platformFeeAmount: 100,
    providerAmount: 900,
    platformFeeBps: 1000,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    ...overrides,
  };
}

export async function seed(): Promise<Fixture> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const day = Temporal.Now.plainDateISO("UTC").add({ days: 3 });
  return withDatabase(loadConfig(testEnv), async (db) => {
    const [owner] = await db.insert(users).values({ email: `owner-${suffix}@example.com`, name: "Owner", role: "provider" }).returning();
    const [customer] = await db.insert(users).values({ email: `cust-${suffix}@example.com`, name: "Zelda Privatename", role: "customer" }).returning();
    const [provider] = await db
      .insert(providers)
      .values({ userId: owner!.id, slug: `live-${suffix}`, displayName: "Live Test", timeZone: "UTC" })
      .returning();
    const [service] = await db.insert(services).values(fixtureService(provider!.id)).returning();
    await db.insert(availabilityRules).values(
      [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId: provider!.id, weekday, startTime: "08:00", endTime: "18:00" })),
    );
    const code = `PG${suffix.toUpperCase()}`;
    await db.insert(bookings).values(
      fixtureBooking({ providerId: provider!.id, serviceId: service!.id, customerId: customer!.id }, day, "10:00", {
        confirmationCode: code,
        customerName: "Zelda Privatename",
        customerEmail: `cust-${suffix}@example.com`,
      }),
    );
    return {
      providerId: provider!.id,
      slug: provider!.slug,
      ownerUserId: owner!.id,
      serviceId: service!.id,
      booking: { from: iso(day, "09:50"), until: iso(day, "11:10"), code },
      day,
    };
  });
}
