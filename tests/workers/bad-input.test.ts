// Bad input anywhere gets a 4xx that says what is wrong, never a 500: pages and API alike.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { BOOKING_ATTEMPTS, HOLD_ATTEMPTS } from "../../workers/auth/client-budget";
import { loadConfig } from "../../workers/env";
import { csrfFrom } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const worker = () => (exports as unknown as { default: Fetcher }).default;
const origin = "http://example.test";
const suffix = crypto.randomUUID().slice(0, 8);
const unknownId = "00000000-0000-4000-8000-000000000000";
let providerId = "";
let serviceId = "";

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const [user] = await db.insert(users).values({ email: `bad-input-${suffix}@example.test`, name: "P", role: "provider" }).returning();
    const [provider] = await db.insert(providers).values({ userId: user!.id, slug: `bad-input-${suffix}`, displayName: "Bad input", timeZone: "Europe/Paris" }).returning();
    providerId = provider!.id;
    const [service] = await db
      .insert(services)
      .values({ providerId, name: "S", category: "Testing", durationMinutes: 30, priceAmount: 1000, currency: "eur", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    serviceId = service!.id;
    await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId, weekday, startTime: "09:00", endTime: "17:00" })));
  });
});

const send = (path: string, init: RequestInit = {}) => worker().fetch(new Request(`${origin}${path}`, { ...init, headers: { host: "example.test", ...(init.headers ?? {}) } }));

describe("pages", () => {
  it.each([
    ["/book/not-a-uuid", 404],
    [`/book/${unknownId}`, 404],
    ["/bookings/ZZZZ-ZZZZ", 404],
    ["/bookings/!!!/calendar.ics", 404],
    ["/manage/nope?token=garbage", 404],
    ["/providers/nobody-here", 404],
  ])("GET %s → %i", async (path, status) => {
    expect((await send(path)).status).toBe(status);
  });

  it("a slot page with an unreadable date or zone falls back instead of failing", async () => {
    const response = await send(`/book/${serviceId}?date=2026-13-45&tz=Not/AZone`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Europe/Paris");
  });

  it("holding with a start that is not an instant is a 400 naming start", async () => {
    const page = await send(`/book/${serviceId}`);
    const csrf = csrfFrom(await page.text());
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0]!;
    const response = await send(`/book/${serviceId}`, {
      method: "POST",
      headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, start: "yesterday-ish" }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain("start: choose one of the offered times");
  });
});

describe("JSON API", () => {
  it.each([
    ["GET", "/api/v1/providers/not-a-uuid/availability?serviceId=x&from=2026-01-01&to=2026-01-02", undefined, 400],
    ["GET", `/api/v1/providers/${unknownId}/availability?serviceId=${unknownId}&from=2026-01-01&to=2026-01-02`, undefined, 404],
    ["POST", "/api/v1/bookings", "{not json", 400],
    ["POST", "/api/v1/bookings", JSON.stringify({ serviceId: 7, start: "soon" }), 400],
    ["POST", `/api/v1/providers/${unknownId}/holds`, JSON.stringify({ serviceId: "x", start: "y", holderToken: "short" }), 400],
    ["GET", "/api/v1/bookings/%E0%A4%A", undefined, 400],
    ["POST", "/api/v1/webhooks/stripe", "{}", 400],
  ])("%s %s with body %s → %i and a message", async (method, path, body, status) => {
    const response = await send(path, { method, body, headers: { "content-type": "application/json" } });
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(json.error.message.length).toBeGreaterThan(0);
  });

  it("limits hold attempts per client IP, like the booking pages", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}-${suffix}`;
    const attempt = () =>
      send(`/api/v1/providers/${providerId}/holds`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": ip },
        body: JSON.stringify({ serviceId: unknownId, start: "2030-01-07T10:00:00Z", holderToken: `holder-token-${suffix}` }),
      });
    for (let i = 0; i < HOLD_ATTEMPTS.limit; i++) expect((await attempt()).status).toBe(404);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toContain("Too many hold attempts");
  });

  it("limits booking attempts per client IP, like the details page", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${suffix}`;
    const attempt = () =>
      send("/api/v1/bookings", { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify({ serviceId: "nope" }) });
    for (let i = 0; i < BOOKING_ATTEMPTS.limit; i++) expect((await attempt()).status).toBe(400);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "RATE_LIMITED" });
  });

  it("names every bad field of a booking request", async () => {
    const response = await send("/api/v1/bookings", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `bad-${suffix}` },
      body: JSON.stringify({ serviceId, providerId, start: "2026-02-30T10:00", timeZone: "Mars/Olympus", customer: { email: "not-an-email" } }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { fields: Array<{ path: string }> } };
    expect(error.fields.map((f) => f.path)).toEqual(expect.arrayContaining(["start", "timeZone", "customer.email"]));
  });
});
