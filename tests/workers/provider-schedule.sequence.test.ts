/// <reference types="@cloudflare/vitest-plugin/types" />
// The change sequence between Postgres and the provider object's mirror, against real Postgres
// (skipped when DATABASE_URL is empty): a lost notice is repaired by the number of the next one, a
// duplicated or stale one changes nothing, notices out of order are applied in order, and a lost
// notice with nothing after it is delivered by the minute cron's pass.
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { bookings, providerChangeHeads } from "../../db/schema";
import type { BookingChange } from "../../durable-objects/schedule-rpc";
import { loadConfig } from "../../workers/env";
import { deliverScheduleChanges } from "../../workers/services/deliver-changes";
import { type Fixture, fixtureBooking, seed } from "./postgres-fixture";
import { testEnv } from "./provider-schedule.helpers";

type Row = typeof bookings.$inferSelect;
const config = () => loadConfig(testEnv);

describe.skipIf(!testEnv.DATABASE_URL)("change sequence", () => {
  let f: Fixture;
  let day = 0;
  beforeAll(async () => {
    f = await seed();
  });
  const stub = () => testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(f.providerId));

    /** A confirmed booking written straight to Postgres (no notice), on a day of its own. */
  const insert = async (): Promise<Row> => {
    const values = fixtureBooking({ providerId: f.providerId, serviceId: f.serviceId, customerId: f.ownerUserId }, f.day.add({ days: ++day }), "12:00");
    return withDatabase(config(), async (db) => (await db.insert(bookings).values(values).returning())[0]!);
  };
  const cancel = (row: Row) =>
    withDatabase(config(), async (db) => (await db.update(bookings).set({ status: "cancelled" }).where(eq(bookings.id, row.id)).returning())[0]!);
  /** The notice a writer would send for `row` as it is now. */
  const noticeOf = (row: Row): BookingChange => ({
    kind: row.status === "cancelled" ? "cancelled" : "confirmed",
    bookingId: row.id,
    seq: row.changeSeq,
    interval: {
      start: row.startsAt.toISOString(),
      end: row.endsAt.toISOString(),
      occupiedFrom: row.occupiedFrom.toISOString(),
      occupiedUntil: row.occupiedUntil.toISOString(),
    },
    details: { confirmationCode: row.confirmationCode, customerName: row.customerName, serviceName: "Massage", status: row.status },
  });
  /** What the mirror holds: booked ids, the number applied up to, and the ids the feed announced in order. */
  const mirror = () =>
    runInDurableObject(stub(), (_instance, state) => {
      const booked = state.storage.sql.exec<{ booking_id: string }>("SELECT booking_id FROM booked").toArray().map((r) => r.booking_id);
      const applied = Number(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'mirror_applied_seq'").toArray()[0]?.value);
      const announced = state.storage.sql
        .exec<{ payload: string }>("SELECT payload FROM events ORDER BY seq")
        .toArray()
        .map((r) => (JSON.parse(r.payload) as { booking?: { bookingId: string } }).booking?.bookingId)
        .filter((id): id is string => id !== undefined);
      return { booked, applied, announced };
    });
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let i = 0; i < 40; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return read();
  };

  it("starts from Postgres's head, then repairs a lost notice when the next one's number shows the gap", async () => {
    const { applied } = await stub().ensureApplied(0); // first use: a full read
    expect(applied).toBeGreaterThanOrEqual(1); // the fixture's booking
    expect((await mirror()).booked).toEqual([expect.any(String)]);

    const lost = await insert();
    const next = await insert();
    expect(next.changeSeq).toBe(lost.changeSeq + 1);
    await stub().bookingChanged(noticeOf(next)); // `lost`'s notice never comes
    const repaired = await until(mirror, (m) => m.booked.includes(lost.id));
    expect(repaired.booked).toEqual(expect.arrayContaining([lost.id, next.id]));
    expect(repaired.applied).toBe(next.changeSeq);
    // Both announced once, the missing one first (from the pull, as Postgres has it now).
    expect(repaired.announced.filter((id) => id === lost.id || id === next.id)).toEqual([lost.id, next.id]);
  });

  it("drops a duplicated notice and a stale one: nothing is re-announced or brought back", async () => {
    const row = await insert();
    await stub().bookingChanged(noticeOf(row));
    const before = await mirror();
    expect(before.booked).toContain(row.id);
    const { seq } = await stub().bookingChanged(noticeOf(row)); // the same notice again
    expect((await mirror()).announced).toEqual(before.announced);

    const cancelled = await cancel(row);
    await stub().bookingChanged(noticeOf(cancelled));
    expect((await mirror()).booked).not.toContain(row.id);
    const again = await stub().bookingChanged(noticeOf(row)); // the old "confirmed" notice, late
    const after = await mirror();
    expect(after.booked).not.toContain(row.id);
    expect(again.seq).toBe(seq + 1); // only the cancellation was announced since
  });

  it("applies notices that arrive out of order in their order, each once", async () => {
    const first = await insert();
    const second = await insert();
    await stub().bookingChanged(noticeOf(second)); // waits for `first`
    await stub().bookingChanged(noticeOf(second)); // and a repeat of it while it waits is still one change
    expect((await mirror()).booked).not.toContain(second.id);
    await stub().bookingChanged(noticeOf(first));
    const m = await mirror();
    expect(m.booked).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(m.applied).toBe(second.changeSeq);
    expect(m.announced.slice(-2)).toEqual([first.id, second.id]);
  });

  it("delivers a lost notice with nothing after it from the minute cron's pass, then records it", async () => {
    const lost = await insert();
    const receiver = (providerId: string) => testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(providerId));
    const first = await withDatabase(config(), (db) => deliverScheduleChanges(db, receiver, { providerId: f.providerId }));
    expect(first).toEqual({ behind: 1, delivered: 1, failed: 0 });
    expect((await mirror()).booked).toContain(lost.id);
    const [headRow] = await withDatabase(config(), (db) => db.select().from(providerChangeHeads).where(eq(providerChangeHeads.providerId, f.providerId)));
    expect(headRow).toMatchObject({ seq: lost.changeSeq, deliveredSeq: lost.changeSeq });
    const second = await withDatabase(config(), (db) => deliverScheduleChanges(db, receiver, { providerId: f.providerId }));
    expect(second.behind).toBe(0);
  });
});
