/// <reference types="@cloudflare/vitest-plugin/types" />
// The Worker routes in front of the provider object (workers/api/live.ts), through the Worker's fetch:
// feed authorization, the audience header boundary, validation, and the hold routes that need no Postgres.
import { describe, expect, it } from "vitest";
import { AUDIENCE_HEADER } from "../../durable-objects/live-messages";
import { withDatabase } from "../../db/client";
import { users } from "../../db/schema";
import { SESSION_COOKIE, signSession } from "../../workers/auth/session";
import { SECRET, SocketClient, SseReader, bookingChange, holdInput, newProvider, testEnv, workerFetch } from "./provider-schedule.helpers";
import { signedInCookie } from "./support";

const SESSION_SECRET = "test-session-secret-test-session-secret"; // vitest.workers.config.mts

/** A live session of a new user with `role` (needs Postgres: sessions are rows). */
async function cookieFor(role: "admin" | "provider" | "customer"): Promise<string> {
  const config = { DATABASE_URL: testEnv.DATABASE_URL ?? "", NEON_WS_PROXY: testEnv.NEON_WS_PROXY, SESSION_SECRET };
  const [user] = await withDatabase(config, (db) => db.insert(users).values({ email: `${crypto.randomUUID()}@routes.test`, name: `A ${role}`, role }).returning());
  return signedInCookie({ userId: user!.id, role, name: user!.name }, config);
}

const liveUrl = (providerId: string, query = "") => `https://edge-booking.test/api/v1/providers/${providerId}/live${query}`;
const upgrade = { Upgrade: "websocket" };

describe("GET /api/v1/providers/:providerId/live", () => {
  it("refuses the provider audience without a session (401) and for a customer (403)", async () => {
    const { id } = await newProvider();
    const anonymous = await workerFetch(liveUrl(id, "?audience=provider"), { headers: upgrade });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    // Claiming the audience through the internal header does not help either.
    const sneaky = await workerFetch(liveUrl(id, "?audience=provider"), { headers: { ...upgrade, [AUDIENCE_HEADER]: "provider" } });
    expect(sneaky.status).toBe(401);
    const forged = await workerFetch(liveUrl(id, "?audience=provider"), {
      headers: { ...upgrade, cookie: `${SESSION_COOKIE}=${(await signSession({ sid: crypto.randomUUID(), userId: crypto.randomUUID(), role: "admin", name: "x" }, { secrets: ["another-secret-another-secret-another"] })).replace(/=/g, "%3D")}` },
    });
    expect(forged.status).toBe(401);
  });

  it.skipIf(!testEnv.DATABASE_URL)("refuses a customer session (403) (needs Postgres)", async () => {
    const { id } = await newProvider();
    const customer = await workerFetch(liveUrl(id, "?audience=provider"), { headers: { ...upgrade, cookie: await cookieFor("customer") } });
    expect(customer.status).toBe(403);
  });

  it.skipIf(!testEnv.DATABASE_URL)("accepts an admin session and serves the provider audience (needs Postgres)", async () => {
    const { id, stub } = await newProvider();
    await stub.bookingChanged(bookingChange("booked", "bk-1", 60));
    const ws = await SocketClient.open(await workerFetch(liveUrl(id, "?audience=provider"), { headers: { ...upgrade, cookie: await cookieFor("admin") } }));
    const [snapshot] = await ws.take(1);
    expect(snapshot.items[0].booking.customerName).toBe(SECRET.customerName);
    await stub.bookingChanged(bookingChange("cancelled", "bk-1", 60));
    expect((await ws.take(1))[0]).toMatchObject({ type: "slot.cancelled", booking: { confirmationCode: SECRET.confirmationCode } });
    ws.close();
  });

  it.skipIf(!testEnv.DATABASE_URL)("refuses a provider session for someone else's provider (needs Postgres)", async () => {
    const { id } = await newProvider();
    const res = await workerFetch(liveUrl(id, "?audience=provider"), { headers: { ...upgrade, cookie: await cookieFor("provider") } });
    expect(res.status).toBe(403);
  });

  it("a public caller forging the internal audience header still gets the public feed", async () => {
    const { id, stub } = await newProvider();
    await stub.bookingChanged(bookingChange("booked", "bk-1", 60));
    const ws = await SocketClient.open(await workerFetch(liveUrl(id), { headers: { ...upgrade, [AUDIENCE_HEADER]: "provider" } }));
    const [snapshot] = await ws.take(1);
    expect(snapshot.items).toEqual([{ kind: "booking", interval: expect.any(Object) }]);
    await stub.bookingChanged(bookingChange("cancelled", "bk-1", 60));
    await ws.take(1);
    expect(ws.raw.join("")).not.toContain(SECRET.customerName);
    ws.close();
  });

  it("validates the request: 426 without upgrade, 400 naming bad query fields, 404 for a non-id", async () => {
    const { id } = await newProvider();
    expect((await workerFetch(liveUrl(id))).status).toBe(426);
    const bad = await workerFetch(liveUrl(id, "?audience=everyone&from=tomorrow&since=-3"), { headers: upgrade });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { fields: { path: string }[] } };
    expect(body.error.fields.map((f) => f.path).sort()).toEqual(["query.audience", "query.from", "query.since"]);
    expect((await workerFetch(liveUrl("not-a-provider"), { headers: upgrade })).status).toBe(404);
  });
});

describe("GET /api/v1/providers/:providerId/events (SSE)", () => {
  it("streams the public feed, and applies the same authorization as the socket", async () => {
    const { id, stub } = await newProvider();
    const url = `https://edge-booking.test/api/v1/providers/${id}/events`;
    expect((await workerFetch(`${url}?audience=provider`)).status).toBe(401);
    const res = await workerFetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const sse = new SseReader(res);
    expect((await sse.take(1))[0].type).toBe("snapshot");
    await stub.scheduleChanged();
    expect((await sse.take(1))[0]).toMatchObject({ type: "schedule.changed", seq: 1 });
    await sse.cancel();

    const admin = new SseReader(await workerFetch(`${url}?audience=provider&since=0`, { headers: { cookie: await cookieFor("admin") } }));
    expect((await admin.take(1))[0]).toMatchObject({ type: "schedule.changed", seq: 1 });
    await admin.cancel();
  });
});

describe("hold routes", () => {
  const holdsUrl = (id: string, rest = "") => `https://edge-booking.test/api/v1/providers/${id}/holds${rest}`;
  const TOKEN = "tok_0123456789abcdef";

  it("GET lists live holds publicly: count and intervals, no holder", async () => {
    const { id, stub } = await newProvider();
    await stub.hold(holdInput(TOKEN, 60));
    const res = await workerFetch(holdsUrl(id));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { count: number; holds: unknown[] };
    expect(body.count).toBe(1);
    expect(Object.keys(body.holds[0] as object).sort()).toEqual(["end", "occupiedFrom", "occupiedUntil", "start"]);
    expect(JSON.stringify(body)).not.toContain(TOKEN);
  });

  it("POST rejects bad input with 400 naming every field (before touching Postgres)", async () => {
    const { id } = await newProvider();
    const res = await workerFetch(holdsUrl(id), { method: "POST", body: JSON.stringify({ serviceId: "nope", start: "soon", holderToken: "short" }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { fields: { path: string }[] } };
    expect(body.error.fields.map((f) => f.path).sort()).toEqual(["holderToken", "serviceId", "start"]);
  });

  it("DELETE and extend need the holder token: 400 without, 403 wrong, 404 unknown, then 200", async () => {
    const { id, stub } = await newProvider();
    const held = await stub.hold(holdInput(TOKEN, 60, { ttl: 60 }));
    if (!held.ok) throw new Error("hold refused");
    const one = holdsUrl(id, `/${held.hold.id}`);
    expect((await workerFetch(one, { method: "DELETE" })).status).toBe(400);
    expect((await workerFetch(one, { method: "DELETE", headers: { "x-holder-token": "tok_wrongwrongwrong00" } })).status).toBe(403);
    expect((await workerFetch(holdsUrl(id, "/missing"), { method: "DELETE", headers: { "x-holder-token": TOKEN } })).status).toBe(404);

    const extended = await workerFetch(`${one}/extend`, { method: "POST", body: JSON.stringify({ holderToken: TOKEN, ttlSeconds: 300 }) });
    expect(extended.status).toBe(200);
    const { hold } = (await extended.json()) as { hold: { expiresAt: string } };
    expect(Date.parse(hold.expiresAt)).toBeGreaterThan(Date.parse(held.hold.expiresAt));

    const released = await workerFetch(one, { method: "DELETE", headers: { "x-holder-token": TOKEN } });
    expect(released.status).toBe(200);
    expect(await stub.liveHoldCount()).toBe(0);
  });
});
