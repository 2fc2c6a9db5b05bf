// The database alone must make double booking impossible: concurrent overlapping inserts end with
// exactly one committed row and every other transaction failing with SQLSTATE 23P01.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookings, users } from "../../db/schema";
import { retryOnDeadlock } from "../../workers/services/pg-errors";
import { bookingRowFor, createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";

// One connection per attempt, so all 24 transactions really are in flight at once.
const handle = openTestDatabase(30);
const db = handle.db;
let fixture: ProviderFixture;
let customerId: string;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
  const [customer] = await db.insert(users).values({ email: `${unique("c")}@example.test`, name: "C", role: "customer" }).returning();
  customerId = customer!.id;
});
afterAll(() => handle.close());

function bookingRow(start: Temporal.Instant, minutes: number, overrides: Partial<typeof bookings.$inferInsert> = {}) {
  return bookingRowFor(fixture, start, minutes, { customerId, timeZone: "Europe/Paris", ...overrides });
}

function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  while (current && typeof current === "object") {
    if ("code" in current && typeof current.code === "string" && /^[0-9A-Z]{5}$/.test(current.code)) return current.code;
    current = "cause" in current ? current.cause : undefined;
  }
  return undefined;
}

describe("bookings_no_overlap exclusion constraint", () => {
  it("lets exactly one of 24 concurrent overlapping inserts commit; the rest fail with 23P01", async () => {
    const base = localInstant(fixture.timeZone, 10, "10:00");
    // Each attempt overlaps every other one: starts staggered by 5 minutes inside a 60-minute booking.
    // Racing inserts on an exclusion constraint can wait on each other's uncommitted rows; Postgres
    // then aborts one as a deadlock victim (40P01). Like the booking service, a victim runs again and
    // then meets the winner's committed row: the outcome is still exactly one commit and 23P01 for all others.
    let deadlockRetries = 0;
    const attempts = Array.from({ length: 24 }, (_, i) =>
      retryOnDeadlock(() =>
        db
          .transaction(async (tx) => {
            await tx.insert(bookings).values(bookingRow(base.add({ minutes: (i % 6) * 5 }), 60));
          })
          .catch((error: unknown) => {
            if (sqlState(error) === "40P01") deadlockRetries++;
            throw error;
          }),
      ),
    );
    const results = await Promise.allSettled(attempts);
    const committed = results.filter((r) => r.status === "fulfilled");
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(committed).toHaveLength(1);
    expect(failures.map((f) => sqlState(f.reason))).toEqual(Array(23).fill("23P01"));
    const rows = await db.select().from(bookings).where(eq(bookings.providerId, fixture.providerId));
    expect(rows).toHaveLength(1);
    if (deadlockRetries > 0) console.info(`exclusion race: ${deadlockRetries} deadlock victim(s) retried`);
  });

  it("treats buffers as occupied time but lets back-to-back intervals touch", async () => {
    const start = localInstant(fixture.timeZone, 20, "09:00");
    await db.insert(bookings).values(bookingRow(start, 60)); // occupies 09:00–10:15 (15 min buffer after)
    // 10:00 starts inside the buffer → refused.
    await expect(db.insert(bookings).values(bookingRow(start.add({ minutes: 60 }), 30))).rejects.toSatisfy(
      (error) => sqlState(error) === "23P01",
    );
    // 10:15 touches the end of the occupied range → allowed ([) ranges).
    await db.insert(bookings).values(bookingRow(start.add({ minutes: 75 }), 30));
  });

  it("ignores bookings whose state no longer occupies time, and other providers", async () => {
    const start = localInstant(fixture.timeZone, 30, "11:00");
    const [cancelled] = await db.insert(bookings).values(bookingRow(start, 60)).returning();
    await db.update(bookings).set({ status: "cancelled" }).where(eq(bookings.id, cancelled!.id));
    await db.insert(bookings).values(bookingRow(start, 60));

    const other = await createProviderFixture(db);
    await db.insert(bookings).values(bookingRow(start, 60, { providerId: other.providerId, serviceId: other.serviceId }));
    const overlapping = await db
      .select()
      .from(bookings)
      .where(and(eq(bookings.startsAt, new Date(start.epochMilliseconds)), inArray(bookings.providerId, [fixture.providerId, other.providerId])));
    expect(overlapping).toHaveLength(3);
  });

  it("refuses to move a cancelled booking back into an occupying state over a live one", async () => {
    const start = localInstant(fixture.timeZone, 40, "12:00");
    const [first] = await db.insert(bookings).values(bookingRow(start, 60, { status: "cancelled" })).returning();
    await db.insert(bookings).values(bookingRow(start, 60));
    await expect(db.update(bookings).set({ status: "confirmed" }).where(eq(bookings.id, first!.id))).rejects.toSatisfy(
      (error) => sqlState(error) === "23P01",
    );
  });

  it("rejects rows whose amounts do not add up or whose interval is inverted", async () => {
    const start = localInstant(fixture.timeZone, 50, "13:00");
    await expect(db.insert(bookings).values(bookingRow(start, 60, { platformFeeAmount: 999 }))).rejects.toSatisfy(
      (error) => sqlState(error) === "23514",
    );
    await expect(
      db.insert(bookings).values(bookingRow(start, 60, { endsAt: new Date(start.subtract({ minutes: 1 }).epochMilliseconds) })),
    ).rejects.toSatisfy((error) => sqlState(error) === "23514");
  });
});
