// State changes through transitionBooking against real Postgres: every change writes its transition
// and event in the same transaction, illegal or unauthorised moves change nothing, the stored trail
// replays (domain replay) to the current status, and concurrent writers are serialised.
import { Temporal } from "@js-temporal/polyfill";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBookingById, listEvents, listTransitions } from "../../db/queries/bookings";
import { bookings, users } from "../../db/schema";
import { replay, type Actor, type BookingStatus, type TransitionRecord } from "../../domain/booking-states";
import { DomainError } from "../../domain/errors";
import { DEFAULT_BOOKING_SETTINGS } from "../../workers/services/context";
import { createBooking } from "../../workers/services/create-booking";
import type { BookingChange, SchedulePort } from "../../workers/services/ports";
import { transitionBooking } from "../../workers/services/transition-booking";
import { createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { expectDomainError } from "../support/domain-errors";

const handle = openTestDatabase(12);
const db = handle.db;
let fixture: ProviderFixture;
let customerId: string;
const SYSTEM: Actor = { type: "system", id: null };
let day = 20;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
  const [customer] = await db.insert(users).values({ email: `${unique("cust")}@example.test`, name: "Casey", role: "customer" }).returning();
  customerId = customer!.id;
});
afterAll(() => handle.close());

/** A fresh pending customer booking on its own day. */
async function newBooking(time = "10:00") {
  const start = localInstant(fixture.timeZone, day++, time);
  const result = await createBooking(
    db,
    {
      body: { serviceId: fixture.serviceId, providerId: fixture.providerId, start: start.toString(), timeZone: "UTC", idempotencyKey: unique("idem") },
      customerUserId: customerId,
    },
  );
  return { id: result.booking.id, start };
}

async function trailOf(bookingId: string): Promise<TransitionRecord[]> {
  return (await listTransitions(db, bookingId)).map((t) => ({
    from: t.fromStatus,
    to: t.toStatus,
    actor: { type: t.actorType, id: t.actorId },
    reason: t.reason,
    at: t.createdAt.toISOString(),
  }));
}

describe("transitionBooking", () => {
  it("applies legal moves with one transition + one event each; the trail replays to the current status", async () => {
    const { id } = await newBooking();
    const customer: Actor = { type: "customer", id: customerId };
    const confirmed = await transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "Payment captured", metadata: { paymentIntent: "pi_1" } });
    expect(confirmed).toMatchObject({ from: "pending", to: "confirmed" });
    expect(confirmed.booking.version).toBe(2);
    expect(confirmed.booking.expiresAt).toBeNull(); // settled: no deadline any more
    await transitionBooking(db, { bookingId: id, to: "cancelled", actor: customer, reason: "Plans changed" });
    const refunded = await transitionBooking(db, { bookingId: id, to: "refunded", actor: SYSTEM, reason: "Refund settled" });
    expect(refunded.booking.status).toBe("refunded");
    expect(refunded.booking.version).toBe(4);

    const rows = await listTransitions(db, id);
    expect(rows.map((r) => [r.fromStatus, r.toStatus, r.actorType, r.actorId, r.reason])).toEqual([
      [null, "pending", "customer", customerId, "Booking created"],
      ["pending", "confirmed", "system", null, "Payment captured"],
      ["confirmed", "cancelled", "customer", customerId, "Plans changed"],
      ["cancelled", "refunded", "system", null, "Refund settled"],
    ]);
    expect(rows[1]!.metadata).toEqual({ paymentIntent: "pi_1" });
    const events = await listEvents(db, id);
    expect(events.map((e) => [e.type, (e.data as { from?: string }).from, (e.data as { to?: string }).to])).toEqual([
      ["created", undefined, undefined],
      ["status_changed", "pending", "confirmed"],
      ["status_changed", "confirmed", "cancelled"],
      ["status_changed", "cancelled", "refunded"],
    ]);
    expect(replay(await trailOf(id))).toBe((await findBookingById(db, id))!.status);
  });

  it("refuses an illegal move (ILLEGAL_TRANSITION) and a move the actor may not make (FORBIDDEN); nothing changes", async () => {
    const { id } = await newBooking();
    const before = (await findBookingById(db, id))!;
    await expectDomainError(transitionBooking(db, { bookingId: id, to: "completed", actor: SYSTEM, reason: "x" }), "ILLEGAL_TRANSITION");
    // Legal in the table, but a customer cannot confirm their own booking.
    await expectDomainError(transitionBooking(db, { bookingId: id, to: "confirmed", actor: { type: "customer", id: customerId }, reason: "x" }), "FORBIDDEN");
    // A provider must be identified.
    await expectDomainError(transitionBooking(db, { bookingId: id, to: "cancelled", actor: { type: "provider", id: null }, reason: "x" }), "FORBIDDEN");
    await expectDomainError(transitionBooking(db, { bookingId: crypto.randomUUID(), to: "cancelled", actor: SYSTEM, reason: "x" }), "NOT_FOUND");
    const after = (await findBookingById(db, id))!;
    expect(after).toEqual(before);
    expect(await listTransitions(db, id)).toHaveLength(1);
    expect(await listEvents(db, id)).toHaveLength(1);
  });

  it("refuses a stale expectedVersion (STALE_VERSION) without changing anything", async () => {
    const { id } = await newBooking();
    await transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "paid", expectedVersion: 1 });
    const error = await expectDomainError(
      transitionBooking(db, { bookingId: id, to: "cancelled", actor: { type: "customer", id: customerId }, reason: "x", expectedVersion: 1 }),
      "STALE_VERSION",
    );
    expect(error.details).toEqual({ expectedVersion: 1, currentVersion: 2 });
    expect((await findBookingById(db, id))!.status).toBe("confirmed");
  });

  it("serialises two concurrent moves from the same state: exactly one wins, the other sees the new state", async () => {
    for (let round = 0; round < 3; round++) {
      const { id } = await newBooking();
      await transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "paid" });
      const provider: Actor = { type: "provider", id: fixture.userId };
      const results = await Promise.allSettled([
        transitionBooking(db, { bookingId: id, to: "cancelled", actor: { type: "customer", id: customerId }, reason: "customer cancels" }),
        transitionBooking(db, { bookingId: id, to: "no_show", actor: provider, reason: "customer did not come" }),
      ]);
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      // Either order is possible; the loser's move is no longer legal from the winner's state.
      expect((rejected[0]!.reason as DomainError).code).toBe("ILLEGAL_TRANSITION");
      const trail = await trailOf(id);
      expect(trail).toHaveLength(3);
      expect(replay(trail)).toBe((await findBookingById(db, id))!.status);
    }
  });

  it("with the same expectedVersion, two concurrent writers: one wins, the other gets STALE_VERSION", async () => {
    const { id } = await newBooking();
    const results = await Promise.allSettled([
      transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "paid", expectedVersion: 1 }),
      transitionBooking(db, { bookingId: id, to: "payment_failed", actor: SYSTEM, reason: "declined", expectedVersion: 1 }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
    expect((rejected.reason as DomainError).code).toBe("STALE_VERSION");
    expect((await findBookingById(db, id))!.version).toBe(2);
  });

  it("sets the approval deadline on awaiting_approval and a fresh payment window on a payment retry; keeps it on payment_failed", async () => {
    const now = Temporal.Now.instant();
    const clock = { now: () => now };
    const { id } = await newBooking();
    const awaiting = await transitionBooking(db, { bookingId: id, to: "awaiting_approval", actor: SYSTEM, reason: "authorised" }, clock);
    expect(awaiting.booking.expiresAt!.getTime()).toBe(now.add(DEFAULT_BOOKING_SETTINGS.approvalTtl).epochMilliseconds);

    const other = await newBooking();
    const pendingDeadline = (await findBookingById(db, other.id))!.expiresAt!;
    const failed = await transitionBooking(db, { bookingId: other.id, to: "payment_failed", actor: SYSTEM, reason: "card declined" }, clock);
    expect(failed.booking.expiresAt).toEqual(pendingDeadline);
    const later = now.add({ minutes: 5 });
    const retried = await transitionBooking(db, { bookingId: other.id, to: "pending", actor: { type: "customer", id: customerId }, reason: "retry" }, { now: () => later });
    expect(retried.booking.expiresAt!.getTime()).toBe(later.add(DEFAULT_BOOKING_SETTINGS.pendingPaymentTtl).epochMilliseconds);
  });

  it("a payment retry into a slot someone else took meanwhile is SLOT_UNAVAILABLE (23P01) with alternatives, and stays payment_failed", async () => {
    const { id, start } = await newBooking();
    await transitionBooking(db, { bookingId: id, to: "payment_failed", actor: SYSTEM, reason: "card declined" });
    // payment_failed releases the time: another customer books it.
    const rival = await createBooking(db, {
      body: {
        serviceId: fixture.serviceId,
        providerId: fixture.providerId,
        start: start.toString(),
        timeZone: "UTC",
        customer: { name: "Rival", email: `${unique("rival")}@example.test` },
        idempotencyKey: unique("idem"),
      },
    });
    expect(rival.status).toBe(201);
    const changes: BookingChange[] = [];
    const port: SchedulePort = { liveHolds: async () => [], claimForBooking: async () => ({ ok: true }), bookingChanged: async (_p, c) => void changes.push(c) };
    const error = await expectDomainError(
      transitionBooking(db, { bookingId: id, to: "pending", actor: { type: "customer", id: customerId }, reason: "retry" }, { port }),
      "SLOT_UNAVAILABLE",
    );
    expect((error.details.alternatives as unknown[]).length).toBeGreaterThan(0);
    expect((await findBookingById(db, id))!.status).toBe("payment_failed");
    expect(await listTransitions(db, id)).toHaveLength(2);
    expect(changes).toHaveLength(0);
  });

  it("notifies the schedule after commit with the kind of occupancy change", async () => {
    const changes: BookingChange[] = [];
    const port: SchedulePort = { liveHolds: async () => [], claimForBooking: async () => ({ ok: true }), bookingChanged: async (_p, c) => void changes.push(c) };
    const { id } = await newBooking();
    await transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "paid" }, { port });
    await transitionBooking(db, { bookingId: id, to: "cancelled", actor: { type: "customer", id: customerId }, reason: "x" }, { port });
    expect(changes.map((c) => [c.kind, c.details.from, c.details.status])).toEqual([
      ["updated", "pending", "confirmed"],
      ["released", "confirmed", "cancelled"],
    ]);
    expect(changes[0]!.details.serviceName).toMatch(/^Service /);
    const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
    expect(changes[1]!.details.confirmationCode).toBe(row!.confirmationCode);
  });

  it("replay rejects a trail that was tampered with", async () => {
    const { id } = await newBooking();
    await transitionBooking(db, { bookingId: id, to: "confirmed", actor: SYSTEM, reason: "paid" });
    await transitionBooking(db, { bookingId: id, to: "in_progress", actor: { type: "provider", id: fixture.userId }, reason: "started" });
    const trail = await trailOf(id);
    expect(replay(trail)).toBe<BookingStatus>("in_progress");
    expect(() => replay([trail[0]!, trail[2]!])).toThrow(DomainError);
  });
});
