// Booking creation through the service layer against real Postgres: guest and customer bookings,
// pricing, idempotency (replay and mismatch), holds from the schedule port, and the race: 50
// concurrent attempts on one slot end with exactly one booking and 49 clean 409s with alternatives.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { listEvents, listTransitions } from "../../db/queries/bookings";
import { bookingEvents, bookings, bookingStateTransitions, emailOutbox, guestBookingSessions, providers, services, users } from "../../db/schema";
import { hashToken } from "../../domain/confirmation-code";
import { DomainError } from "../../domain/errors";
import type { Interval } from "../../domain/intervals";
import { BookingSchema } from "../../workers/api/schemas";
import { keyringOf } from "../../workers/auth/keyring";
import { queueBookingEmail } from "../../workers/email/booking-emails";
import { withBookingEmails } from "../../workers/email/booking-notifier";
import { DEFAULT_BOOKING_SETTINGS, settingsFromConfig } from "../../workers/services/context";
import { createBooking, type CreateBookingResult } from "../../workers/services/create-booking";
import { getBookingByCode } from "../../workers/services/get-booking";
import type { ClaimArgs, SchedulePort } from "../../workers/services/ports";
import { createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { expectDomainError } from "../support/domain-errors";
import { mailTestConfig } from "../support/fixtures";
import { recordingPort } from "../support/recording-port";

// One connection per concurrent attempt in the race test, plus headroom.
const handle = openTestDatabase(60);
const db = handle.db;
let fixture: ProviderFixture;
let customerId: string;
let customerEmail: string;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
  customerEmail = `${unique("cust")}@example.test`;
  const [customer] = await db.insert(users).values({ email: customerEmail, name: "Casey Customer", role: "customer" }).returning();
  customerId = customer!.id;
});
afterAll(() => handle.close());

function guestBody(start: Temporal.Instant, overrides: Record<string, unknown> = {}) {
  return {
    serviceId: fixture.serviceId,
    providerId: fixture.providerId,
    start: start.toString(),
    timeZone: "Europe/Paris",
    customer: { name: "Gale Guest", email: `${unique("guest")}@example.test`, phone: "+33 1 23 45 67 89", notes: "Ring twice" },
    idempotencyKey: unique("idem"),
    ...overrides,
  };
}

describe("createBooking", () => {
  it("creates a guest booking: pending with a deadline, priced at the guest rate, audit written, token stored hashed", async () => {
    const start = localInstant(fixture.timeZone, 3, "10:00");
    const before = Temporal.Now.instant();
    const result = await createBooking(db, { body: guestBody(start) });
    expect(result.status).toBe(201);
    expect(result.replayed).toBe(false);
    expect(result.payment).toBeNull();
    const { booking } = result;
    expect(BookingSchema.parse(booking)).toEqual(booking);
    expect(booking.status).toBe("pending");
    expect(booking.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(booking.start).toBe(start.toString());
    expect(booking.end).toBe(start.add({ minutes: 60 }).toString());
    expect(booking.startCustomer).toContain("[Europe/Paris]");
    expect(booking.startProvider).toContain(`[${fixture.timeZone}]`);
    expect(booking.guest).toBe(true);
    // 10 000 at the guest rate (12 %): fee 1 200, provider 8 800.
    expect(booking.amounts).toEqual({ currency: "usd", total: 10_000, platformFee: 1_200, providerShare: 8_800, feeBps: 1200 });
    const deadline = Temporal.Instant.from(booking.expiresAt!);
    const ttl = before.until(deadline).total({ unit: "minutes" });
    expect(ttl).toBeGreaterThan(DEFAULT_BOOKING_SETTINGS.pendingPaymentTtl.total({ unit: "minutes" }) - 1);
    expect(ttl).toBeLessThan(DEFAULT_BOOKING_SETTINGS.pendingPaymentTtl.total({ unit: "minutes" }) + 1);

    expect(result.manageToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await db.select().from(bookings).where(eq(bookings.id, booking.id));
    expect(row!.occupiedFrom.toISOString()).toBe(new Date(start.epochMilliseconds).toISOString());
    expect(row!.occupiedUntil.getTime() - row!.endsAt.getTime()).toBe(15 * 60_000); // buffer after
    const [session] = await db.select().from(guestBookingSessions).where(eq(guestBookingSessions.id, row!.guestSessionId!));
    expect(session!.tokenHash).toBe(await hashToken(result.manageToken!));
    expect(JSON.stringify(session)).not.toContain(result.manageToken!);

    const transitions = await listTransitions(db, booking.id);
    expect(transitions.map((t) => [t.fromStatus, t.toStatus, t.actorType, t.actorId])).toEqual([[null, "pending", "guest", null]]);
    const events = await listEvents(db, booking.id);
    expect(events.map((e) => e.type)).toEqual(["created"]);
  });

  it("lets the guest read it back with the manage token and nobody else (404, not 403)", async () => {
    const start = localInstant(fixture.timeZone, 3, "14:00");
    const created = await createBooking(db, { body: guestBody(start) });
    const read = await getBookingByCode(db, created.booking.code.toLowerCase().replace("-", ""), { manageToken: created.manageToken });
    expect(read.booking).toEqual(created.booking);
    expect(read.viewer).toEqual({ type: "guest", id: null });
    await expectDomainError(getBookingByCode(db, created.booking.code, {}), "NOT_FOUND");
    await expectDomainError(getBookingByCode(db, created.booking.code, { manageToken: "x".repeat(43) }), "NOT_FOUND");
    await expectDomainError(getBookingByCode(db, created.booking.code, { session: { userId: customerId, role: "customer" } }), "NOT_FOUND");
    // A customer role claiming admin in an old cookie is not an admin unless the database says so.
    await expectDomainError(getBookingByCode(db, created.booking.code, { session: { userId: customerId, role: "admin" } }), "NOT_FOUND");
    const provider = await getBookingByCode(db, created.booking.code, { session: { userId: fixture.userId, role: "provider" } });
    expect(provider.viewer.type).toBe("provider");
    await expectDomainError(getBookingByCode(db, "not a code", { manageToken: created.manageToken }), "NOT_FOUND");
  });

  it("creates a customer booking from the session: account email, customer rate, no manage token", async () => {
    const start = localInstant(fixture.timeZone, 4, "10:00");
    const body = { ...guestBody(start), customer: { phone: "555 0100", notes: "Window seat" } };
    const result = await createBooking(db, { body, customerUserId: customerId });
    expect(result.manageToken).toBeUndefined();
    expect(result.booking.guest).toBe(false);
    expect(result.booking.customer).toEqual({ name: "Casey Customer", email: customerEmail, phone: "555 0100" });
    expect(result.booking.amounts).toMatchObject({ total: 10_000, platformFee: 1_000, providerShare: 9_000, feeBps: 1000 });
    const transitions = await listTransitions(db, result.booking.id);
    expect(transitions[0]).toMatchObject({ actorType: "customer", actorId: customerId });
    const read = await getBookingByCode(db, result.booking.code, { session: { userId: customerId, role: "customer" } });
    expect(read.booking.id).toBe(result.booking.id);
  });

  it("replays the same key + same body (200, same booking, one row), whatever the key order or start offset", async () => {
    const start = localInstant(fixture.timeZone, 5, "09:00");
    const body = guestBody(start);
    const first = await createBooking(db, { body });
    // Same request: keys reordered, the start written with an offset instead of Z, key sent as header.
    const { idempotencyKey, ...rest } = body;
    const reordered = Object.fromEntries(Object.entries(rest).reverse());
    const again = await createBooking(db, {
      body: { ...reordered, start: start.toZonedDateTimeISO("Asia/Kolkata").toString({ timeZoneName: "never" }) },
      idempotencyKeyHeader: idempotencyKey,
    });
    expect(again.status).toBe(200);
    expect(again.replayed).toBe(true);
    expect(again.manageToken).toBeUndefined(); // only ever in the first response
    expect(again.booking).toEqual(first.booking);
    const rows = await db.select({ id: bookings.id }).from(bookings).where(eq(bookings.idempotencyKey, idempotencyKey));
    expect(rows).toHaveLength(1);
  });

  it("a free service is confirmed at once (nothing to pay), or awaits the provider when it needs approval", async () => {
    for (const requiresApproval of [false, true]) {
      const free = await createProviderFixture(db, { service: { priceAmount: 0, requiresApproval } });
      const body = { ...guestBody(localInstant(free.timeZone, 2, "11:00")), serviceId: free.serviceId, providerId: free.providerId };
      const { port, changes } = recordingPort();
      const created = await createBooking(db, { body }, { port });
      const expected = requiresApproval ? "awaiting_approval" : "confirmed";
      expect(created.booking).toMatchObject({ status: expected, amounts: { total: 0, platformFee: 0, providerShare: 0 } });
      expect(created.payment).toBeNull();
      const trail = await listTransitions(db, created.booking.id);
      expect(trail.map((t) => [t.fromStatus, t.toStatus, t.actorType, t.reason])).toEqual([
        [null, "pending", "guest", "Booking created"],
        ["pending", expected, "system", "Nothing to pay"],
      ]);
      expect((await listEvents(db, created.booking.id)).map((e) => [e.type, (e.data as { to?: string }).to ?? null])).toEqual([
        ["created", null],
        ["status_changed", expected],
      ]);
      // Written in its final state: the row says so, with the deadline of that state (approval) or none.
      const [row] = await db.select().from(bookings).where(eq(bookings.id, created.booking.id));
      expect(row).toMatchObject({ status: expected, version: 2 });
      expect(row!.expiresAt === null).toBe(!requiresApproval);
      // The schedule (and the mail that hangs on it) hears both steps, as if they had been two.
      expect(changes.map((c) => [c.details.from, c.details.status])).toEqual([
        [null, "pending"],
        ["pending", expected],
      ]);
      expect(changes[0]!.kind).toBe("created");
      // A retry of the same request is a plain replay: same booking, no second transition.
      const again = await createBooking(db, { body });
      expect(again).toMatchObject({ status: 200, replayed: true, booking: { status: expected } });
      expect(await listTransitions(db, created.booking.id)).toHaveLength(2);
    }
  });

  it("a free booking commits its confirmation mail with it; the notice does not queue it again; an approval request is queued after", async () => {
    const config = mailTestConfig();
    for (const requiresApproval of [false, true]) {
      const free = await createProviderFixture(db, { service: { priceAmount: 0, requiresApproval } });
      const body = { ...guestBody(localInstant(free.timeZone, 2, "15:00")), serviceId: free.serviceId, providerId: free.providerId };
      const { port: schedule, changes } = recordingPort();
      // The notifier gets its own handle on the database, so the test sees whether it wrote anything.
      const notifierUsed: string[] = [];
      const notifierDb = new Proxy(db, { get: (target, key, receiver) => (notifierUsed.push(String(key)), Reflect.get(target, key, receiver)) });
      const port = withBookingEmails(schedule, config, notifierDb);
      const created = await createBooking(db, { body }, { port, settings: settingsFromConfig(config) });
      const [names] = await db
        .select({ providerEmail: users.email, providerName: providers.displayName, serviceName: services.name })
        .from(providers)
        .innerJoin(users, eq(users.id, providers.userId))
        .innerJoin(services, eq(services.id, free.serviceId))
        .where(eq(providers.id, free.providerId));
      const mails = await db.select().from(emailOutbox).where(eq(emailOutbox.bookingId, created.booking.id));
      if (requiresApproval) {
        expect(changes[1]!.mailQueued).toBeUndefined();
        expect(notifierUsed).not.toEqual([]); // read the provider's address and queued it after the commit
        expect(mails.map((m) => [m.kind, m.toAddress])).toEqual([["approval_needed", names!.providerEmail]]);
        continue;
      }
      expect(changes[1]).toMatchObject({ mailQueued: true, details: { status: "confirmed" } });
      expect(notifierUsed).toEqual([]);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail).toMatchObject({ kind: "confirmation", toAddress: body.customer.email, dedupeKey: `confirmation:${created.booking.id}:0` });
      expect(mail!.subject).toBe(`Confirmed: ${names!.serviceName} with ${names!.providerName} (${created.booking.code})`);
      // The manage link carries the same token the guest got back.
      expect(mail!.textBody).toContain(`https://booking.example.test/manage/${created.booking.code}?token=${created.manageToken}`);
      expect(mail!.textBody).toContain("(Europe/Paris)");
      // The same mail the notifier would have written after the commit: its key is taken.
      expect(await queueBookingEmail(db, "confirmation", created.booking.id, { baseUrl: config.PUBLIC_BASE_URL, manageTokenKeys: keyringOf(config) })).toBe(false);
    }
  });

  it("after the secret is rotated, a later mail's manage link still carries the guest's working token", async () => {
    const config = mailTestConfig();
    const free = await createProviderFixture(db, { service: { priceAmount: 0 } });
    const body = { ...guestBody(localInstant(free.timeZone, 2, "14:00")), serviceId: free.serviceId, providerId: free.providerId };
    const created = await createBooking(db, { body }, { settings: settingsFromConfig(config) });
    const rotated = { ...config, SESSION_SECRET: "r".repeat(40), SESSION_SECRETS_PREVIOUS: [config.SESSION_SECRET] };
    expect(await queueBookingEmail(db, "reminder", created.booking.id, { baseUrl: config.PUBLIC_BASE_URL, manageTokenKeys: keyringOf(rotated) })).toBe(true);
    const [reminder] = await db.select().from(emailOutbox).where(and(eq(emailOutbox.bookingId, created.booking.id), eq(emailOutbox.kind, "reminder")));
    expect(reminder!.textBody).toContain(`/manage/${created.booking.code}?token=${created.manageToken}`);
    // With the old secret gone for good the token cannot be re-derived: the link goes to the page without it.
    const retired = { ...config, SESSION_SECRET: "r".repeat(40), SESSION_SECRETS_PREVIOUS: [] };
    await db.delete(emailOutbox).where(eq(emailOutbox.bookingId, created.booking.id));
    await queueBookingEmail(db, "reminder", created.booking.id, { baseUrl: config.PUBLIC_BASE_URL, manageTokenKeys: keyringOf(retired) });
    const [bare] = await db.select().from(emailOutbox).where(and(eq(emailOutbox.bookingId, created.booking.id), eq(emailOutbox.kind, "reminder")));
    expect(bare!.textBody).toContain(`/manage/${created.booking.code}`);
    expect(bare!.textBody).not.toContain("?token=");
  });

  it("a retry of a booking whose service was withdrawn since still gets its booking back", async () => {
    const own = await createProviderFixture(db);
    const body = { ...guestBody(localInstant(own.timeZone, 3, "09:00")), serviceId: own.serviceId, providerId: own.providerId };
    const created = await createBooking(db, { body });
    await db.update(services).set({ isActive: false }).where(eq(services.id, own.serviceId));
    expect(await createBooking(db, { body })).toMatchObject({ status: 200, replayed: true, booking: { id: created.booking.id } });
    await expectDomainError(createBooking(db, { body: { ...body, idempotencyKey: unique("idem") } }), "NOT_FOUND");
  });

  it("concurrent copies of one free booking request all end with the same confirmed booking", async () => {
    const free = await createProviderFixture(db, { service: { priceAmount: 0 } });
    const body = { ...guestBody(localInstant(free.timeZone, 2, "13:00")), serviceId: free.serviceId, providerId: free.providerId };
    const answers = await Promise.all(Array.from({ length: 5 }, () => createBooking(db, { body })));
    expect(new Set(answers.map((a) => a.booking.id)).size).toBe(1);
    expect(answers.map((a) => a.booking.status)).toEqual(Array(5).fill("confirmed"));
    expect((await listTransitions(db, answers[0]!.booking.id)).map((t) => t.toStatus)).toEqual(["pending", "confirmed"]);
  });

  it("answers 409 IDEMPOTENCY_MISMATCH naming the key when the same key comes with a different body", async () => {
    const start = localInstant(fixture.timeZone, 5, "13:00");
    const body = guestBody(start);
    await createBooking(db, { body });
    const error = await expectDomainError(createBooking(db, { body: { ...body, start: start.add({ hours: 1 }).toString() } }), "IDEMPOTENCY_MISMATCH");
    expect(error.details.fields).toEqual([{ path: "idempotencyKey", message: expect.any(String) }]);
    // Another account reusing a guest's key gets a mismatch too, never the guest's booking.
    await expectDomainError(createBooking(db, { body, customerUserId: customerId }), "IDEMPOTENCY_MISMATCH");
  });

  it("two concurrent copies of the same request end with one booking, both answered with it", async () => {
    const start = localInstant(fixture.timeZone, 6, "09:00");
    const body = guestBody(start);
    const results = await Promise.all([createBooking(db, { body }), createBooking(db, { body })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(results[0]!.booking.id).toBe(results[1]!.booking.id);
  });

  it("rejects bad input with field names and writes nothing", async () => {
    const start = localInstant(fixture.timeZone, 7, "10:00");
    const bad = await createBooking(db, { body: { ...guestBody(start), serviceId: "nope", timeZone: "Mars/Base", start: "tomorrow" } }).catch((e) => e);
    expect(bad).toBeInstanceOf(z.ZodError);
    expect((bad as z.ZodError).issues.map((i) => i.path.join(".")).sort()).toEqual(["serviceId", "start", "timeZone"]);
    const noName = await expectDomainError(createBooking(db, { body: guestBody(start, { customer: { email: "a@b.test" } }) }), "VALIDATION");
    expect(noName.details.fields).toEqual([{ path: "customer.name", message: expect.any(String) }]);
    const noKey = await expectDomainError(createBooking(db, { body: guestBody(start, { idempotencyKey: undefined }) }), "VALIDATION");
    expect(noKey.details.fields).toEqual([{ path: "idempotencyKey", message: expect.any(String) }]);
    const keys = await expectDomainError(createBooking(db, { body: guestBody(start), idempotencyKeyHeader: "another-key-123" }), "VALIDATION");
    expect(keys.details.fields).toEqual([{ path: "idempotencyKey", message: expect.any(String) }]);
    await expectDomainError(createBooking(db, { body: guestBody(start, { serviceId: crypto.randomUUID() }) }), "NOT_FOUND");
    const rows = await db.select().from(bookings).where(and(eq(bookings.providerId, fixture.providerId), eq(bookings.startsAt, new Date(start.epochMilliseconds))));
    expect(rows).toHaveLength(0);
  });

  it("refuses times the engine would not offer (off-grid, outside hours) with SLOT_UNAVAILABLE and alternatives", async () => {
    const offGrid = await expectDomainError(createBooking(db, { body: guestBody(localInstant(fixture.timeZone, 8, "10:10")) }), "SLOT_UNAVAILABLE");
    expect((offGrid.details.alternatives as unknown[]).length).toBeGreaterThan(0);
    await expectDomainError(createBooking(db, { body: guestBody(localInstant(fixture.timeZone, 8, "16:30")) }), "SLOT_UNAVAILABLE"); // 60 min + 15 buffer past 17:00
    await expectDomainError(createBooking(db, { body: guestBody(localInstant(fixture.timeZone, -1, "10:00")) }), "SLOT_UNAVAILABLE"); // the past
  });

  it("respects another holder's live hold from the schedule port, and lets the holder itself book", async () => {
    const start = localInstant(fixture.timeZone, 9, "10:00");
    const held: Interval = { start, end: start.add({ minutes: 75 }) };
    const claims: ClaimArgs[] = [];
    const { port, changes } = recordingPort({
      liveHolds: async () => [held],
      claimForBooking: async (args) => {
        claims.push(args);
        return args.holder === "holder-token-aaaaaaaa" ? { ok: true } : { ok: false, reason: "HELD", message: "Someone else is holding this time." };
      },
    });
    const refused = await expectDomainError(createBooking(db, { body: guestBody(start) }, { port }), "SLOT_UNAVAILABLE");
    const alternatives = refused.details.alternatives as Array<{ start: string }>;
    // The alternatives count the hold as taken too.
    expect(alternatives.map((a) => a.start)).not.toContain(start.toString());
    expect(alternatives.length).toBeGreaterThan(0);
    expect(changes).toHaveLength(0);

    const ok = await createBooking(db, { body: guestBody(start, { holderToken: "holder-token-aaaaaaaa", holdId: "hold-1" }) }, { port });
    expect(ok.status).toBe(201);
    expect(claims.at(-1)).toMatchObject({ holder: "holder-token-aaaaaaaa", holdId: "hold-1", bookingId: ok.booking.id, providerId: fixture.providerId });
    expect(claims.at(-1)!.occupiedUntil.toString()).toBe(start.add({ minutes: 75 }).toString());
    expect(changes).toEqual([
      expect.objectContaining({
        kind: "created",
        bookingId: ok.booking.id,
        details: expect.objectContaining({ status: "pending", confirmationCode: ok.booking.code, customerName: "Gale Guest" }),
      }),
    ]);
  });

  it("a booking made from a live hold keeps the hold's deadline, at least MIN_PAYMENT_WINDOW from now; without one, PENDING_PAYMENT_TTL", async () => {
    const heldPort = (heldUntil: Temporal.Instant) => recordingPort({ claimForBooking: async () => ({ ok: true, heldUntil }) }).port;
    const shown = Temporal.Now.instant().add({ minutes: 7 }).round({ smallestUnit: "millisecond" });
    const held = await createBooking(db, { body: guestBody(localInstant(fixture.timeZone, 11, "10:00"), { holderToken: "holder-token-bbbbbbbb", holdId: "hold-2" }) }, { port: heldPort(shown) });
    expect(Temporal.Instant.from(held.booking.expiresAt!).equals(shown)).toBe(true);

    // Seconds left on the hold: the floor, not a deadline nobody can meet.
    const before = Temporal.Now.instant();
    const almostGone = before.add({ seconds: 5 });
    const late = await createBooking(db, { body: guestBody(localInstant(fixture.timeZone, 11, "13:00"), { holderToken: "holder-token-bbbbbbbb", holdId: "hold-3" }) }, { port: heldPort(almostGone) });
    const left = before.until(Temporal.Instant.from(late.booking.expiresAt!)).total({ unit: "minutes" });
    expect(left).toBeGreaterThanOrEqual(3);
    expect(left).toBeLessThan(3.5);
  });

  it("when the slot is taken between the early check and the insert, the exclusion constraint answers (409 with fresh alternatives)", async () => {
    const start = localInstant(fixture.timeZone, 10, "10:00");
    let rival: CreateBookingResult | undefined;
    // The claim runs after the early check and before the transaction: book the slot right there.
    const racing: SchedulePort = {
      liveHolds: async () => [],
      claimForBooking: async () => {
        rival = await createBooking(db, { body: guestBody(start.subtract({ minutes: 30 })) });
        return { ok: true };
      },
      bookingChanged: async () => {},
    };
    const body = guestBody(start);
    const error = await expectDomainError(createBooking(db, { body }, { port: racing }), "SLOT_UNAVAILABLE");
    expect(rival?.status).toBe(201);
    // Fresh data: the rival's 09:30–10:45 is excluded, so 11:00 is the nearest free start.
    const alternatives = error.details.alternatives as Array<{ startProvider: string }>;
    expect(alternatives[0]!.startProvider.slice(11, 16)).toBe("11:00");
    expect(await db.select().from(bookings).where(eq(bookings.idempotencyKey, body.idempotencyKey))).toHaveLength(0);
    expect(await db.select().from(guestBookingSessions).where(eq(guestBookingSessions.email, body.customer.email))).toHaveLength(0);
  });

  it("does not fail a committed booking when the schedule is unreachable", async () => {
    const start = localInstant(fixture.timeZone, 9, "14:00");
    const down: SchedulePort = {
      liveHolds: async () => {
        throw new Error("object unreachable");
      },
      claimForBooking: async () => {
        throw new Error("object unreachable");
      },
      bookingChanged: async () => {
        throw new Error("object unreachable");
      },
    };
    const result = await createBooking(db, { body: guestBody(start) }, { port: down });
    expect(result.status).toBe(201);
  });

  it("50 concurrent bookings of one slot: exactly one wins, 49 get SLOT_UNAVAILABLE with alternatives, nothing half-written", async () => {
    const race = await createProviderFixture(db);
    const start = localInstant(race.timeZone, 12, "10:00");
    const bodies = Array.from({ length: 50 }, () => ({
      serviceId: race.serviceId,
      providerId: race.providerId,
      start: start.toString(),
      timeZone: race.timeZone,
      customer: { name: "Racer", email: `${unique("racer")}@example.test` },
      idempotencyKey: unique("race"),
    }));
    const settled = await Promise.allSettled(bodies.map((body) => createBooking(db, { body })));
    const won = settled.filter((r): r is PromiseFulfilledResult<CreateBookingResult> => r.status === "fulfilled");
    const lost = settled.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const loss of lost) {
      expect(loss.reason).toBeInstanceOf(DomainError);
      expect((loss.reason as DomainError).code).toBe("SLOT_UNAVAILABLE");
      const alternatives = (loss.reason as DomainError).details.alternatives as Array<{ start: string; startProvider: string }>;
      expect(alternatives).toHaveLength(5);
      // Same provider-local day first, nearest first: 10:00 + 75 min occupied → 11:30 is the closest free start.
      expect(alternatives[0]!.startProvider.slice(11, 16)).toBe("11:30");
    }

    const rows = await db.select().from(bookings).where(eq(bookings.providerId, race.providerId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(won[0]!.value.booking.id);
    const ids = rows.map((r) => r.id);
    const transitions = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(bookingStateTransitions)
      .innerJoin(bookings, eq(bookings.id, bookingStateTransitions.bookingId))
      .where(eq(bookings.providerId, race.providerId));
    expect(transitions[0]!.n).toBe(1);
    const events = await db.select().from(bookingEvents).where(inArray(bookingEvents.bookingId, ids));
    expect(events).toHaveLength(1);
    // No guest session survives for any loser.
    const sessions = await db
      .select({ email: guestBookingSessions.email })
      .from(guestBookingSessions)
      .where(inArray(guestBookingSessions.email, bodies.map((b) => b.customer.email)));
    expect(sessions.map((s) => s.email)).toEqual([won[0]!.value.booking.customer.email]);
  });
});
