// The manage page asks before it changes anything: ?confirm=cancel states the refund the server
// computes then and ?confirm=reschedule the move old → new (plain GETs, so no JavaScript is needed),
// and only the confirmation's POST cancels; the result states the refund actually decided, also when
// it differs from the one the customer confirmed.
import { Temporal } from "@js-temporal/polyfill";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, bookings, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { loadConfig } from "../../workers/env";
import { fetchWorker, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const email = `confirm-guest-${suffix}@example.test`;
const ZONE = "Europe/London";

let code = "";
let manageToken = "";
let cookie = "";
const csrf = `csrf-confirm-${suffix}-0123456789`;
const start = Temporal.Now.zonedDateTimeISO(ZONE).toPlainDate().add({ days: 5 }).toZonedDateTime({ timeZone: ZONE, plainTime: "10:00" });

beforeAll(async () => {
  let providerId = "";
  let serviceId = "";
  await withDatabase(config, async (db) => {
    const [providerUser] = await db.insert(users).values({ email: `confirm-provider-${suffix}@example.test`, name: "P", role: "provider" }).returning();
    const [provider] = await db.insert(providers).values({ userId: providerUser!.id, slug: `confirm-${suffix}`, displayName: `Confirm ${suffix}`, timeZone: ZONE }).returning();
    providerId = provider!.id;
    const [service] = await db
      .insert(services)
      .values({ providerId, name: `Confirm service ${suffix}`, category: "Testing", durationMinutes: 60, priceAmount: 4000, currency: "gbp", minNoticeMinutes: 0, cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    serviceId = service!.id;
    await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId, weekday, startTime: "09:00", endTime: "17:00" })));
    const [user] = await db.insert(users).values({ email, name: "Guest", role: "customer" }).returning();
    cookie = await signedInCookie({ userId: user!.id, role: "customer", name: "Guest", csrf }, config);
  });
  const response = await fetchWorker("/api/v1/bookings", {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `confirm-${suffix}` },
    body: JSON.stringify({ serviceId, providerId, start: start.toInstant().toString(), timeZone: ZONE, customer: { name: "Guest", email } }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { booking: { code: string }; manageToken: string };
  code = body.booking.code;
  manageToken = body.manageToken;
  // Paid, as after checkout: the refund is then the policy's share of the total.
  await withDatabase(config, (db) => db.update(bookings).set({ status: "confirmed", expiresAt: null }).where(eq(bookings.confirmationCode, code)));
});

// React puts <!-- --> between adjacent text parts; the text a reader sees has none.
const page = async (query = "") => {
  const response = await fetchWorker(`/manage/${code}?token=${manageToken}${query}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return (await response.text()).replace(/<!-- -->/g, "");
};
const statusOf = async () => (await withDatabase(config, (db) => db.select().from(bookings).where(eq(bookings.confirmationCode, code))))[0]!.status;

describe("manage page confirmations", () => {
  it("?confirm=cancel states the refund and changes nothing", async () => {
    const html = await page("&confirm=cancel");
    expect(html).toMatch(/Cancel your booking on [^<]+10:00\? You get back £40\.00 \(full refund\)\./);
    expect(html).toContain("Yes, cancel");
    expect(html).toContain('name="statedRefund" value="4000"');
    expect(await statusOf()).toBe("confirmed");
  });

  it("?confirm=reschedule states the move old → new in the booking's zone", async () => {
    const to = start.add({ days: 1, hours: 4 });
    const html = await page(`&confirm=reschedule&start=${encodeURIComponent(to.toInstant().toString())}`);
    expect(html).toMatch(/Move from [^<]+, 10:00 to [^<]+, 14:00 \(Europe\/London\)\?/);
    expect(html).toContain('name="intent" value="reschedule"');
    expect(await statusOf()).toBe("confirmed");
  });

  it("the cancel states the refund decided then, and says when it differs from the one confirmed", async () => {
    const form = new URLSearchParams({ intent: "cancel", csrf, statedRefund: "2000" });
    const response = await fetchWorker(`/manage/${code}?token=${manageToken}`, {
      method: "POST",
      headers: { cookie, origin: "http://example.test", "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    expect(response.status).toBe(200);
    expect((await response.text()).replace(/<!-- -->/g, "")).toContain("Cancelled. The refund changed since you confirmed: Refunded £40.00 (full refund).");
    expect(["cancelled", "refunded"]).toContain(await statusOf());
    // A later visit still says what was refunded, from the recorded cancellation.
    expect(await page()).toContain("Refunded £40.00 (full refund).");
  });
});
