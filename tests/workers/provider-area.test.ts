// The provider area (app/routes/provider.*) through the Worker's real fetch handler inside workerd,
// against the test Postgres: scoping (a provider sees only their own bookings, another provider gets
// 404), booking actions with their audit rows, the schedule editor (round trip, field errors, the
// Durable Object hears about it), the services editor (decimal price → minor units), earnings.
import { env } from "cloudflare:workers";
import { Temporal } from "@js-temporal/polyfill";
import { and, asc, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase, type Database } from "../../db/client";
import {
  availabilityOverrides,
  availabilityRules,
  bookingStateTransitions,
  bookings,
  payoutSchedules,
  providers,
  services,
  users,
} from "../../db/schema";
import type { BookingStatus } from "../../domain/booking-states";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { generateConfirmationCode } from "../../domain/confirmation-code";
import { loadConfig } from "../../workers/env";
import { PAYOUT_WAIT_REASONS } from "../../workers/payments/payouts";
import { validateWeeklyDraft, weeklyDraftFrom } from "../../app/utils/schedule-form.server";
import { fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const ZONE_A = "Asia/Kathmandu";

type Role = "customer" | "provider" | "admin";
interface Person {
  key: string;
  role: Role;
  name: string;
  id: string;
  csrf: string;
  cookie: string;
}

const people: Record<"ana" | "bo" | "admin" | "customer", Person> = {
  ana: { key: "ana", role: "provider", name: `Ana ${suffix}`, id: "", csrf: "", cookie: "" },
  bo: { key: "bo", role: "provider", name: `Bo ${suffix}`, id: "", csrf: "", cookie: "" },
  admin: { key: "admin", role: "admin", name: `Admin ${suffix}`, id: "", csrf: "", cookie: "" },
  customer: { key: "customer", role: "customer", name: `Casey ${suffix}`, id: "", csrf: "", cookie: "" },
};
const ids = { providerA: "", providerB: "", serviceA: "", serviceB: "" };
/** Booking codes by purpose. */
const codes: Record<string, string> = {};
const bookingDay = Temporal.Now.instant().toZonedDateTimeISO(ZONE_A).toPlainDate().add({ days: 2 });

function at(date: Temporal.PlainDate, hhmm: string, zone = ZONE_A): Date {
  const [h, m] = hhmm.split(":").map(Number);
  return new Date(date.toPlainDateTime({ hour: h!, minute: m! }).toZonedDateTime(zone).epochMilliseconds);
}

function db<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  return withDatabase(config, fn);
}

async function insertBooking(
  tx: Database,
  input: { key: string; providerId: string; serviceId: string; status: BookingStatus; startsAt: Date; minutes?: number; customerName: string },
) {
  const code = generateConfirmationCode();
  const [row] = await tx
    .insert(bookings)
    .values(
      pageTestBookingRow({ providerId: input.providerId, serviceId: input.serviceId, timeZone: ZONE_A }, input.startsAt, input.minutes ?? 60, {
        confirmationCode: code,
        idempotencyKey: `provider-area-${suffix}-${input.key}`,
        customerId: people.customer.id,
        status: input.status,
        customerName: input.customerName,
        customerEmail: `casey-${suffix}@example.test`,
        totalAmount: 5500,
        platformFeeAmount: 550,
        providerAmount: 4950,
        expiresAt: input.status === "awaiting_approval" ? new Date(Date.now() + 24 * 3600_000) : null,
      }),
    )
    .returning();
  await tx.insert(bookingStateTransitions).values({ bookingId: row!.id, fromStatus: null, toStatus: "pending", actorType: "customer", actorId: people.customer.id, reason: "Booked" });
  if (input.status !== "pending") {
    await tx.insert(bookingStateTransitions).values({ bookingId: row!.id, fromStatus: "pending", toStatus: input.status, actorType: "system", reason: "Payment authorised" });
  }
  codes[input.key] = code;
  return row!;
}

beforeAll(async () => {
  await db(async (tx) => {
    for (const person of Object.values(people)) {
      const [row] = await tx.insert(users).values({ email: `pa-${person.key}-${suffix}@example.test`, name: person.name, role: person.role }).returning();
      person.id = row!.id;
    }
    const [a] = await tx.insert(providers).values({ userId: people.ana.id, slug: `pa-ana-${suffix}`, displayName: `Ana Studio ${suffix}`, timeZone: ZONE_A }).returning();
    const [b] = await tx.insert(providers).values({ userId: people.bo.id, slug: `pa-bo-${suffix}`, displayName: `Bo Studio ${suffix}`, timeZone: "Europe/London" }).returning();
    ids.providerA = a!.id;
    ids.providerB = b!.id;
    const [sa] = await tx
      .insert(services)
      .values({ providerId: a!.id, name: `Cut ${suffix}`, category: "Hair", durationMinutes: 60, priceAmount: 5500, currency: "usd", requiresApproval: true, cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    const [sb] = await tx
      .insert(services)
      .values({ providerId: b!.id, name: `Physio ${suffix}`, category: "Health", durationMinutes: 60, priceAmount: 7000, currency: "gbp", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    ids.serviceA = sa!.id;
    ids.serviceB = sb!.id;
    const base = { providerId: a!.id, serviceId: sa!.id };
    await insertBooking(tx, { ...base, key: "accept", status: "awaiting_approval", startsAt: at(bookingDay, "10:00"), customerName: `Alice Accept ${suffix}` });
    await insertBooking(tx, { ...base, key: "decline", status: "awaiting_approval", startsAt: at(bookingDay, "12:00"), customerName: `Dan Decline ${suffix}` });
    await insertBooking(tx, { ...base, key: "stale", status: "awaiting_approval", startsAt: at(bookingDay, "14:00"), customerName: `Stella Stale ${suffix}` });
    await insertBooking(tx, { ...base, key: "cancel", status: "confirmed", startsAt: at(bookingDay, "16:00"), customerName: `Carl Cancel ${suffix}` });
    await insertBooking(tx, { ...base, key: "complete", status: "confirmed", startsAt: new Date(Date.now() - 3 * 3600_000), customerName: `Cora Complete ${suffix}` });
    await insertBooking(tx, { ...base, key: "inline", status: "awaiting_approval", startsAt: at(bookingDay, "20:00"), customerName: `Ivy Inline ${suffix}` });
    await insertBooking(tx, { ...base, key: "inlineDecline", status: "awaiting_approval", startsAt: at(bookingDay, "21:00"), customerName: `Ned Inline ${suffix}` });
    await insertBooking(tx, { ...base, key: "early", status: "confirmed", startsAt: at(bookingDay, "18:00"), customerName: `Eli Early ${suffix}` });
    await insertBooking(tx, { providerId: b!.id, serviceId: sb!.id, key: "other", status: "awaiting_approval", startsAt: at(bookingDay, "10:00"), customerName: `Olga Other ${suffix}` });
    await tx.insert(payoutSchedules).values({
      providerId: a!.id,
      currency: "usd",
      grossAmount: 4950,
      status: "scheduled",
      payableAt: new Date(Date.now() + 5 * 24 * 3600_000),
    });
    await tx.insert(payoutSchedules).values([
      { providerId: a!.id, currency: "usd", grossAmount: 3210, status: "scheduled", payableAt: new Date(Date.now() - 3600_000), lastError: PAYOUT_WAIT_REASONS.disputed },
      { providerId: a!.id, currency: "usd", grossAmount: 1230, status: "scheduled", payableAt: new Date(Date.now() - 3600_000), lastError: "api_error: An unknown error occurred" },
    ]);
  });
  for (const person of Object.values(people)) {
    person.csrf = `csrf-${person.key}-${suffix}-0123456789`;
    person.cookie = await signedInCookie({ userId: person.id, role: person.role, name: person.name, csrf: person.csrf }, config);
  }
});

function get(path: string, who?: Person) {
  return fetchWorker(path, { headers: who ? { cookie: who.cookie } : {} });
}

function post(path: string, who: Person, fields: Record<string, string> | Array<[string, string]>, options: { csrf?: string | null } = {}) {
  const body = new URLSearchParams(fields);
  if (options.csrf !== null) body.set("csrf", options.csrf ?? who.csrf);
  return fetchWorker(path, {
    method: "POST",
    headers: { cookie: who.cookie, "content-type": "application/x-www-form-urlencoded", origin: "http://example.test" },
    body: body.toString(),
  });
}

async function statusOf(code: string): Promise<{ status: BookingStatus; version: number; id: string }> {
  return db(async (tx) => {
    const [row] = await tx.select({ status: bookings.status, version: bookings.version, id: bookings.id }).from(bookings).where(eq(bookings.confirmationCode, code));
    return row!;
  });
}

async function trail(code: string) {
  return db(async (tx) => {
    const { id } = (await tx.select({ id: bookings.id }).from(bookings).where(eq(bookings.confirmationCode, code)))[0]!;
    return tx.select().from(bookingStateTransitions).where(eq(bookingStateTransitions.bookingId, id)).orderBy(asc(bookingStateTransitions.id));
  });
}

const decode = (html: string) => html.replace(/&amp;/g, "&").replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"');

describe("access and scoping", () => {
  it("guests are sent to sign-in and customers refused on every provider page", async () => {
    for (const path of ["/provider/calendar", "/provider/schedule", "/provider/services", "/provider/services/new", "/provider/earnings", `/provider/bookings/${codes.accept}`]) {
      const guest = await get(path);
      expect(guest.status, path).toBe(302);
      expect(guest.headers.get("location")).toContain("/sign-in?redirectTo=");
      expect((await get(path, people.customer)).status, path).toBe(403);
    }
  });

  it("the calendar shows the provider's own bookings in their zone, not another provider's", async () => {
    const response = await get(`/provider/calendar?view=week&date=${bookingDay}`, people.ana);
    expect(response.status).toBe(200);
    const html = decode(await response.text());
    expect(html).toContain(`Alice Accept ${suffix}`);
    expect(html).toContain(`/provider/bookings/${codes.accept}`);
    expect(html).toContain("10:00–11:00"); // wall-clock time in Asia/Kathmandu
    expect(html).toContain(ZONE_A);
    expect(html).not.toContain(`Olga Other ${suffix}`);
    // Usable without JavaScript: previous/next/today and the day/week switch are plain links.
    const monday = bookingDay.subtract({ days: bookingDay.dayOfWeek - 1 });
    expect(html).toContain(`/provider/calendar?view=week&date=${monday.subtract({ days: 7 })}`);
    expect(html).toContain(`/provider/calendar?view=week&date=${monday.add({ days: 7 })}`);
    expect(html).toContain(`/provider/calendar?view=day&date=${bookingDay}`);
    expect(html).toContain('data-testid="live-status"');
    expect(html).toContain('aria-live="polite"');
  });

  it("opens without a date on the next booking's day when today has nothing booked", async () => {
    // Every booking here is two days ahead, so today's day view would be empty.
    const html = decode(await (await get(`/provider/calendar?view=day`, people.ana)).text());
    expect(html).toContain('data-testid="opened-on-next-booking"');
    expect(html).toContain(`Alice Accept ${suffix}`);
    const today = Temporal.Now.instant().toZonedDateTimeISO(ZONE_A).toPlainDate();
    expect(html).toContain(`/provider/calendar?view=day&date=${today}`);
    // Asked for a date, it shows that date even when empty.
    const asked = decode(await (await get(`/provider/calendar?view=day&date=${today}`, people.ana)).text());
    expect(asked).not.toContain('data-testid="opened-on-next-booking"');
    expect(asked).not.toContain(`Alice Accept ${suffix}`);
  });

  it("the day view lists only that day", async () => {
    const html = decode(await (await get(`/provider/calendar?view=day&date=${bookingDay.add({ days: 1 })}`, people.ana)).text());
    expect(html).not.toContain(`Alice Accept ${suffix}`);
    expect(html).toContain("No bookings");
    const bad = await get(`/provider/calendar?view=day&date=2026-02-30`, people.ana);
    expect(bad.status).toBe(200); // an impossible date falls back to today
  });

  it("another provider gets 404 for someone else's booking, on the page and on its actions", async () => {
    expect((await get(`/provider/bookings/${codes.accept}`, people.bo)).status).toBe(404);
    const before = await statusOf(codes.accept!);
    const response = await post(`/provider/bookings/${codes.accept}`, people.bo, { intent: "accept", version: String(before.version) });
    expect(response.status).toBe(404);
    expect((await statusOf(codes.accept!)).status).toBe("awaiting_approval");
    // A code that does not exist at all looks the same.
    expect((await get(`/provider/bookings/ZZZZ-ZZZZ`, people.ana)).status).toBe(404);
  });

  it("an admin picks the provider with ?provider= and may open any booking", async () => {
    const html = decode(await (await get(`/provider/calendar?view=week&date=${bookingDay}&provider=${ids.providerB}`, people.admin)).text());
    expect(html).toContain(`Olga Other ${suffix}`);
    expect(html).not.toContain(`Alice Accept ${suffix}`);
    expect(html).toContain("Admin view of");
    expect((await get(`/provider/bookings/${codes.other}`, people.admin)).status).toBe(200);
    expect((await get(`/provider/calendar?provider=not-a-uuid`, people.admin)).status).toBe(404);
    // The provider home says it is an admin's view too, with the switcher, and shows B's requests.
    const home = decode(await (await get(`/provider?provider=${ids.providerB}`, people.admin)).text());
    expect(home).toContain("Admin view of");
    expect(home).toContain(`Olga Other ${suffix}`);
    expect(home).toContain(`name="returnTo" value="/provider?provider=${ids.providerB}"`);
  });

  it("a POST without the CSRF token is refused with 403 and changes nothing", async () => {
    const response = await post(`/provider/bookings/${codes.accept}`, people.ana, { intent: "accept" }, { csrf: null });
    expect(response.status).toBe(403);
    expect((await statusOf(codes.accept!)).status).toBe("awaiting_approval");
  });
});

describe("booking actions", () => {
  it("shows details, the audit trail and the actions its state allows", async () => {
    const response = await get(`/provider/bookings/${codes.accept}`, people.ana);
    expect(response.status).toBe(200);
    const html = decode(await response.text());
    expect(html).toContain(`Alice Accept ${suffix}`);
    expect(html).toContain("Accept booking");
    expect(html).toContain("Decline booking");
    expect(html).not.toContain("Mark completed");
    expect(html).toContain('data-testid="audit-trail"');
    expect(html).toContain("Payment authorised");
    expect(html).toContain('name="csrf"');
  });

  it("the requests inbox lists approval requests with their deadline and answers them inline", async () => {
    const home = decode(await (await get("/provider", people.ana)).text());
    expect(home).toContain('data-testid="requests"');
    expect(home).toContain(`Ivy Inline ${suffix}`);
    expect(home).toMatch(/Answer by [^<]+\(in 2[34] h \d+ min\)/);
    expect(home).not.toContain(`Olga Other ${suffix}`);
    const { version } = await statusOf(codes.inline!);
    // Somewhere outside the provider area is never a place to return to: the booking's page instead.
    const elsewhere = await post(`/provider/bookings/${codes.inline}`, people.ana, { intent: "accept", version: String(version), returnTo: "//evil.example/provider" });
    expect(elsewhere.headers.get("location")).toBe(`/provider/bookings/${codes.inline}?done=accept`);
    const inline = codes.inline!;
    expect((await statusOf(inline)).status).toBe("confirmed");
  });

  it("an inline answer returns to the inbox and says what was done", async () => {
    const { version } = await statusOf(codes.inlineDecline!);
    const response = await post(`/provider/bookings/${codes.inlineDecline}`, people.ana, { intent: "decline", version: String(version), returnTo: "/provider" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/provider?answered=decline&code=${encodeURIComponent(codes.inlineDecline!)}`);
    const home = decode(await (await get(response.headers.get("location")!, people.ana)).text());
    expect(home).toContain(`Declined ${codes.inlineDecline}.`);
    expect(home).not.toContain(`Ned Inline ${suffix}</`);
  });

  it("accept: awaiting_approval → confirmed, with an audit row by the provider", async () => {
    const { version } = await statusOf(codes.accept!);
    const response = await post(`/provider/bookings/${codes.accept}`, people.ana, { intent: "accept", version: String(version) });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/provider/bookings/${codes.accept}?done=accept`);
    expect((await statusOf(codes.accept!)).status).toBe("confirmed");
    const last = (await trail(codes.accept!)).at(-1)!;
    expect(last).toMatchObject({ fromStatus: "awaiting_approval", toStatus: "confirmed", actorType: "provider", actorId: people.ana.id });
    const page = decode(await (await get(`/provider/bookings/${codes.accept}?done=accept`, people.ana)).text());
    expect(page).toContain("Booking accepted.");
    expect(page).toContain("Mark in progress");
  });

  it("decline: awaiting_approval → cancelled with the provider's reason in the audit trail", async () => {
    const { version } = await statusOf(codes.decline!);
    const response = await post(`/provider/bookings/${codes.decline}`, people.ana, { intent: "decline", version: String(version), reason: "Fully booked that day" });
    expect(response.status).toBe(302);
    expect((await statusOf(codes.decline!)).status).toBe("cancelled");
    const last = (await trail(codes.decline!)).at(-1)!;
    expect(last).toMatchObject({ fromStatus: "awaiting_approval", toStatus: "cancelled", actorType: "provider", reason: "Fully booked that day" });
    // Recently cancelled bookings stay on the calendar, marked as such.
    const html = decode(await (await get(`/provider/calendar?view=day&date=${bookingDay}`, people.ana)).text());
    expect(html).toContain(`Dan Decline ${suffix}`);
    expect(html).toMatch(/cal-released/);
  });

  it("complete on a confirmed booking that has started: both moves are audited", async () => {
    const { version } = await statusOf(codes.complete!);
    const response = await post(`/provider/bookings/${codes.complete}`, people.ana, { intent: "complete", version: String(version) });
    expect(response.status).toBe(302);
    expect((await statusOf(codes.complete!)).status).toBe("completed");
    const rows = await trail(codes.complete!);
    expect(rows.slice(-2).map((r) => [r.fromStatus, r.toStatus, r.actorType])).toEqual([
      ["confirmed", "in_progress", "provider"],
      ["in_progress", "completed", "provider"],
    ]);
  });

  it("provider cancellation: confirmed → cancelled with a full refund recorded", async () => {
    const { version } = await statusOf(codes.cancel!);
    const page = decode(await (await get(`/provider/bookings/${codes.cancel}`, people.ana)).text());
    expect(page).toContain("The customer gets a full refund: $55.00 (100%)");
    const response = await post(`/provider/bookings/${codes.cancel}`, people.ana, { intent: "cancel", version: String(version) });
    expect(response.status).toBe(302);
    expect((await statusOf(codes.cancel!)).status).toBe("cancelled");
    const last = (await trail(codes.cancel!)).at(-1)!;
    expect(last.actorType).toBe("provider");
    expect((last.metadata as { refund: { amount: number; percent: number } }).refund).toMatchObject({ amount: 5500, percent: 100 });
  });

  it("DomainErrors are inline messages, not 500s: a stale version (409) and an outcome before the start", async () => {
    const stale = await post(`/provider/bookings/${codes.stale}`, people.ana, { intent: "accept", version: "999" });
    expect(stale.status).toBe(409);
    const html = decode(await stale.text());
    expect(html).toContain("This booking changed since you opened the page");
    expect(html).toContain('role="alert"');
    expect((await statusOf(codes.stale!)).status).toBe("awaiting_approval");

    const { version } = await statusOf(codes.early!);
    const early = await post(`/provider/bookings/${codes.early}`, people.ana, { intent: "no_show", version: String(version) });
    expect(early.status).toBe(409);
    expect(decode(await early.text())).toContain("only once the booking has started");
    expect((await statusOf(codes.early!)).status).toBe("confirmed");

    // Accepting a booking that is no longer awaiting approval.
    const again = await post(`/provider/bookings/${codes.accept}`, people.ana, { intent: "accept" });
    expect(again.status).toBe(409);
  });
});

describe("schedule editor", () => {
  const weekly = (fields: Record<string, string>) => ({ intent: "save", timeZone: "Europe/London", ...fields });

  it("saves weekly hours with several ranges per day and a new zone, atomically, and tells the Durable Object", async () => {
    // Listen to the provider's live feed (as the calendar's client component does) to see scheduleChanged arrive.
    const upgrade = await fetchWorker(`/api/v1/providers/${ids.providerB}/live?audience=provider`, { headers: { cookie: people.bo.cookie, upgrade: "websocket" } });
    expect(upgrade.status).toBe(101);
    const socket = upgrade.webSocket!;
    const frames: Array<{ type?: string }> = [];
    socket.addEventListener("message", (e) => {
      try {
        frames.push(JSON.parse(String(e.data)));
      } catch {
        /* pong */
      }
    });
    socket.accept();

    const response = await post(
      "/provider/schedule",
      people.bo,
      weekly({ "day-1-start-0": "09:00", "day-1-end-0": "12:00", "day-1-start-1": "13:00", "day-1-end-1": "17:30", "day-3-start-0": "18:00", "day-3-end-0": "00:00" }),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/provider/schedule?saved=weekly");
    const rules = await db((tx) =>
      tx
        .select({ weekday: availabilityRules.weekday, start: availabilityRules.startTime, end: availabilityRules.endTime })
        .from(availabilityRules)
        .where(eq(availabilityRules.providerId, ids.providerB))
        .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startTime)),
    );
    expect(rules).toEqual([
      { weekday: 1, start: "09:00:00", end: "12:00:00" },
      { weekday: 1, start: "13:00:00", end: "17:30:00" },
      { weekday: 3, start: "18:00:00", end: "00:00:00" },
    ]);
    const html = decode(await (await get("/provider/schedule?saved=weekly", people.bo)).text());
    expect(html).toContain("Weekly hours saved");
    expect(html).toContain('name="day-1-start-1"');
    expect(html).toContain('value="17:30"');
    expect(html).toMatch(/<option value="Europe\/London" selected="">/);

    const deadline = Date.now() + 5000;
    while (!frames.some((f) => f.type === "schedule.changed") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(frames.map((f) => f.type)).toContain("schedule.changed");
    socket.close(1000, "done");
  });

  it("rejects overlapping and reversed ranges and an unknown zone with field errors (400 page), saving nothing", async () => {
    const before = await db((tx) => tx.select().from(availabilityRules).where(eq(availabilityRules.providerId, ids.providerB)));
    const response = await post(
      "/provider/schedule",
      people.bo,
      weekly({
        timeZone: "Mars/Olympus_Mons",
        "day-2-start-0": "09:00",
        "day-2-end-0": "12:00",
        "day-2-start-1": "11:00",
        "day-2-end-1": "14:00",
        "day-4-start-0": "17:00",
        "day-4-end-0": "09:00",
        "day-5-start-0": "9am",
        "day-5-end-0": "",
      }),
    );
    expect(response.status).toBe(400);
    const html = decode(await response.text());
    expect(html).toContain("Tuesday: 11:00–14:00 overlaps 09:00–12:00.");
    expect(html).toContain("Thursday: End must be after start.");
    expect(html).toContain("Friday: Start must be a time like 09:00.");
    expect(html).toContain("Choose a time zone from the list");
    expect(html).toMatch(/id="field-day-2-start-1"[^>]*aria-invalid="true"/);
    expect(html).toMatch(/aria-describedby="day-2-start-1-errors"/);
    // The submitted values come back for correction.
    expect(html).toContain('value="11:00"');
    const after = await db((tx) => tx.select().from(availabilityRules).where(eq(availabilityRules.providerId, ids.providerB)));
    expect(after).toHaveLength(before.length);
  });

  it("adds a row without JavaScript (nothing saved) and validates with the domain's own rules", async () => {
    const response = await post("/provider/schedule", people.bo, { ...weekly({ "day-6-start-0": "10:00", "day-6-end-0": "14:00" }), intent: "weekly:add:6" });
    expect(response.status).toBe(200);
    const html = decode(await response.text());
    expect(html).toContain('name="day-6-start-1"');
    expect(html).toContain("Not saved yet");
    // Touching ranges are fine; the pure validator agrees with the engine.
    const draft = weeklyDraftFrom("Europe/London", [
      { weekday: 1, start: "09:00", end: "12:00" },
      { weekday: 1, start: "12:00", end: "24:00" },
    ]);
    expect(validateWeeklyDraft(draft)).toMatchObject({ ok: true, rules: [{ weekday: 1, start: "09:00", end: "12:00" }, { weekday: 1, start: "12:00", end: "24:00" }] });
  });

  it("adds, lists and deletes date overrides (closed day, custom hours) and refuses bad ones", async () => {
    const zoneToday = Temporal.Now.instant().toZonedDateTimeISO("Europe/London").toPlainDate();
    const closed = zoneToday.add({ days: 20 }).toString();
    const custom = zoneToday.add({ days: 21 }).toString();
    expect((await post("/provider/schedule", people.bo, { intent: "override:add", overrideDate: closed, overrideKind: "closed", overrideReason: "Holiday" })).status).toBe(302);
    expect(
      (await post("/provider/schedule", people.bo, { intent: "override:add", overrideDate: custom, overrideKind: "hours", overrideStart: "10:00", overrideEnd: "13:00" })).status,
    ).toBe(302);
    const overlapping = await post("/provider/schedule", people.bo, { intent: "override:add", overrideDate: custom, overrideKind: "hours", overrideStart: "12:00", overrideEnd: "15:00" });
    expect(overlapping.status).toBe(400);
    expect(decode(await overlapping.text())).toContain("overlap 10:00–13:00");
    const past = await post("/provider/schedule", people.bo, { intent: "override:add", overrideDate: "2020-01-01", overrideKind: "closed" });
    expect(past.status).toBe(400);
    expect(decode(await past.text())).toContain("The date is in the past.");

    const rows = await db((tx) => tx.select().from(availabilityOverrides).where(eq(availabilityOverrides.providerId, ids.providerB)).orderBy(asc(availabilityOverrides.date)));
    expect(rows.map((r) => [r.date, r.startTime, r.endTime, r.reason])).toEqual([
      [closed, null, null, "Holiday"],
      [custom, "10:00:00", "13:00:00", ""],
    ]);
    const html = decode(await (await get("/provider/schedule", people.bo)).text());
    expect(html).toContain("Holiday");
    expect(html).toContain("10:00–13:00");

    // Another provider cannot delete it (404), the owner can.
    expect((await post("/provider/schedule", people.ana, { intent: "override:delete", overrideId: rows[0]!.id })).status).toBe(404);
    expect((await post("/provider/schedule", people.bo, { intent: "override:delete", overrideId: rows[0]!.id })).status).toBe(302);
    const left = await db((tx) => tx.select().from(availabilityOverrides).where(eq(availabilityOverrides.providerId, ids.providerB)));
    expect(left.map((r) => r.date)).toEqual([custom]);
  });
});

describe("services editor", () => {
  const serviceFields = (overrides: Record<string, string> = {}): Array<[string, string]> =>
    Object.entries({
      intent: "save",
      name: `Colour ${suffix}`,
      description: "Full colour",
      category: "Hair",
      durationMinutes: "90",
      price: "55.5",
      currency: "usd",
      bufferBeforeMinutes: "0",
      bufferAfterMinutes: "15",
      slotIntervalMinutes: "30",
      minNoticeMinutes: "120",
      bookingWindowDays: "30",
      requiresApproval: "on",
      isActive: "on",
      "tier-0-hours": "2",
      "tier-0-percent": "50",
      "tier-1-hours": "48",
      "tier-1-percent": "100",
      ...overrides,
    });

  it('creates a service: price "55.5" is stored as 5550 minor units, tiers sorted into a valid policy', async () => {
    const response = await post("/provider/services/new", people.ana, serviceFields());
    expect(response.status).toBe(302);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/provider\/services\/[0-9a-f-]{36}\?saved=created$/);
    const id = location.split("/").pop()!.split("?")[0]!;
    const [row] = await db((tx) => tx.select().from(services).where(eq(services.id, id)));
    expect(row).toMatchObject({
      providerId: ids.providerA,
      priceAmount: 5550,
      currency: "usd",
      durationMinutes: 90,
      bufferAfterMinutes: 15,
      minNoticeMinutes: 120,
      bookingWindowDays: 30,
      requiresApproval: true,
      isActive: true,
    });
    expect(row!.cancellationPolicy).toEqual({
      tiers: [
        { minHoursBefore: 48, refundPercent: 100 },
        { minHoursBefore: 2, refundPercent: 50 },
      ],
      providerCancellationRefundPercent: 100,
    });
    const edit = decode(await (await get(location, people.ana)).text());
    expect(edit).toContain('value="55.50"');
    expect(edit).toContain("Service created.");
    // The list shows it with the formatted price; another provider cannot open it.
    expect(decode(await (await get("/provider/services", people.ana)).text())).toContain("$55.50");
    expect((await get(`/provider/services/${id}`, people.bo)).status).toBe(404);
    expect((await post(`/provider/services/${id}`, people.bo, serviceFields({ name: "Hijack" }))).status).toBe(404);

    // Edit: deactivate and change the price.
    const saved = await post(`/provider/services/${id}`, people.ana, serviceFields({ price: "60", isActive: "" }).filter(([k]) => k !== "isActive"));
    expect(saved.status).toBe(302);
    const [updated] = await db((tx) => tx.select().from(services).where(eq(services.id, id)));
    expect(updated).toMatchObject({ priceAmount: 6000, isActive: false });
  });

  it("shows field errors (400) for bad input and keeps what was typed", async () => {
    const response = await post(
      "/provider/services/new",
      people.ana,
      serviceFields({ name: "", price: "1.5", currency: "jpy", durationMinutes: "0", "tier-0-hours": "2", "tier-0-percent": "100", "tier-1-hours": "48", "tier-1-percent": "50" }),
    );
    expect(response.status).toBe(400);
    const html = decode(await response.text());
    expect(html).toContain("Name is required.");
    expect(html).toContain("JPY has no minor unit");
    expect(html).toContain("Duration must be at least 1 minute.");
    expect(html).toContain("cancelling later cannot refund more than cancelling earlier");
    expect(html).toMatch(/id="field-price"[^>]*aria-invalid="true"/);
    expect(html).toContain('aria-describedby="field-price-hint field-price-error"');
    expect(html).toContain('value="1.5"');
    const created = await db((tx) => tx.select().from(services).where(and(eq(services.providerId, ids.providerA), eq(services.name, ""))));
    expect(created).toHaveLength(0);
  });

  it("refuses a price below the card minimum (it could never be paid), and takes 0 as a free service", async () => {
    const tooSmall = await post("/provider/services/new", people.ana, serviceFields({ name: "Tiny", price: "0.30" }));
    expect(tooSmall.status).toBe(400);
    expect(decode(await tooSmall.text())).toContain("Price must be 0 (free) or at least $0.50");
    const free = await post("/provider/services/new", people.ana, serviceFields({ name: "Free intro call", price: "0" }));
    expect(free.status).toBe(302);
    const [row] = await db((tx) => tx.select().from(services).where(and(eq(services.providerId, ids.providerA), eq(services.name, "Free intro call"))));
    expect(row!.priceAmount).toBe(0);
  });

  it("adds a refund tier without JavaScript (nothing saved)", async () => {
    const response = await post("/provider/services/new", people.ana, serviceFields({ intent: "tiers:add" }));
    expect(response.status).toBe(200);
    const html = decode(await response.text());
    expect(html).toContain('name="tier-2-hours"');
    expect(html).toContain("Not saved yet");
  });
});

describe("earnings", () => {
  it("shows balances and the upcoming payout, formatted", async () => {
    const response = await get("/provider/earnings", people.ana);
    expect(response.status).toBe(200);
    const html = decode(await response.text());
    expect(html).toContain("Upcoming payouts");
    expect(html).toContain("$49.50");
    expect(html).toContain('data-testid="payout-row"');
    // A payout held by a dispute says so; Stripe's own error text stays with the admins.
    expect(html).toContain("Held: the customer disputed the payment");
    expect(html).not.toContain("api_error");
    const other = decode(await (await get("/provider/earnings", people.bo)).text());
    expect(other).not.toContain("$49.50");
  });
});

describe("upcoming bookings page", () => {
  it("links each booking to its detail page", async () => {
    const html = decode(await (await get("/provider", people.ana)).text());
    expect(html).toContain(`/provider/bookings/${codes.early}`);
    const ids = await db((tx) => tx.select({ id: bookings.id }).from(bookings).where(inArray(bookings.confirmationCode, [codes.early!])));
    expect(ids).toHaveLength(1);
  });
});
