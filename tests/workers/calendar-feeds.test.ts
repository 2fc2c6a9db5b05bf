// Calendar subscription feeds through the Worker's real fetch handler inside workerd, against the test
// Postgres: a provider creates the address on the calendar page, a calendar app (no cookie) reads
// the provider's bookings from it, with cancellations as STATUS:CANCELLED and a 304 when nothing
// changed; replacing the address kills the old one, turning it off kills both; a customer's feed
// lists only their own bookings; the forms need the CSRF token.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase, type Database } from "../../db/client";
import { bookings, calendarFeeds, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { loadConfig } from "../../workers/env";
import { fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const db = <T,>(fn: (db: Database) => Promise<T>) => withDatabase(config, fn);

const who = { provider: { id: "", cookie: "", csrf: `csrf-feed-provider-${suffix}-0123` }, customer: { id: "", cookie: "", csrf: `csrf-feed-customer-${suffix}-0123` } };
const ids = { provider: "" };
const codes = { confirmed: `FEED-C-${suffix}`, cancelled: `FEED-X-${suffix}`, otherCustomer: `FEED-O-${suffix}`, elsewhere: `FEED-E-${suffix}`, old: `FEED-P-${suffix}` };

beforeAll(async () => {
  await db(async (tx) => {
    const [providerUser] = await tx.insert(users).values({ email: `feed-p-${suffix}@example.test`, name: "Fiona Feed", role: "provider" }).returning();
    const [customer] = await tx.insert(users).values({ email: `feed-c-${suffix}@example.test`, name: "Cal Customer", role: "customer" }).returning();
    const [stranger] = await tx.insert(users).values({ email: `feed-s-${suffix}@example.test`, name: "Sam Stranger", role: "customer" }).returning();
    const [otherProviderUser] = await tx.insert(users).values({ email: `feed-o-${suffix}@example.test`, name: "Otto Other", role: "provider" }).returning();
    who.provider.id = providerUser!.id;
    who.customer.id = customer!.id;
    const studio = async (slug: string, name: string, userId: string) => {
      const [p] = await tx.insert(providers).values({ userId, slug, displayName: name, timeZone: "Europe/Berlin" }).returning();
      const [s] = await tx
        .insert(services)
        .values({ providerId: p!.id, name: `Massage ${slug}`, category: "Wellness", durationMinutes: 60, priceAmount: 5000, currency: "eur", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
        .returning();
      return { providerId: p!.id, serviceId: s!.id, timeZone: "Europe/Berlin" };
    };
    const mine = await studio(`feed-${suffix}`, `Feed Studio ${suffix}`, providerUser!.id);
    const other = await studio(`feed-other-${suffix}`, `Other Studio ${suffix}`, otherProviderUser!.id);
    ids.provider = mine.providerId;
    const inDays = (days: number, hour = 10) => new Date(Date.now() + days * 24 * 3600_000 + hour * 3600_000);
    const row = (fixture: typeof mine, code: string, startsAt: Date, overrides: Parameters<typeof pageTestBookingRow>[3]) =>
      pageTestBookingRow(fixture, startsAt, 60, { confirmationCode: code, idempotencyKey: `feed-${code}`, customerName: "Cal Customer", customerEmail: customer!.email, customerId: customer!.id, ...overrides });
    await tx.insert(bookings).values([
      row(mine, codes.confirmed, inDays(3), { status: "confirmed", notes: "Allergic to lavender; use the unscented oil" }),
      row(mine, codes.cancelled, inDays(4), { status: "cancelled", icsSequence: 1 }),
      row(mine, codes.otherCustomer, inDays(5), { status: "confirmed", customerId: stranger!.id, customerName: "Sam Stranger", customerEmail: stranger!.email }),
      row(other, codes.elsewhere, inDays(6), { status: "confirmed" }),
      // Older than the feed's 90 days of history.
      row(mine, codes.old, inDays(-120), { status: "completed" }),
    ]);
  });
  who.provider.cookie = await signedInCookie({ userId: who.provider.id, role: "provider", name: "Fiona Feed", csrf: who.provider.csrf }, config);
  who.customer.cookie = await signedInCookie({ userId: who.customer.id, role: "customer", name: "Cal Customer", csrf: who.customer.csrf }, config);
});

type Person = (typeof who)["provider"];

function post(path: string, person: Person, intent: string, csrf: string | null = person.csrf) {
  const body = new URLSearchParams({ intent, ...(csrf === null ? {} : { csrf }) });
  return fetchWorker(path, {
    method: "POST",
    headers: { cookie: person.cookie, "content-type": "application/x-www-form-urlencoded", origin: "http://example.test" },
    body: body.toString(),
  });
}

/** The feed address the page shows, or null. */
async function addressOn(path: string, person: Person): Promise<string | null> {
  const response = await fetchWorker(path, { headers: { cookie: person.cookie } });
  expect(response.status).toBe(200);
  const match = (await response.text()).match(/data-testid="calendar-feed-url"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*data-testid="calendar-feed-url"/);
  return match ? (match[1] ?? match[2])!.replace(/&amp;/g, "&") : null;
}

/** What a calendar app gets: no cookie, the path of the address. */
function poll(address: string, headers: Record<string, string> = {}) {
  return fetchWorker(new URL(address).pathname, { headers });
}

function unfold(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, "").split("\r\n");
}

describe("a provider's calendar feed", () => {
  let address = "";

  it("is created from the calendar page (CSRF required) and shown there", async () => {
    expect(await addressOn("/provider/calendar", who.provider)).toBeNull();
    expect((await post("/provider/calendar", who.provider, "calendar-feed-create", null)).status).toBe(403);
    expect(await addressOn("/provider/calendar", who.provider)).toBeNull();
    expect((await post("/provider/calendar", who.provider, "calendar-feed-sideways")).status).toBe(400);

    const created = await post("/provider/calendar", who.provider, "calendar-feed-create");
    expect(created.status).toBe(200);
    expect(await created.text()).toContain("Your calendar address is ready");
    address = (await addressOn("/provider/calendar", who.provider))!;
    expect(address).toMatch(/^https:\/\/booking\.example\.com\/feeds\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{43}\/calendar\.ics$/);
    // A second create (a double click) keeps the same address.
    await post("/provider/calendar", who.provider, "calendar-feed-create");
    expect(await addressOn("/provider/calendar", who.provider)).toBe(address);
  });

  it("lists the provider's bookings for a calendar app without a cookie, cancellations as CANCELLED", async () => {
    const response = await poll(address);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("private");
    const lines = unfold(await response.text());
    expect(lines).toContain(`X-WR-CALNAME:Feed Studio ${suffix}: bookings (Edge Booking)`);
    const summaries = lines.filter((l) => l.startsWith("SUMMARY:"));
    expect(summaries).toEqual([`SUMMARY:Massage feed-${suffix}: Cal Customer`, `SUMMARY:Massage feed-${suffix}: Cal Customer`, `SUMMARY:Massage feed-${suffix}: Sam Stranger`]);
    const text = lines.join("\n");
    expect(text).toContain("STATUS:CONFIRMED");
    expect(text).toMatch(/SEQUENCE:1\nDTSTAMP:[0-9TZ]+\nDTSTART:[0-9TZ]+\nDTEND:[0-9TZ]+\nSUMMARY:[^\n]+\nDESCRIPTION:Confirmation code FEED-X-/);
    expect(text).toContain("STATUS:CANCELLED");
    expect(text).toContain("Notes: Allergic to lavender\\; use the unscented oil");
    expect(text).toContain(`URL:https://booking.example.com/provider/bookings/${codes.confirmed}`);
    expect(text).not.toContain(codes.elsewhere);
    expect(text).not.toContain(codes.old);

    const [feed] = await db((tx) => tx.select().from(calendarFeeds).where(eq(calendarFeeds.providerId, ids.provider)));
    expect(feed!.lastFetchedAt).not.toBeNull();
  });

  it("answers 304 to the ETag it gave while nothing changed, and 200 with a new body after a change", async () => {
    const first = await poll(address);
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await poll(address, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");

    await db((tx) => tx.update(bookings).set({ status: "cancelled", icsSequence: 1, updatedAt: new Date() }).where(eq(bookings.confirmationCode, codes.otherCustomer)));
    const changed = await poll(address, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(unfold(await changed.text()).filter((l) => l === "STATUS:CANCELLED")).toHaveLength(2);
  });

  it("a replaced address stops working at once; turning it off ends the new one too", async () => {
    const replaced = await post("/provider/calendar", who.provider, "calendar-feed-replace");
    expect(await replaced.text()).toContain("The old one no longer works");
    const next = (await addressOn("/provider/calendar", who.provider))!;
    expect(next).not.toBe(address);
    const old = await poll(address);
    expect(old.status).toBe(404);
    expect(await old.text()).toContain("does not exist or was replaced");
    expect((await poll(next)).status).toBe(200);

    expect(await (await post("/provider/calendar", who.provider, "calendar-feed-revoke")).text()).toContain("turned off");
    expect(await addressOn("/provider/calendar", who.provider)).toBeNull();
    expect((await poll(next)).status).toBe(404);
    const live = await db((tx) => tx.select().from(calendarFeeds).where(eq(calendarFeeds.providerId, ids.provider)));
    expect(live.map((f) => f.revokedAt !== null)).toEqual([true, true]);
  });

  it("a tampered address is a 404 like any other, and says nothing about the feed", async () => {
    await post("/provider/calendar", who.provider, "calendar-feed-create");
    const address = (await addressOn("/provider/calendar", who.provider))!;
    const url = new URL(address);
    const [, , feedId, token] = url.pathname.split("/");
    const flipped = `${token!.slice(0, 5)}${token![5] === "A" ? "B" : "A"}${token!.slice(6)}`;
    // The last character carries 4 bits of the token and 2 unused ones: flipping an unused bit
    // decodes to the same bytes, and must still not be a second address for the feed.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const paddingTwin = `${token!.slice(0, -1)}${alphabet[alphabet.indexOf(token!.at(-1)!) ^ 1]}`;
    for (const path of [`/feeds/${feedId}/${flipped}/calendar.ics`, `/feeds/${feedId}/${paddingTwin}/calendar.ics`, `/feeds/${crypto.randomUUID()}/${token}/calendar.ics`, `/feeds/not-a-uuid/${token}/calendar.ics`]) {
      const response = await fetchWorker(path);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("does not exist or was replaced");
    }
  });
});

describe("a customer's calendar feed", () => {
  it("lists only the customer's own bookings, at every provider, from the account page", async () => {
    // Two creates at once (a double click) make one address, not one made and one revoked.
    const created = await Promise.all([post("/account", who.customer, "calendar-feed-create"), post("/account", who.customer, "calendar-feed-create")]);
    expect(created.map((r) => r.status)).toEqual([200, 200]);
    const rows = await db((tx) => tx.select().from(calendarFeeds).where(eq(calendarFeeds.userId, who.customer.id)));
    expect(rows.map((f) => f.revokedAt)).toEqual([null]);
    const address = (await addressOn("/account", who.customer))!;
    const lines = unfold(await (await poll(address)).text());
    expect(lines).toContain("X-WR-CALNAME:My bookings (Edge Booking)");
    const text = lines.join("\n");
    expect(text).toContain(`Confirmation code ${codes.confirmed}`);
    expect(text).toContain(`Confirmation code ${codes.elsewhere}`);
    expect(text).not.toContain(codes.otherCustomer);
    expect(text).toContain(`URL:https://booking.example.com/bookings/${codes.confirmed}`);
    expect(text).toContain(`LOCATION:Other Studio ${suffix}`);
    // The provider's private notes are for the provider.
    expect(text).not.toContain("lavender");
  });
});
