/// <reference types="@cloudflare/vitest-plugin/types" />
// The provider object as the hot path's server (skipped without Postgres): it keeps one Postgres
// connection across requests and lets it go when idle, answers availability exactly as the
// Postgres-backed service does, from memory once warm (no round trip), drops its schedule on
// scheduleChanged, answers stale rather than not at all when Postgres is down, and refuses holds with
// 503 + Retry-After then. The Worker's availability route goes through it, and its metrics reach
// Postgres through a MetricsSink without the request opening a connection.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, metricEvents } from "../../db/schema";
import { METRIC_SINK_SHARDS } from "../../durable-objects/metrics-sink";
import type { AvailabilityAnswer, ProviderSchedule } from "../../durable-objects/provider-schedule";
import { WARM_IDLE_MS } from "../../durable-objects/warm-database";
import { loadConfig } from "../../workers/env";
import { getAvailability } from "../../workers/services/availability";
import { type Fixture, iso, seed } from "./postgres-fixture";
import { eventually, sleep, testEnv, workerFetch } from "./provider-schedule.helpers";

const config = () => loadConfig(testEnv);

describe.skipIf(!testEnv.DATABASE_URL)("the provider object on the hot path", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await seed();
  });
  const stub = () => testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(f.providerId));
  const week = () => ({ serviceId: f.serviceId, from: f.day.toString(), to: f.day.add({ days: 6 }).toString(), timeZone: "Europe/Paris" });
  /** Makes every Postgres call of the object fail, as if the database were down; returns the undo. */
  const cutPostgres = (instance: ProviderSchedule) => {
    const warm = instance.warm!;
    const run = warm.run.bind(warm);
    warm.run = () => Promise.reject(new Error("connect ECONNREFUSED (Postgres is down in this test)"));
    return () => {
      warm.run = run;
    };
  };

  it("keeps one connection across requests and closes it after the idle time", async () => {
    const pid = () =>
      runInDurableObject(stub(), (instance: ProviderSchedule) =>
        instance.warm!.run(async (db) => (await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]!.pid),
      );
    const first = await pid();
    const second = await pid();
    expect(second).toBe(first);
    expect(await runInDurableObject(stub(), (instance: ProviderSchedule) => instance.warm!.openConnections)).toBe(1);
    await sleep(WARM_IDLE_MS + 1_500);
    // Nothing open: the object holds no socket and may hibernate.
    expect(await runInDurableObject(stub(), (instance: ProviderSchedule) => instance.warm!.openConnections)).toBe(0);
    expect(await pid()).not.toBe(first);
  });

  it("answers availability exactly as the Postgres-backed service, then from memory with no round trip", async () => {
    const query = week();
    const fromObject = await stub().availability(query);
    if (!fromObject.ok) throw new Error(`availability refused: ${fromObject.message}`);
    const expected = await withDatabase(config(), (db) =>
      getAvailability(db, {
        providerId: f.providerId,
        serviceId: f.serviceId,
        from: Temporal.Instant.from(fromObject.result.from),
        to: Temporal.Instant.from(fromObject.result.to),
        customerZone: "Europe/Paris",
      }),
    );
    expect(fromObject.result).toEqual(expected);
    // The booking that only Postgres knew about (09:50-11:10 UTC) keeps 09:00-10:30 UTC starts out.
    expect(fromObject.result.slots.map((s) => s.start)).not.toContain(iso(f.day, "10:00"));
    expect(fromObject.result.slots.map((s) => s.start)).toContain(iso(f.day, "11:30"));

    const warmAnswer = await runInDurableObject(stub(), async (instance: ProviderSchedule) => {
      const restore = cutPostgres(instance);
      try {
        return await instance.availability(query);
      } finally {
        restore();
      }
    });
    expect(warmAnswer).toEqual(fromObject); // not stale: nothing needed Postgres
  });

  it("drops its schedule on scheduleChanged (and only then, within the snapshot's lifetime)", async () => {
    const monday = await stub().availability(week());
    if (!monday.ok) throw new Error(monday.message);
    const weekday = f.day.dayOfWeek;
    await withDatabase(config(), (db) =>
      db.delete(availabilityRules).where(and(eq(availabilityRules.providerId, f.providerId), eq(availabilityRules.weekday, weekday))),
    );
    const onTheDay = (answer: AvailabilityAnswer) => (answer.ok ? answer.result.slots.filter((s) => s.start.startsWith(f.day.toString())).length : -1);
    expect(onTheDay(await stub().availability(week()))).toBe(onTheDay(monday));
    await stub().scheduleChanged();
    expect(onTheDay(await stub().availability(week()))).toBe(0);
    expect(onTheDay(monday)).toBeGreaterThan(0);
  });

  it("with Postgres down: availability answers stale from what it has, holds are refused with 503 and Retry-After", async () => {
    await stub().availability(week()); // warm
    const answers = await runInDurableObject(stub(), async (instance: ProviderSchedule) => {
      const restore = cutPostgres(instance);
      try {
        await instance.scheduleChanged(); // the snapshot must be re-read: it cannot be
        const availability = await instance.availability(week());
        const hold = await instance.hold({ holder: "tok_down_aaaaaaaaaaaa", serviceId: f.serviceId, start: iso(f.day.add({ days: 1 }), "13:00") });
        return { availability, hold };
      } finally {
        restore();
      }
    });
    expect(answers.availability).toMatchObject({ ok: true, result: { stale: true } });
    expect(answers.availability.ok && answers.availability.result.slots.length).toBeGreaterThan(0);
    expect(answers.hold).toMatchObject({ ok: false, reason: "UNAVAILABLE", retryAfterSeconds: expect.any(Number) });
  });

  it("the availability route answers from the object, and its metrics reach Postgres through a MetricsSink", async () => {
    const q = week();
    const response = await workerFetch(
      `https://edge-booking.test/api/v1/providers/${f.providerId}/availability?serviceId=${q.serviceId}&from=${q.from}&to=${q.to}&timeZone=${q.timeZone}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { slots: unknown[] };
    const direct = await stub().availability(q);
    expect(direct.ok && body).toEqual(direct.ok && direct.result);

    const slotViews = () =>
      withDatabase(config(), async (db) =>
        (await db.select().from(metricEvents).where(and(eq(metricEvents.name, "funnel.slot_view"), sql`${metricEvents.labels}->>'providerId' = ${f.providerId}`))).length,
      );
    // The request opened no connection: its metrics wait in one of the sinks until their alarm runs.
    await eventually(async () => {
      for (let shard = 0; shard < METRIC_SINK_SHARDS; shard++) {
        await runDurableObjectAlarm(testEnv.METRICS_SINK.get(testEnv.METRICS_SINK.idFromName(`metrics:${shard}`)));
      }
      return (await slotViews()) > 0;
    });
    expect(await slotViews()).toBe(1);
  });

  it("unknown service and unknown provider: NOT_FOUND naming the field; a bad window: VALIDATION", async () => {
    expect(await stub().availability({ ...week(), serviceId: crypto.randomUUID() })).toMatchObject({ ok: false, reason: "NOT_FOUND", field: "serviceId" });
    const nobody = testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(crypto.randomUUID()));
    expect(await nobody.availability(week())).toMatchObject({ ok: false, reason: "NOT_FOUND", field: "providerId" });
    expect(await stub().availability({ ...week(), to: f.day.add({ days: 90 }).toString() })).toMatchObject({
      ok: false,
      reason: "VALIDATION",
      fields: [expect.objectContaining({ path: "to" })],
    });
  });
});
