// Node-side access to the test Postgres started by `npm test` (scripts/test.ts), through the same
// Neon driver and proxy the Worker uses, plus small factories that create isolated fixtures (and the
// Node-free ones of ./fixtures, re-exported).
import { Temporal } from "@js-temporal/polyfill";
import ws from "ws";
import { configureNeon, openRequestDatabase, type Database, type DatabaseHandle } from "../../db/client";
import { availabilityRules, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { unique } from "./fixtures";

export function testDatabaseUrl(): { DATABASE_URL: string; NEON_WS_PROXY: string } {
  const DATABASE_URL = process.env.DATABASE_URL;
  const NEON_WS_PROXY = process.env.NEON_WS_PROXY;
  if (!DATABASE_URL || !NEON_WS_PROXY) {
    throw new Error("DATABASE_URL / NEON_WS_PROXY are not set: run these tests through `npm test`, which starts Postgres.");
  }
  return { DATABASE_URL, NEON_WS_PROXY };
}

/** A database handle for one test file; call close() in afterAll. */
export function openTestDatabase(maxConnections = 8): DatabaseHandle {
  const config = testDatabaseUrl();
  configureNeon({ wsProxy: config.NEON_WS_PROXY, webSocketConstructor: ws });
  return openRequestDatabase(config, { maxConnections });
}

export { bookingRowFor, unique, type BookingRowFixture, type NewBookingRow } from "./fixtures";

export interface ProviderFixture {
  userId: string;
  providerId: string;
  serviceId: string;
  timeZone: string;
}

/** A provider with one service and Monday–Sunday 09:00–17:00 hours in `timeZone`. */
export async function createProviderFixture(
  db: Database,
  options: {
    timeZone?: string;
    service?: Partial<typeof services.$inferInsert>;
  } = {},
): Promise<ProviderFixture> {
  const timeZone = options.timeZone ?? "America/New_York";
  const slug = unique("provider");
  const [user] = await db.insert(users).values({ email: `${slug}@example.test`, name: slug, role: "provider" }).returning();
  const [provider] = await db
    .insert(providers)
    .values({ userId: user!.id, slug, displayName: `Provider ${slug}`, timeZone })
    .returning();
  const [service] = await db
    .insert(services)
    .values({
      providerId: provider!.id,
      name: `Service ${slug}`,
      category: "Testing",
      durationMinutes: 60,
      priceAmount: 10_000,
      currency: "usd",
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 15,
      slotIntervalMinutes: 30,
      minNoticeMinutes: 0,
      bookingWindowDays: 365,
      cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
      ...options.service,
    })
    .returning();
  await db.insert(availabilityRules).values(
    [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId: provider!.id, weekday, startTime: "09:00", endTime: "17:00" })),
  );
  return { userId: user!.id, providerId: provider!.id, serviceId: service!.id, timeZone };
}

/** A provider-local wall time on a date some days ahead, as an instant. */
export function localInstant(timeZone: string, daysAhead: number, time: string): Temporal.Instant {
  return Temporal.Now.zonedDateTimeISO(timeZone)
    .toPlainDate()
    .add({ days: daysAhead })
    .toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) })
    .toInstant();
}
