// The per-provider change sequence (migration 0008) against the real Postgres: every insert and every
// change of a booking's status or time takes the provider's next number in its own statement; other
// edits keep the number; a rolled-back write gives its number back; numbers stay gap-free under
// concurrent writers; and the services put the number in the notice they send after the commit.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordChangesDelivered, undeliveredChangeHeads } from "../../db/queries/schedule-changes";
import { bookings, providerChangeHeads } from "../../db/schema";
import { cancelBooking } from "../../workers/services/cancel-booking";
import { createBooking } from "../../workers/services/create-booking";
import { rescheduleBooking } from "../../workers/services/reschedule-booking";
import { bookingRowFor, createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { recordingPort } from "../support/recording-port";

const handle = openTestDatabase(8);
const db = handle.db;
let f: ProviderFixture;
let other: ProviderFixture;

beforeAll(async () => {
  f = await createProviderFixture(db, { timeZone: "UTC", service: { priceAmount: 0 } });
  other = await createProviderFixture(db, { timeZone: "UTC" });
});
afterAll(() => handle.close());

const head = async (providerId: string) =>
  (await db.select({ seq: providerChangeHeads.seq }).from(providerChangeHeads).where(eq(providerChangeHeads.providerId, providerId)))[0]?.seq ?? 0;
const insertAt = async (fixture: ProviderFixture, days: number, time: string) =>
  (await db.insert(bookings).values(bookingRowFor(fixture, localInstant("UTC", days, time), 60, { guestSessionId: null, customerId: fixture.userId })).returning())[0]!;

describe("bookings.change_seq", () => {
  it("numbers inserts and status or time changes per provider, and keeps the number on other edits", async () => {
    const start = await head(f.providerId);
    const a = await insertAt(f, 40, "09:00");
    const b = await insertAt(f, 40, "11:00");
    expect([a.changeSeq, b.changeSeq]).toEqual([start + 1, start + 2]);
    const theirs = await insertAt(other, 40, "09:00"); // another provider counts on its own
    expect(theirs.changeSeq).toBe((await head(other.providerId)));

    const [noted] = await db.update(bookings).set({ notes: "window seat", changeSeq: 999 }).where(eq(bookings.id, a.id)).returning();
    expect(noted!.changeSeq).toBe(a.changeSeq); // not a schedule change, and not settable by hand
    const [cancelled] = await db.update(bookings).set({ status: "cancelled" }).where(eq(bookings.id, a.id)).returning();
    expect(cancelled!.changeSeq).toBe(start + 3);
    const [moved] = await db
      .update(bookings)
      .set({
        startsAt: sql`${bookings.startsAt} + interval '1 hour'`,
        endsAt: sql`${bookings.endsAt} + interval '1 hour'`,
        occupiedFrom: sql`${bookings.occupiedFrom} + interval '1 hour'`,
        occupiedUntil: sql`${bookings.occupiedUntil} + interval '1 hour'`,
      })
      .where(eq(bookings.id, b.id))
      .returning();
    expect(moved!.changeSeq).toBe(start + 4);
    expect(await head(f.providerId)).toBe(start + 4);
  });

  it("gives a rolled-back write's number back, so committed numbers have no gaps", async () => {
    const start = await head(f.providerId);
    const first = await insertAt(f, 41, "09:00");
    // Overlaps `first`: the exclusion constraint refuses it, and its number with it.
    await expect(insertAt(f, 41, "09:30")).rejects.toThrow();
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(bookings).values(bookingRowFor(f, localInstant("UTC", 41, "13:00"), 60, { customerId: f.userId }));
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const next = await insertAt(f, 41, "15:00");
    expect([first.changeSeq, next.changeSeq]).toEqual([start + 1, start + 2]);
  });

  it("stays gap-free and unique with eight writers at once", async () => {
    const start = await head(f.providerId);
    const rows = await Promise.all(Array.from({ length: 16 }, (_, i) => insertAt(f, 50 + i, "10:00")));
    const numbers = rows.map((r) => r.changeSeq).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => start + 1 + i));
  });

  it("is in every notice the services send after their commit", async () => {
    const { port, changes } = recordingPort();
    const created = await createBooking(
      db,
      {
        body: {
          serviceId: f.serviceId,
          providerId: f.providerId,
          start: localInstant("UTC", 80, "10:00").toString(),
          timeZone: "UTC",
          customer: { name: "Gus Guest", email: `${unique("guest")}@example.test` },
          idempotencyKey: unique("idem"),
        },
      },
      { port },
    );
    const afterCreate = await head(f.providerId);
    // A free booking is written settled in one statement: one number, on both of its notices.
    expect(changes.map((c) => c.seq)).toEqual([afterCreate, afterCreate]);
    const access = { manageToken: created.manageToken };
    await rescheduleBooking(db, { code: created.booking.code, access, start: localInstant("UTC", 80, "13:00").toString() }, { port });
    await cancelBooking(db, { code: created.booking.code, access }, { port });
    expect(changes.slice(2).map((c) => [c.kind, c.seq])).toEqual([
      ["rescheduled", afterCreate + 1],
      ["released", afterCreate + 2],
    ]);
  });

  it("lists providers whose object has not confirmed their head, until it is recorded", async () => {
    const seq = await head(other.providerId);
    expect(await undeliveredChangeHeads(db, 10_000)).toContainEqual({ providerId: other.providerId, head: seq });
    await recordChangesDelivered(db, other.providerId, seq);
    await recordChangesDelivered(db, other.providerId, seq - 1); // never moves back
    expect((await undeliveredChangeHeads(db, 10_000)).map((h) => h.providerId)).not.toContain(other.providerId);
  });
});
