/// <reference types="@cloudflare/vitest-plugin/types" />
// Bookings created inside the provider object (skipped without Postgres): the object reads the
// service, the schedule and the occupied time from its own memory instead of Postgres, and that memory
// gives the same engine input Postgres would; a taken time answers 409 with alternatives that know
// about every booking made since (the answer memo is dropped on each change); a schedule edit
// announced by scheduleChanged is honoured at once; and a booking only Postgres knew about is refused.
import { runInDurableObject } from "cloudflare:test";
import { Temporal } from "@js-temporal/polyfill";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { findProviderService } from "../../db/queries/availability";
import { availabilityRules, services } from "../../db/schema";
import type { ProviderSchedule } from "../../durable-objects/provider-schedule";
import { loadConfig } from "../../workers/env";
import { loadEngineData, timingOf } from "../../workers/services/availability";
import type { CreateBookingResult } from "../../workers/services/create-booking";
import type { LocalScheduleView } from "../../workers/services/ports";
import { noopSchedulePort } from "../../workers/services/ports";
import type { RemoteOutcome } from "../../workers/services/remote-outcome";
import { type Fixture, fixtureService, iso, seed } from "./postgres-fixture";
import { testEnv } from "./provider-schedule.helpers";

const config = () => loadConfig(testEnv);

describe.skipIf(!testEnv.DATABASE_URL)("bookings inside the provider object", () => {
  let f: Fixture;
  let freeServiceId: string;
  beforeAll(async () => {
    f = await seed();
    freeServiceId = await withDatabase(config(), async (db) => {
      const [row] = await db.insert(services).values(fixtureService(f.providerId, { name: "Free consultation", priceAmount: 0 })).returning();
      return row!.id;
    });
  });
  const stub = () => testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(f.providerId));
  // RPC stubs type this result as never; it is the object's RemoteOutcome.
  const book = async (start: string, key = crypto.randomUUID()) =>
    (await stub().createBooking({
      body: { providerId: f.providerId, serviceId: freeServiceId, start, timeZone: "UTC", idempotencyKey: key, customer: { name: "Guest Tester", email: "guest@example.com" } },
    })) as RemoteOutcome<CreateBookingResult>;
  const alternativesOf = (outcome: RemoteOutcome<CreateBookingResult>) => {
    if (outcome.ok || outcome.kind !== "domain" || outcome.code !== "SLOT_UNAVAILABLE") throw new Error(`expected SLOT_UNAVAILABLE, got ${JSON.stringify(outcome)}`);
    return (outcome.details.alternatives as { start: string }[]).map((s) => s.start);
  };

  it("gives the same engine input from memory as from Postgres", async () => {
    await stub().availability({ serviceId: freeServiceId, from: f.day.toString(), to: f.day.add({ days: 1 }).toString(), timeZone: "UTC" }); // load
    const from = Temporal.Instant.from(iso(f.day, "00:00"));
    const to = Temporal.Instant.from(iso(f.day.add({ days: 2 }), "00:00"));
    const fromPostgres = await withDatabase(config(), async (db) => {
      const found = (await findProviderService(db, f.providerId, freeServiceId))!;
      return loadEngineData(db, noopSchedulePort, { provider: found.provider, timing: timingOf(found.service), from, to });
    });
    const fromMemory = await runInDurableObject(stub(), async (instance: ProviderSchedule) => {
      const local = (instance as unknown as { local: LocalScheduleView }).local;
      return local.engineData({ providerId: f.providerId, timing: fromPostgres.service, from, to, includeHolds: true });
    });
    const text = (d: typeof fromPostgres) => ({
      ...d,
      weekly: [...d.weekly].sort((a, b) => a.weekday - b.weekday),
      occupied: d.occupied.map((i) => `${i.start.toString()}/${i.end.toString()}`).sort(),
    });
    expect(fromMemory).not.toBeNull();
    expect(text(fromMemory!)).toEqual(text(fromPostgres));
    // Another provider's question is not this object's to answer.
    const other = await runInDurableObject(stub(), (instance: ProviderSchedule) =>
      (instance as unknown as { local: LocalScheduleView }).local.bookableService(crypto.randomUUID(), freeServiceId),
    );
    expect(other).toBeNull();
  });

  it("refuses a taken time with alternatives that know about every booking made since", async () => {
    const day = f.day.add({ days: 1 });
    const first = await book(iso(day, "13:00"));
    expect(first).toMatchObject({ ok: true, value: { status: 201 } });

    const offered = alternativesOf(await book(iso(day, "13:00")));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered).not.toContain(iso(day, "13:00"));

    const second = await book(offered[0]!);
    expect(second).toMatchObject({ ok: true, value: { status: 201 } });
    // Asked again at once: the memo of the first 409 was dropped by the second booking.
    expect(alternativesOf(await book(iso(day, "13:00")))).not.toContain(offered[0]);
  });

  it("refuses a booking only Postgres knew about", async () => {
    expect(alternativesOf(await book(iso(f.day, "10:00")))).not.toContain(iso(f.day, "10:00"));
  });

  it("honours a schedule edit at once when it is announced", async () => {
    const day = f.day.add({ days: 2 });
    await stub().availability({ serviceId: freeServiceId, from: day.toString(), to: day.add({ days: 1 }).toString(), timeZone: "UTC" });
    await withDatabase(config(), (db) =>
      db.delete(availabilityRules).where(and(eq(availabilityRules.providerId, f.providerId), eq(availabilityRules.weekday, day.dayOfWeek))),
    );
    await stub().scheduleChanged();
    const outcome = await book(iso(day, "13:00"));
    expect(outcome.ok).toBe(false);
    expect(outcome).toMatchObject({ kind: "domain", code: "SLOT_UNAVAILABLE" });
  });
});
