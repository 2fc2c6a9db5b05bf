// Housekeeping expiry (frees the slot, safe when two runs overlap) and claiming guest bookings.
// Every run is scoped to this file's providers (providerId option): the database is shared with
// other suites whose pending bookings must not be expired under them.
import { Temporal } from "@js-temporal/polyfill";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBookingById, listEvents, listTransitions } from "../../db/queries/bookings";
import { bookings, bookingStateTransitions, guestBookingSessions, users } from "../../db/schema";
import { replay, type Actor } from "../../domain/booking-states";
import { claimGuestBookings } from "../../workers/services/claim-guest-bookings";
import { createBooking, type CreateBookingResult } from "../../workers/services/create-booking";
import { expireStaleBookings } from "../../workers/services/expire-bookings";
import { getBookingByCode } from "../../workers/services/get-booking";
import type { BookingChange, SchedulePort } from "../../workers/services/ports";
import { transitionBooking } from "../../workers/services/transition-booking";
import { createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";

const handle = openTestDatabase(16);
const db = handle.db;
let fixture: ProviderFixture;
const SYSTEM: Actor = { type: "system", id: null };
let day = 40;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
});
afterAll(() => handle.close());

async function book(start: Temporal.Instant, f: ProviderFixture = fixture, email = `${unique("guest")}@example.test`): Promise<CreateBookingResult> {
  return createBooking(db, {
    body: {
      serviceId: f.serviceId,
      providerId: f.providerId,
      start: start.toString(),
      timeZone: "UTC",
      customer: { name: "Gus Guest", email },
      idempotencyKey: unique("idem"),
    },
  });
}

/** Moves a booking's deadline into the past, as if its TTL had run out. */
async function overdue(bookingId: string) {
  await db.update(bookings).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(bookings.id, bookingId));
}

describe("expireStaleBookings", () => {
  it("expires overdue pending, payment_failed and awaiting_approval bookings (system actor), leaves the rest, frees the slot", async () => {
    const pending = await book(localInstant(fixture.timeZone, day, "09:00"));
    const failed = await book(localInstant(fixture.timeZone, day, "11:00"));
    const awaiting = await book(localInstant(fixture.timeZone, day, "13:00"));
    const notDue = await book(localInstant(fixture.timeZone, day, "15:00"));
    const confirmed = await book(localInstant(fixture.timeZone, day + 1, "09:00"));
    day += 2;
    await transitionBooking(db, { bookingId: failed.booking.id, to: "payment_failed", actor: SYSTEM, reason: "declined" });
    await transitionBooking(db, { bookingId: awaiting.booking.id, to: "awaiting_approval", actor: SYSTEM, reason: "authorised" });
    await transitionBooking(db, { bookingId: confirmed.booking.id, to: "confirmed", actor: SYSTEM, reason: "paid" });
    for (const b of [pending, failed, awaiting]) await overdue(b.booking.id);
    await db.update(bookings).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(bookings.id, confirmed.booking.id)); // ignored: confirmed

    const changes: BookingChange[] = [];
    const port: SchedulePort = { liveHolds: async () => [], claimForBooking: async () => ({ ok: true }), bookingChanged: async (_p, c) => void changes.push(c) };
    const result = await expireStaleBookings(db, new Date(), { providerId: fixture.providerId, port });
    expect(result.expired.map((e) => [e.id, e.from]).sort()).toEqual(
      [
        [pending.booking.id, "pending"],
        [failed.booking.id, "payment_failed"],
        [awaiting.booking.id, "awaiting_approval"],
      ].sort(),
    );
    for (const b of [pending, failed, awaiting]) {
      const row = (await findBookingById(db, b.booking.id))!;
      expect(row.status).toBe("expired");
      expect(row.expiresAt).toBeNull();
      const last = (await listTransitions(db, b.booking.id)).at(-1)!;
      expect([last.toStatus, last.actorType, last.actorId]).toEqual(["expired", "system", null]);
      expect((await listEvents(db, b.booking.id)).at(-1)!.type).toBe("expired");
    }
    expect((await findBookingById(db, notDue.booking.id))!.status).toBe("pending");
    expect((await findBookingById(db, confirmed.booking.id))!.status).toBe("confirmed");
    // pending / awaiting_approval held time and released it; payment_failed had released it already.
    expect(changes.map((c) => [c.bookingId, c.kind]).sort()).toEqual(
      [
        [pending.booking.id, "released"],
        [failed.booking.id, "updated"],
        [awaiting.booking.id, "released"],
      ].sort(),
    );
    // A new booking can take the expired one's slot.
    expect((await book(localInstant(fixture.timeZone, day - 2, "09:00"))).status).toBe(201);
    // And a second run finds nothing more to do.
    expect((await expireStaleBookings(db, new Date(), { providerId: fixture.providerId })).expired).toEqual([]);
  });

  it("two concurrent runs expire every stale booking exactly once (SKIP LOCKED), in small batches", async () => {
    const f = await createProviderFixture(db);
    const created: string[] = [];
    for (let i = 0; i < 24; i++) {
      // 60 min + 15 buffer: five non-overlapping starts a day.
      const start = localInstant(f.timeZone, 60 + Math.floor(i / 5), ["09:00", "10:30", "12:00", "13:30", "15:00"][i % 5]!);
      created.push((await book(start, f)).booking.id);
    }
    await db.update(bookings).set({ expiresAt: new Date(Date.now() - 60_000) }).where(inArray(bookings.id, created));
    const [a, b] = await Promise.all([
      expireStaleBookings(db, new Date(), { providerId: f.providerId, batchSize: 5 }),
      expireStaleBookings(db, new Date(), { providerId: f.providerId, batchSize: 5 }),
    ]);
    const ids = [...a.expired, ...b.expired].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...created].sort());
    const transitions = await db
      .select({ bookingId: bookingStateTransitions.bookingId })
      .from(bookingStateTransitions)
      .where(inArray(bookingStateTransitions.bookingId, created));
    expect(transitions.length).toBe(created.length * 2); // creation + one expiry each
    for (const id of created.slice(0, 3)) {
      const trail = (await listTransitions(db, id)).map((t) => ({
        from: t.fromStatus,
        to: t.toStatus,
        actor: { type: t.actorType, id: t.actorId },
        reason: t.reason,
        at: t.createdAt.toISOString(),
      }));
      expect(replay(trail)).toBe("expired");
    }
  });
});

describe("claimGuestBookings", () => {
  it("attaches the email's guest bookings to the account (case-insensitive), once, keeping the manage token valid", async () => {
    const email = `${unique("Claimer")}@Example.test`;
    const first = await book(localInstant(fixture.timeZone, day++, "10:00"), fixture, email);
    const second = await book(localInstant(fixture.timeZone, day++, "10:00"), fixture, email.toLowerCase());
    const someoneElse = await book(localInstant(fixture.timeZone, day++, "10:00"));
    const [user] = await db.insert(users).values({ email: email.toLowerCase(), name: "Claimer", role: "customer" }).returning();

    const result = await claimGuestBookings(db, { userId: user!.id, email: email.toUpperCase() });
    expect(result.sessions).toBe(2);
    expect(result.bookingIds.sort()).toEqual([first.booking.id, second.booking.id].sort());
    for (const b of [first, second]) {
      const row = (await findBookingById(db, b.booking.id))!;
      expect(row.customerId).toBe(user!.id);
      const [session] = await db.select().from(guestBookingSessions).where(eq(guestBookingSessions.id, row.guestSessionId!));
      expect(session!.claimedByUserId).toBe(user!.id);
      expect((await listEvents(db, b.booking.id)).at(-1)).toMatchObject({ type: "claimed", data: { userId: user!.id } });
      // Now the account can see it, and the old link still works.
      expect((await getBookingByCode(db, b.booking.code, { session: { userId: user!.id, role: "customer" } })).viewer.type).toBe("customer");
      expect((await getBookingByCode(db, b.booking.code, { manageToken: b.manageToken })).viewer.type).toBe("guest");
    }
    expect((await findBookingById(db, someoneElse.booking.id))!.customerId).toBeNull();
    expect(await claimGuestBookings(db, { userId: user!.id, email })).toEqual({ sessions: 0, bookingIds: [] });
  });
});
