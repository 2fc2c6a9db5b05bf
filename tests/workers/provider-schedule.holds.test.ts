/// <reference types="@cloudflare/vitest-plugin/types" />
// Slot holds in the provider Durable Object: serialization, buffers, limits, ownership, claim,
// expiry through the alarm, and durability across eviction. Bookings come from the object's mirror
// (bookingChanged); where a test needs the Postgres lookup it stands in for it (bookedInDatabase).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ProviderSchedule } from "../../durable-objects/provider-schedule";
import { type HoldRow, ScheduleStore } from "../../durable-objects/schedule-store";
import { at, bookingChange, connectDirect, holdInput, newProvider, sleep } from "./provider-schedule.helpers";

/** Moves every hold's expiry into the past, as if the TTL had elapsed. */
async function expireAllHolds(stub: DurableObjectStub<ProviderSchedule>): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at_ms = ?", Date.now() - 1);
  });
}

/**
 * Makes the object treat its mirror as older than FRESH_FOR_AVAILABILITY_MS, so every hold awaits
 * the Postgres lookup (with DATABASE_URL set, a new object's mirror is freshly read and holds skip it).
 */
function askPostgresEveryTime(instance: ProviderSchedule): void {
  (instance as unknown as { mirror: { syncedWithin: () => boolean } }).mirror.syncedWithin = () => false;
}

describe("hold()", () => {
  it("100 concurrent holds for one slot: exactly one is granted, the rest are HELD", async () => {
    const { stub } = await newProvider();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => stub.hold(holdInput(`holder-${i}`, 60))));
    const granted = results.filter((r) => r.ok);
    expect(granted).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "HELD")).toBe(true);
    expect(await stub.liveHoldCount()).toBe(1);
  });

  it("stays serialized when the check awaits outside I/O (the Postgres lookup)", async () => {
    const { stub } = await newProvider();
    // Stand in for Postgres with a lookup that really yields to other requests (a timer, not storage,
    // so input gates stay open), and count how often it runs.
    await runInDurableObject(stub, (instance: ProviderSchedule) => {
      let calls = 0;
      (instance as unknown as { lookups: () => number }).lookups = () => calls;
      askPostgresEveryTime(instance);
      instance.bookedInDatabase = async () => {
        calls++;
        await sleep(3);
        return false;
      };
    });
    // 60 overlapping (not identical) requests: 09:00+i minutes, 60 minutes long.
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => stub.hold(holdInput(`h${i}`, i))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // Only the winner got past the local checks; every later request saw its hold. Without the lock,
    // most requests would have passed the local check and called the lookup concurrently.
    const lookups = await runInDurableObject(stub, (instance) => (instance as unknown as { lookups: () => number }).lookups());
    expect(lookups).toBe(1);
  });

  it("lets holds for disjoint times check concurrently, and still enforces the per-holder limit exactly", async () => {
    const { stub } = await newProvider();
    await runInDurableObject(stub, (instance: ProviderSchedule) => {
      let inFlight = 0;
      let peak = 0;
      (instance as unknown as { peak: () => number }).peak = () => peak;
      askPostgresEveryTime(instance);
      instance.bookedInDatabase = async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
        return false;
      };
    });
    // 10 different holders, 10 disjoint slots: all granted, lookups overlapped in time.
    const distinct = await Promise.all(Array.from({ length: 10 }, (_, i) => stub.hold(holdInput(`d${i}`, i * 60))));
    expect(distinct.every((r) => r.ok)).toBe(true);
    expect(await runInDurableObject(stub, (instance) => (instance as unknown as { peak: () => number }).peak())).toBeGreaterThan(1);
    // One holder, 10 disjoint slots of 10 services at once: the re-check after the await keeps it at exactly 3.
    const greedy = await Promise.all(Array.from({ length: 10 }, (_, i) => stub.hold(holdInput("greedy", 1000 + i * 60, { serviceId: `svc-${i}` }))));
    expect(greedy.filter((r) => r.ok)).toHaveLength(3);
    expect(greedy.filter((r) => !r.ok && r.reason === "LIMIT")).toHaveLength(7);
  });

  it("refuses overlap through buffers and allows touching intervals", async () => {
    const { stub } = await newProvider();
    // 10:00-11:00 with 15 min after: occupies 10:00-11:15.
    expect((await stub.hold(holdInput("a", 60, { after: 15 }))).ok).toBe(true);
    expect(await stub.hold(holdInput("b", 120))).toMatchObject({ ok: false, reason: "HELD" }); // 11:00 starts inside the buffer
    expect(await stub.hold(holdInput("b", 135, { before: 5 }))).toMatchObject({ ok: false, reason: "HELD" }); // occupies from 11:10
    const touchingAfter = await stub.hold(holdInput("b", 135)); // 11:15 touches 11:15
    expect(touchingAfter.ok).toBe(true);
    const touchingBefore = await stub.hold(holdInput("c", 0)); // 09:00-10:00 touches 10:00
    expect(touchingBefore.ok).toBe(true);
    if (touchingAfter.ok) {
      expect(touchingAfter.hold).toMatchObject({ start: at(135), end: at(195), occupiedFrom: at(135), occupiedUntil: at(195), holder: "b" });
    }
  });

  it("returns occupied = widen(slot, buffers) and the default TTL", async () => {
    const { stub } = await newProvider();
    const before = Date.now();
    const r = await stub.hold(holdInput("a", 60, { before: 10, after: 20 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.hold).toMatchObject({ start: at(60), end: at(120), occupiedFrom: at(50), occupiedUntil: at(140) });
    const ttlMs = Date.parse(r.hold.expiresAt) - before;
    expect(ttlMs).toBeGreaterThan(599_000);
    expect(ttlMs).toBeLessThanOrEqual(601_000);
  });

  it("a retried identical request returns the same hold", async () => {
    const { stub } = await newProvider();
    const first = await stub.hold(holdInput("a", 60));
    const again = await stub.hold(holdInput("a", 60));
    expect(first.ok && again.ok && first.hold.id === again.hold.id).toBe(true);
    expect(again.ok && again.replacedHoldIds).toEqual([]);
    expect(await stub.liveHoldCount()).toBe(1);
  });

  it("refuses booked time known from bookingChanged, and frees it on cancel", async () => {
    const { stub } = await newProvider();
    await stub.bookingChanged(bookingChange("booked", "bk-1", 60));
    expect(await stub.hold(holdInput("a", 90))).toMatchObject({ ok: false, reason: "BOOKED" });
    expect((await stub.hold(holdInput("a", 120))).ok).toBe(true); // touching the booking's end
    await stub.bookingChanged(bookingChange("cancelled", "bk-1", 60));
    expect((await stub.hold(holdInput("b", 60))).ok).toBe(true);
  });

  it("limits live holds per holder (LIMIT) and frees a place on release", async () => {
    const { stub } = await newProvider();
    const ids: string[] = [];
    for (const [i, start] of [0, 120, 240].entries()) {
      const r = await stub.hold(holdInput("greedy", start, { serviceId: `svc-${i}` }));
      expect(r.ok).toBe(true);
      if (r.ok) ids.push(r.hold.id);
    }
    expect(await stub.hold(holdInput("greedy", 360, { serviceId: "svc-3" }))).toMatchObject({ ok: false, reason: "LIMIT" });
    expect((await stub.hold(holdInput("someone-else", 360))).ok).toBe(true);
    expect(await stub.release(ids[0]!, "greedy")).toEqual({ ok: true });
    expect((await stub.hold(holdInput("greedy", 480, { serviceId: "svc-3" }))).ok).toBe(true);
  });
});

describe("release / extend", () => {
  it("only the holder may release or extend; unknown ids are NOT_FOUND", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("owner", 60));
    if (!r.ok) throw new Error("hold refused");
    expect(await stub.release(r.hold.id, "intruder")).toMatchObject({ ok: false, reason: "NOT_OWNER" });
    expect(await stub.extend(r.hold.id, "intruder")).toMatchObject({ ok: false, reason: "NOT_OWNER" });
    expect(await stub.release("no-such-hold", "owner")).toMatchObject({ ok: false, reason: "NOT_FOUND" });
    expect(await stub.liveHoldCount()).toBe(1);
    expect(await stub.release(r.hold.id, "owner")).toEqual({ ok: true });
    expect(await stub.liveHoldCount()).toBe(0);
    expect(await stub.release(r.hold.id, "owner")).toMatchObject({ ok: false, reason: "NOT_FOUND" });
  });

  it("extend pushes the expiry and the alarm forward", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("owner", 60, { ttl: 60 }));
    if (!r.ok) throw new Error("hold refused");
    const alarmBefore = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarmBefore).toBe(Date.parse(r.hold.expiresAt));
    const extended = await stub.extend(r.hold.id, "owner", 300);
    expect(extended.ok).toBe(true);
    if (!extended.ok) return;
    expect(Date.parse(extended.hold.expiresAt)).toBeGreaterThan(Date.parse(r.hold.expiresAt) + 200_000);
    const alarmAfter = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarmAfter).toBe(Date.parse(extended.hold.expiresAt));
  });

  it("an expired hold answers EXPIRED to its holder", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("owner", 60));
    if (!r.ok) throw new Error("hold refused");
    await expireAllHolds(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.extend(r.hold.id, "owner")).toMatchObject({ ok: false, reason: "EXPIRED" });
    expect(await stub.release(r.hold.id, "owner")).toMatchObject({ ok: false, reason: "EXPIRED" });
    expect(await stub.release(r.hold.id, "other")).toMatchObject({ ok: false, reason: "NOT_OWNER" });
  });
});

describe("claimForBooking()", () => {
  it("refuses when another holder's hold overlaps, consumes the caller's own hold otherwise", async () => {
    const { stub } = await newProvider();
    const mine = await stub.hold(holdInput("me", 60, { after: 15 }));
    const theirs = await stub.hold(holdInput("them", 240));
    if (!mine.ok || !theirs.ok) throw new Error("hold refused");
    expect(
      await stub.claimForBooking({ holder: "me", occupiedFrom: at(230), occupiedUntil: at(290), bookingId: "bk-x" }),
    ).toMatchObject({ ok: false, reason: "HELD" });
    const claimed = await stub.claimForBooking({
      holder: "me",
      holdId: mine.hold.id,
      occupiedFrom: mine.hold.occupiedFrom,
      occupiedUntil: mine.hold.occupiedUntil,
      bookingId: "bk-1",
    });
    // The named hold's expiry comes back: the pending booking keeps the deadline the customer was shown.
    expect(claimed).toEqual({ ok: true, consumedHoldIds: [mine.hold.id], heldUntil: expect.any(String) });
    expect(Date.parse((claimed as { heldUntil: string }).heldUntil)).toBe(Date.parse(mine.hold.expiresAt));
    expect(await stub.liveHoldCount()).toBe(1);
    // No hold at all (e.g. an admin booking): fine.
    expect(await stub.claimForBooking({ holder: "admin", occupiedFrom: at(600), occupiedUntil: at(660), bookingId: "bk-2" })).toEqual({
      ok: true,
      consumedHoldIds: [],
    });
  });
});

describe("expiry and durability", () => {
  it("the store remembers the earliest hold expiry for its sweeps and forgets it on every write to holds", async () => {
    const { stub } = await newProvider();
    await runInDurableObject(stub, (_instance, state) => {
      const store = new ScheduleStore(state.storage.sql);
      const row = (id: string, expiresAtMs: number): HoldRow => ({
        id, holder: `h-${id}`, service_id: "s", start_ms: 0, end_ms: 1, occupied_from_ms: 0, occupied_until_ms: 1,
        expires_at_ms: expiresAtMs, created_at_ms: 0, client_key: null, touched_at_ms: 0,
      });
      expect(store.earliestExpiryMs()).toBeNull();
      expect(store.takeExpiredHolds(1_000)).toEqual([]);
      store.insertHold(row("a", 2_000));
      store.insertHold(row("b", 3_000));
      expect(store.earliestExpiryMs()).toBe(2_000);
      expect(store.takeExpiredHolds(1_999)).toEqual([]);
      store.setHoldExpiry("a", 5_000); // extended: b is now the first to go
      expect(store.earliestExpiryMs()).toBe(3_000);
      expect(store.takeExpiredHolds(3_000).map((h) => h.id)).toEqual(["b"]);
      expect(store.earliestExpiryMs()).toBe(5_000);
      store.deleteHold("a");
      expect(store.earliestExpiryMs()).toBeNull();
      expect(store.takeExpiredHolds(10_000)).toEqual([]);
    });
  });

  it("the alarm frees an expired hold and tells subscribers", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("a", 60));
    if (!r.ok) throw new Error("hold refused");
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(r.hold.expiresAt));
    const feed = await connectDirect(stub, "provider");
    const [snapshot] = await feed.take(1);
    expect(snapshot.type).toBe("snapshot");
    expect(snapshot.items).toHaveLength(1);

    await expireAllHolds(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [released] = await feed.take(1);
    expect(released).toMatchObject({ type: "slot.released", reason: "expired", interval: { start: at(60) }, hold: { holdId: r.hold.id } });
    expect(await stub.liveHoldCount()).toBe(0);
    expect((await stub.hold(holdInput("b", 60))).ok).toBe(true);
    feed.close();
  });

  it("a real short TTL expires on its own through the alarm", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("a", 60, { ttl: 30 }));
    if (!r.ok) throw new Error("hold refused");
    // Rewind to an expiry 300 ms from now and point the alarm there, then just wait.
    await runInDurableObject(stub, async (_i, state) => {
      const soon = Date.now() + 300;
      state.storage.sql.exec("UPDATE holds SET expires_at_ms = ?", soon);
      await state.storage.setAlarm(soon);
    });
    const feed = await connectDirect(stub, "public");
    await feed.take(1); // snapshot
    const [released] = await feed.take(1, 10_000);
    expect(released).toMatchObject({ type: "slot.released", kind: "hold" });
    expect(await stub.liveHoldCount()).toBe(0);
    feed.close();
  });

  it("holds, their alarm and the event sequence survive eviction of the object", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("a", 60));
    if (!r.ok) throw new Error("hold refused");
    const { seq } = await stub.scheduleChanged();
    await evictDurableObject(stub);
    expect(await stub.liveHoldCount()).toBe(1);
    expect(await stub.hold(holdInput("b", 60))).toMatchObject({ ok: false, reason: "HELD" });
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(Date.parse(r.hold.expiresAt));
    expect((await stub.scheduleChanged()).seq).toBe(seq + 1);
    expect(await stub.release(r.hold.id, "a")).toEqual({ ok: true });
  });
});
