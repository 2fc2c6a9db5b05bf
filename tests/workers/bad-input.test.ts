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
  it("a details form that lost its start is a 400 naming start, not a 500", async () => {
    const page = await send(`/book/${serviceId}`);
    const csrf = csrfFrom(await page.text());
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0]!;
    const response = await send(`/book/${serviceId}/details?start=2030-01-07T10:00:00Z`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, name: "N", email: "n@example.test" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Please check the form: start: must be an ISO 8601 instant");
  });

  // A page's action answers 429 through Remix, which drops every header but Set-Cookie unless the route
  // keeps it: each limited page must still say when to try again.
  it.each([
    ["the slot page (hold attempts)", "", HOLD_ATTEMPTS.limit, { start: "soon" }, "Too many attempts from your network"],
    ["the details page (booking attempts)", "/details?start=2030-01-07T10:00:00Z", BOOKING_ATTEMPTS.limit, { name: "N", email: "n@example.test" }, "Too many booking attempts from your network"],
  ])("%s answers the attempt over its limit with 429 and Retry-After", async (_name, step, limit, fields, message) => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}-${suffix}-${step.length}`;
    const page = await send(`/book/${serviceId}`);
    const csrf = csrfFrom(await page.text());
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0]!;
    const attempt = () =>
      send(`/book/${serviceId}${step}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": ip },
        body: new URLSearchParams({ csrf, ...fields }),
      });
    for (let i = 0; i < limit; i++) expect((await attempt()).status).toBe(400); // no start in the form: refused, but counted
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain(message);
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

describe("text Postgres cannot store, and instants outside the supported years", () => {
  const fieldOf = async (response: Response) => ((await response.json()) as { error: { code: string; fields: Array<{ path: string }> } }).error;

  it.each([
    ["/?q=a%00b", "q"],
    ["/?category=%00", "category"],
  ])("page GET %s → 400 naming %s", async (path, field) => {
    const response = await send(path);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(new RegExp(`^${field}: must not contain NUL`));
  });

  it("the API names the query parameter or JSON field, also for a lone surrogate", async () => {
    const search = await send("/api/v1/providers?q=a%00b");
    expect(search.status).toBe(400);
    expect(await fieldOf(search)).toMatchObject({ code: "VALIDATION", fields: [{ path: "q" }] });
    const booking = await send("/api/v1/bookings", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `nul-${suffix}` },
      // "\ud800" is a lone high surrogate once JSON.parse has read it.
      body: `{"serviceId":"${serviceId}","providerId":"${providerId}","start":"2030-01-07T10:00:00Z","timeZone":"Europe/Paris","customer":{"name":"Ann\\ud800","email":"a@example.test","notes":"x"}}`,
    });
    expect(booking.status).toBe(400);
    expect(await fieldOf(booking)).toMatchObject({ fields: [{ path: "customer.name" }] });
  });

  it("a form field with a NUL byte is a 400 naming it, before the action runs", async () => {
    const response = await send("/sign-up", {
      method: "POST",
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "Nul\u0000Name", email: `nul-${suffix}@example.test`, password: "correct horse battery staple" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("name: must not contain NUL characters or unpaired surrogates");
  });

  it.each([
    ["from=9999-12-28&to=9999-12-31", "from"],
    ["from=0001-01-01&to=0001-01-05", "from"],
    ["from=%2B275760-09-13T00:00:00Z&to=%2B275760-09-13T01:00:00Z", "from"],
    ["from=2030-01-01&to=2200-01-02", "to"],
  ])("availability with %s → 400 naming %s", async (query, field) => {
    const response = await send(`/api/v1/providers/${providerId}/availability?serviceId=${serviceId}&${query}`);
    expect(response.status).toBe(400);
    const error = await fieldOf(response);
    expect(error.fields.map((f) => f.path)).toContain(field);
  });

  it.each([
    `from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z`,
    `from=2030-01-01T00:00:00Z&to=2030-06-01T00:00:00Z`,
  ])("a feed subscription with %s → 400 naming its window (same cap as availability)", async (query) => {
    const response = await send(`/api/v1/providers/${providerId}/events?audience=public&${query}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/"path":"query\.(from|to)"/);
  });

  it.each(["9999-12-31", "0001-01-01", "2199-12-31"])("the slot page with date=%s answers, showing the nearest supported week", async (date) => {
    const response = await send(`/book/${serviceId}?date=${date}`);
    expect(response.status).toBe(200);
  });
});

describe("Postgres unreachable", () => {
  // The same stack with DATABASE_URL pointing at a port nothing listens on: the proxy's connection is
  // refused, exactly what a Worker sees while Postgres is down or failing over.
  const downEnv = () => {
    const url = new URL(config.DATABASE_URL);
    url.port = "1";
    return { ...(env as unknown as Record<string, unknown>), DATABASE_URL: url.toString() };
  };
  const sendDown = async (path: string) => {
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const { default: entry } = await import("../../workers/entry");
    return entry.fetch!(new Request(`${origin}${path}`, { headers: { host: "example.test" } }) as never, downEnv() as never, ctx);
  };

  it("the API answers 503 UNAVAILABLE with Retry-After, not 500", async () => {
    const response = await sendDown("/api/v1/providers");
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
  });

  it("a page answers 503 with Retry-After and a page that tries again by itself", async () => {
    const response = await sendDown("/");
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    const html = await response.text();
    expect(html).toContain("Back in a moment");
    expect(html).toContain('http-equiv="refresh"');
  });
});

describe("Stripe failing", () => {
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${config.STRIPE_API_BASE}/_standin${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });

  it("while Stripe answers 500 a booking is still made, its payment step is a 502 with Retry-After, and it works once Stripe is back", async () => {
    const day = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
    const availability = await send(`/api/v1/providers/${providerId}/availability?serviceId=${serviceId}&from=${day}&to=${day}&timeZone=Europe/Paris`);
    const start = ((await availability.json()) as { slots: Array<{ start: string }> }).slots[3]!.start;
    await control("POST", "/faults", { failNext: { path: "/v1/payment_intents", method: "POST", count: 20, status: 500 } });
    let code = "";
    let token = "";
    try {
      const created = await send("/api/v1/bookings", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `stripe-down-${suffix}`, "cf-connecting-ip": `203.0.113.9-${suffix}` },
        body: JSON.stringify({ serviceId, providerId, start, timeZone: "Europe/Paris", customer: { name: "Stripe Down", email: `down-${suffix}@example.test` } }),
      });
      expect(created.status).toBe(201);
      const body = (await created.json()) as { booking: { code: string; status: string }; manageToken: string; payment: unknown };
      expect(body.booking.status).toBe("pending");
      ({ code } = body.booking);
      token = body.manageToken;
      const payment = await send(`/api/v1/bookings/${code}/payment`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: "{}" });
      expect({ status: payment.status, body: await payment.json() }).toMatchObject({ status: 502, body: { error: { code: "PAYMENT_PROVIDER_UNAVAILABLE" } } });
      expect(Number(payment.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await control("DELETE", "/faults");
    }
    const retried = await send(`/api/v1/bookings/${code}/payment`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: "{}" });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { clientSecret: string }).clientSecret).toMatch(/^pi_/);
  });
});
