/// <reference types="@cloudflare/vitest-plugin/types" />
// The provider object and its routes against real Postgres (skipped when DATABASE_URL is empty):
// bookings the mirror never heard of still block holds (asked of Postgres while the mirror is old, from
// the mirror once it is freshly re-read), snapshots are filled from Postgres, the
// provider owner is authorized by providers.user_id, and POST /holds reads service timing from Postgres.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProviderSchedule } from "../../durable-objects/provider-schedule";
import { type Fixture, iso, seed } from "./postgres-fixture";
import { SocketClient, testEnv, workerFetch } from "./provider-schedule.helpers";
import { signedInCookie } from "./support";

const SESSION_SECRET = "test-session-secret-test-session-secret";

describe.skipIf(!testEnv.DATABASE_URL)("with Postgres", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await seed();
  });
  const stub = () => testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(f.providerId));

  it("refuses a hold over a booking only Postgres knows (BOOKED); touching is fine", async () => {
    const hold = (start: string, holder: string) =>
      stub().hold({ holder, serviceId: f.serviceId, start, durationMinutes: 60, bufferBeforeMinutes: 10, bufferAfterMinutes: 10 });
    expect(await hold(iso(f.day, "11:00"), "pg-a")).toMatchObject({ ok: false, reason: "BOOKED" }); // occupies 10:50-12:10
    const touching = await hold(iso(f.day, "11:20"), "pg-a"); // occupies 11:10-12:30
    expect(touching.ok).toBe(true);
    if (touching.ok) expect(await stub().release(touching.hold.id, "pg-a")).toEqual({ ok: true });
  });

  it("once its mirror is freshly re-read, decides holds without asking Postgres, and still refuses what Postgres had", async () => {
    const day = f.day.add({ days: 4 });
    await stub().availability({ serviceId: f.serviceId, from: f.day.toString(), to: day.toString(), timeZone: "UTC" }); // re-reads the mirror
    const answers = await runInDurableObject(stub(), async (instance: ProviderSchedule) => {
      let asked = 0;
      const original = instance.bookedInDatabase;
      instance.bookedInDatabase = async () => {
        asked++;
        throw new Error("Postgres must not be asked while the mirror is fresh");
      };
      try {
        const hold = (start: string, holder: string) =>
          instance.hold({ holder, serviceId: f.serviceId, start, durationMinutes: 60, bufferBeforeMinutes: 10, bufferAfterMinutes: 10 });
        const overBooking = await hold(iso(f.day, "10:30"), "pg-fresh-a");
        const free = await hold(iso(day, "15:00"), "pg-fresh-b");
        if (free.ok) await instance.release(free.hold.id, "pg-fresh-b");
        return { overBooking, free, asked };
      } finally {
        instance.bookedInDatabase = original;
      }
    });
    expect(answers.overBooking).toMatchObject({ ok: false, reason: "BOOKED" });
    expect(answers.free.ok).toBe(true);
    expect(answers.asked).toBe(0);
  });

  it("counts free times of several services in one call, as availability counts them (0 for one not offered)", async () => {
    const day = f.day.toString();
    const unknown = "00000000-0000-4000-8000-000000000000";
    const [counted, single] = await Promise.all([
      stub().freeTimes({ serviceIds: [f.serviceId, unknown], from: day, to: day, timeZone: "UTC" }),
      stub().availability({ serviceId: f.serviceId, from: day, to: day, timeZone: "UTC" }),
    ]);
    expect(single.ok).toBe(true);
    if (!single.ok) return;
    expect(single.result.slots.length).toBeGreaterThan(0);
    expect(counted).toEqual({ ok: true, counts: { [f.serviceId]: single.result.slots.length, [unknown]: 0 }, stale: false });
  });

  it("fills the snapshot from Postgres, with details only for the provider audience", async () => {
    const owner = await signedInCookie({ userId: f.ownerUserId, role: "provider", name: "Owner" }, { DATABASE_URL: testEnv.DATABASE_URL ?? "", NEON_WS_PROXY: testEnv.NEON_WS_PROXY, SESSION_SECRET });
    const url = `https://edge-booking.test/api/v1/providers/${f.providerId}/live`;
    const provider = await SocketClient.open(await workerFetch(`${url}?audience=provider`, { headers: { Upgrade: "websocket", cookie: owner } }));
    const [snapshot] = await provider.take(1);
    expect(snapshot.items).toContainEqual(
      expect.objectContaining({ kind: "booking", interval: expect.objectContaining({ occupiedFrom: f.booking.from }), booking: expect.objectContaining({ confirmationCode: f.booking.code }) }),
    );
    const anonymous = await SocketClient.open(await workerFetch(url, { headers: { Upgrade: "websocket" } }));
    const [pub] = await anonymous.take(1);
    expect(pub.items).toContainEqual({ kind: "booking", interval: expect.objectContaining({ occupiedFrom: f.booking.from }) });
    expect(anonymous.raw.join("")).not.toContain(f.booking.code);
    expect(anonymous.raw.join("")).not.toContain("Zelda");
    provider.close();
    anonymous.close();
  });

  it("POST /holds: 201, 409 HELD for someone else, a new pick replaces the old one, 429 at the network's limit, 409 outside hours, 404 unknown service", async () => {
    const url = `https://edge-booking.test/api/v1/providers/${f.providerId}/holds`;
    const post = (body: unknown) => workerFetch(url, { method: "POST", body: JSON.stringify(body) });
    const mine = "tok_pg_holder_aaaaaaaa";
    const first = await post({ serviceId: f.serviceId, start: iso(f.day, "13:00"), holderToken: mine });
    expect(first.status).toBe(201);
    const { hold } = (await first.json()) as { hold: { id: string; occupiedFrom: string } };
    expect(hold.occupiedFrom).toBe(iso(f.day, "12:50"));
    const clash = await post({ serviceId: f.serviceId, start: iso(f.day, "13:30"), holderToken: "tok_pg_holder_bbbbbbbb" });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { error: { reason: string } }).error.reason).toBe("HELD");
    // Choosing another time for the same service gives up the first one: 13:30 is free for others now.
    expect((await post({ serviceId: f.serviceId, start: iso(f.day, "15:00"), holderToken: mine })).status).toBe(201);
    expect((await post({ serviceId: f.serviceId, start: iso(f.day, "13:30"), holderToken: "tok_pg_holder_bbbbbbbb" })).status).toBe(201);
    expect((await post({ serviceId: f.serviceId, start: iso(f.day, "16:30"), holderToken: "tok_pg_holder_dddddddd" })).status).toBe(201);
    // Three live holds from this network at this provider: a fresh token does not buy a fourth.
    const fourth = await post({ serviceId: f.serviceId, start: iso(f.day, "08:30"), holderToken: "tok_pg_holder_eeeeeeee" });
    expect(fourth.status).toBe(429);
    const refused = (await fourth.json()) as { error: { code: string; retryAfterSeconds: number } };
    expect(refused.error.code).toBe("HOLD_LIMIT_REACHED");
    // When the first of the three expires, without releasing one: at most a hold's lifetime away.
    expect(Number(fourth.headers.get("retry-after"))).toBe(refused.error.retryAfterSeconds);
    expect(refused.error.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.error.retryAfterSeconds).toBeLessThanOrEqual(600);
    const closed = await post({ serviceId: f.serviceId, start: iso(f.day, "20:00"), holderToken: "tok_pg_holder_cccccccc" });
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as { error: { reason: string } }).error.reason).toBe("NOT_BOOKABLE");
    expect((await post({ serviceId: crypto.randomUUID(), start: iso(f.day, "13:00"), holderToken: mine })).status).toBe(404);
  });
});
