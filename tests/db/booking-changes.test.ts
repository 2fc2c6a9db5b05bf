// Cancel (refund by policy), reschedule (same row, atomic) and the provider's approval answers,
// through the services against real Postgres.
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBookingById, listEvents, listTransitions } from "../../db/queries/bookings";
import { users } from "../../db/schema";
import type { Actor } from "../../domain/booking-states";
import { acceptBooking, cancelBooking, declineBooking } from "../../workers/services/cancel-booking";
import { createBooking, type CreateBookingResult } from "../../workers/services/create-booking";
import type { BookingChange, SchedulePort } from "../../workers/services/ports";
import { rescheduleBooking } from "../../workers/services/reschedule-booking";
import { transitionBooking } from "../../workers/services/transition-booking";
import { createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { expectDomainError } from "../support/domain-errors";

const handle = openTestDatabase(12);
const db = handle.db;
let fixture: ProviderFixture;
let approvalFixture: ProviderFixture;
let adminId: string;
const SYSTEM: Actor = { type: "system", id: null };
let day = 30;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
  approvalFixture = await createProviderFixture(db, { service: { requiresApproval: true } });
  const [admin] = await db.insert(users).values({ email: `${unique("admin")}@example.test`, name: "Ada Admin", role: "admin" }).returning();
  adminId = admin!.id;
});
afterAll(() => handle.close());

async function book(start: Temporal.Instant, f: ProviderFixture = fixture): Promise<CreateBookingResult> {
  return createBooking(db, {
    body: {
      serviceId: f.serviceId,
      providerId: f.providerId,
      start: start.toString(),
      timeZone: "Europe/Berlin",
      customer: { name: "Gus Guest", email: `${unique("guest")}@example.test` },
      idempotencyKey: unique("idem"),
    },
  });
}

async function bookConfirmed(start: Temporal.Instant) {
  const created = await book(start);
  await transitionBooking(db, { bookingId: created.booking.id, to: "confirmed", actor: SYSTEM, reason: "Payment captured" });
  return created;
}

const provider = () => ({ session: { userId: fixture.userId, role: "provider" as const } });

describe("cancelBooking", () => {
  // Default policy: 100 % until 24 h before, 50 % until 2 h before, nothing after; provider cancels: 100 %.
  it.each([
    { label: "30 h before → full refund", hoursBefore: 30, by: "guest", amount: 10_000, percent: 100 },
    { label: "exactly 24 h before → full refund (inclusive)", hoursBefore: 24, by: "guest", amount: 10_000, percent: 100 },
    { label: "10 h before → 50 %", hoursBefore: 10, by: "guest", amount: 5_000, percent: 50 },
    { label: "1 h before → nothing", hoursBefore: 1, by: "guest", amount: 0, percent: 0 },
    { label: "provider, 1 h before → full refund", hoursBefore: 1, by: "provider", amount: 10_000, percent: 100 },
  ] as const)("computes the refund by the policy snapshot: $label", async ({ hoursBefore, by, amount, percent }) => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const at = start.subtract({ hours: hoursBefore });
    const access = by === "guest" ? { manageToken: created.manageToken } : provider();
    const result = await cancelBooking(db, { code: created.booking.code, access, reason: "Cannot make it" }, { now: () => at });
    expect(result.refund).toMatchObject({ amount, percent, currency: "usd" });
    expect(result.booking.status).toBe("cancelled");
    expect(result.booking.icsSequence).toBe(1);

    const transitions = await listTransitions(db, created.booking.id);
    const last = transitions.at(-1)!;
    expect([last.fromStatus, last.toStatus, last.actorType, last.reason]).toEqual(["confirmed", "cancelled", by, "Cannot make it"]);
    expect(last.metadata).toMatchObject({ refund: { amount, percent, currency: "usd", paid: 10_000 } });
    const events = await listEvents(db, created.booking.id);
    expect(events.at(-1)).toMatchObject({ type: "cancelled", data: { refund: { amount, percent } } });
  });

  it("refunds nothing for a booking that was never charged (pending), and frees the slot", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await book(start);
    const result = await cancelBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken } });
    expect(result.refund).toMatchObject({ amount: 0 });
    expect((await book(start)).status).toBe(201);
  });

  it("answers 404 to someone who cannot see the booking, and ILLEGAL_TRANSITION when it is already cancelled", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const other = await createProviderFixture(db);
    await expectDomainError(cancelBooking(db, { code: created.booking.code, access: {} }), "NOT_FOUND");
    await expectDomainError(cancelBooking(db, { code: created.booking.code, access: { session: { userId: other.userId, role: "provider" } } }), "NOT_FOUND");
    await cancelBooking(db, { code: created.booking.code, access: { session: { userId: adminId, role: "admin" } } });
    await expectDomainError(cancelBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken } }), "ILLEGAL_TRANSITION");
    expect(await listTransitions(db, created.booking.id)).toHaveLength(3);
  });
});

describe("rescheduleBooking", () => {
  it("moves the same row: code, status and trail kept, ics_sequence bumped, event with old and new, old time free again", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const changes: BookingChange[] = [];
    const port: SchedulePort = { liveHolds: async () => [], claimForBooking: async () => ({ ok: true }), bookingChanged: async (_p, c) => void changes.push(c) };
    const target = start.add({ hours: 4 });
    const { booking } = await rescheduleBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken }, start: target.toString() }, { port });
    expect(booking).toMatchObject({ id: created.booking.id, code: created.booking.code, status: "confirmed", start: target.toString(), icsSequence: 1 });
    expect(booking.version).toBe(created.booking.version + 2); // confirmed, then rescheduled

    const transitions = await listTransitions(db, booking.id);
    expect(transitions.map((t) => t.toStatus)).toEqual(["pending", "confirmed"]);
    const event = (await listEvents(db, booking.id)).at(-1)!;
    expect(event.type).toBe("rescheduled");
    expect(event.data).toMatchObject({
      from: { start: start.toString(), occupiedUntil: start.add({ minutes: 75 }).toString() },
      to: { start: target.toString(), occupiedUntil: target.add({ minutes: 75 }).toString() },
      actor: { type: "guest", id: null },
    });
    expect(changes).toEqual([
      expect.objectContaining({ kind: "rescheduled", previousInterval: expect.objectContaining({ start }), interval: expect.objectContaining({ start: target }) }),
    ]);
    // The old time is free again.
    expect((await book(start)).status).toBe(201);
  });

  it("may move onto a time overlapping its own current interval", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const { booking } = await rescheduleBooking(db, { code: created.booking.code, access: provider(), start: start.add({ minutes: 30 }).toString() });
    expect(booking.start).toBe(start.add({ minutes: 30 }).toString());
  });

  it("on a taken time answers SLOT_UNAVAILABLE with alternatives and keeps the old interval", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const target = start.add({ hours: 3 });
    await book(target);
    const before = (await findBookingById(db, created.booking.id))!;
    const error = await expectDomainError(
      rescheduleBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken }, start: target.toString() }),
      "SLOT_UNAVAILABLE",
    );
    expect((error.details.alternatives as unknown[]).length).toBeGreaterThan(0);
    expect(await findBookingById(db, created.booking.id)).toEqual(before);
  });

  it("when the target is taken between the check and the update, the constraint refuses it and the old interval stays", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const target = start.add({ hours: 3 });
    const racing: SchedulePort = {
      liveHolds: async () => [],
      claimForBooking: async () => {
        await book(target); // someone books the target right before our UPDATE
        return { ok: true };
      },
      bookingChanged: async () => {},
    };
    const before = (await findBookingById(db, created.booking.id))!;
    await expectDomainError(
      rescheduleBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken }, start: target.toString() }, { port: racing }),
      "SLOT_UNAVAILABLE",
    );
    expect(await findBookingById(db, created.booking.id)).toEqual(before);
    // And nobody can take the old time: it is still ours.
    await expectDomainError(book(start), "SLOT_UNAVAILABLE");
  });

  it("follows the policy for customers (POLICY_FORBIDS inside 24 h) but lets the provider move it", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const late = { now: () => start.subtract({ hours: 10 }) };
    await expectDomainError(
      rescheduleBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken }, start: start.add({ hours: 2 }).toString() }, late),
      "POLICY_FORBIDS",
    );
    const moved = await rescheduleBooking(db, { code: created.booking.code, access: provider(), start: start.add({ hours: 2 }).toString() }, late);
    expect(moved.booking.start).toBe(start.add({ hours: 2 }).toString());
  });

  it("refuses a stale version, a cancelled booking and an unchanged time", async () => {
    const start = localInstant(fixture.timeZone, day++, "10:00");
    const created = await bookConfirmed(start);
    const access = { manageToken: created.manageToken };
    await expectDomainError(rescheduleBooking(db, { code: created.booking.code, access, start: start.toString() }), "VALIDATION");
    await expectDomainError(
      rescheduleBooking(db, { code: created.booking.code, access, start: start.add({ hours: 1 }).toString(), expectedVersion: 1 }),
      "STALE_VERSION",
    );
    await cancelBooking(db, { code: created.booking.code, access });
    await expectDomainError(rescheduleBooking(db, { code: created.booking.code, access, start: start.add({ hours: 1 }).toString() }), "ILLEGAL_TRANSITION");
  });
});

describe("accept / decline", () => {
  async function awaitingApproval() {
    const start = localInstant(approvalFixture.timeZone, day++, "10:00");
    const created = await book(start, approvalFixture);
    await transitionBooking(db, { bookingId: created.booking.id, to: "awaiting_approval", actor: SYSTEM, reason: "Card authorised" });
    return created;
  }
  const approver = () => ({ session: { userId: approvalFixture.userId, role: "provider" as const } });

  it("the provider accepts: awaiting_approval → confirmed, deadline cleared, audit by the provider", async () => {
    const created = await awaitingApproval();
    await expectDomainError(acceptBooking(db, { code: created.booking.code, access: { manageToken: created.manageToken } }), "FORBIDDEN");
    await expectDomainError(acceptBooking(db, { code: created.booking.code, access: provider() }), "NOT_FOUND"); // another provider
    const { booking } = await acceptBooking(db, { code: created.booking.code, access: approver() });
    expect(booking.status).toBe("confirmed");
    expect(booking.expiresAt).toBeNull();
    const last = (await listTransitions(db, booking.id)).at(-1)!;
    expect([last.fromStatus, last.toStatus, last.actorType, last.actorId]).toEqual(["awaiting_approval", "confirmed", "provider", approvalFixture.userId]);
    expect((await listEvents(db, booking.id)).at(-1)!.type).toBe("accepted");
    // Accepting twice is a conflict, not a second confirmation.
    await expectDomainError(acceptBooking(db, { code: created.booking.code, access: approver() }), "ILLEGAL_TRANSITION");
  });

  it("the provider declines: awaiting_approval → cancelled with nothing to refund (only authorised); not for confirmed bookings", async () => {
    const created = await awaitingApproval();
    const result = await declineBooking(db, { code: created.booking.code, access: approver(), reason: "Fully booked that week" });
    expect(result.booking.status).toBe("cancelled");
    expect(result.refund.amount).toBe(0);
    expect((await listEvents(db, created.booking.id)).at(-1)).toMatchObject({ type: "declined", data: { reason: "Fully booked that week" } });

    const other = await awaitingApproval();
    await acceptBooking(db, { code: other.booking.code, access: { session: { userId: adminId, role: "admin" } } });
    await expectDomainError(declineBooking(db, { code: other.booking.code, access: approver() }), "ILLEGAL_TRANSITION");
    expect((await findBookingById(db, other.booking.id))!.status).toBe("confirmed");
  });

  it("a pending approval booking cannot be accepted before the card is authorised", async () => {
    const start = localInstant(approvalFixture.timeZone, day++, "10:00");
    const created = await book(start, approvalFixture);
    await expectDomainError(acceptBooking(db, { code: created.booking.code, access: { session: { userId: adminId, role: "admin" } } }), "ILLEGAL_TRANSITION");
    expect((await findBookingById(db, created.booking.id))!.status).toBe("pending");
  });
});
