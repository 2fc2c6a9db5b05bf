// The slot picker's live rule (app/utils/live-slots.ts) against a reference written with Temporal and
// the domain's own interval helpers, plus the feed frame reader the browser clients share.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PublicMessage, ProviderMessage } from "../../durable-objects/live-messages";
import { overlaps, widen } from "../../domain/intervals";
import { readLiveMessage } from "../../app/utils/live-feed-connection";
import { collides, groupByDay, readSlots, withoutCollisions, withoutStart, type DayOfSlots } from "../../app/utils/live-slots";

const T0 = Temporal.Instant.from("2030-03-09T00:00:00Z");
const at = (minutes: number) => T0.add({ minutes }).toString();

const slotArb = fc.record({ startMin: fc.integer({ min: 0, max: 7 * 1440 }), length: fc.integer({ min: 5, max: 240 }) }).map(({ startMin, length }) => ({
  start: at(startMin),
  end: at(startMin + length),
  startCustomer: T0.add({ minutes: startMin }).toZonedDateTimeISO("America/New_York").toString(),
}));
const buffersArb = fc.record({ bufferBeforeMinutes: fc.integer({ min: 0, max: 120 }), bufferAfterMinutes: fc.integer({ min: 0, max: 120 }) });
const rangeArb = fc
  .record({ fromMin: fc.integer({ min: -200, max: 7 * 1440 + 200 }), length: fc.integer({ min: 1, max: 600 }) })
  .map(({ fromMin, length }) => ({ occupiedFrom: at(fromMin), occupiedUntil: at(fromMin + length) }));

function referenceCollides(slot: { start: string; end: string }, b: { bufferBeforeMinutes: number; bufferAfterMinutes: number }, r: { occupiedFrom: string; occupiedUntil: string }) {
  const occupied = widen({ start: Temporal.Instant.from(slot.start), end: Temporal.Instant.from(slot.end) }, b.bufferBeforeMinutes, b.bufferAfterMinutes);
  return overlaps(occupied, { start: Temporal.Instant.from(r.occupiedFrom), end: Temporal.Instant.from(r.occupiedUntil) });
}

describe("live slot rule", () => {
  it("collides exactly when the slot's occupied range overlaps the event's (the engine's rule)", () => {
    fc.assert(fc.property(slotArb, buffersArb, rangeArb, (slot, b, r) => collides(slot, b, r) === referenceCollides(slot, b, r)));
  });

  it("touching ranges do not collide", () => {
    const slot = { start: at(60), end: at(120), startCustomer: "" };
    const buffers = { bufferBeforeMinutes: 15, bufferAfterMinutes: 10 };
    expect(collides(slot, buffers, { occupiedFrom: at(0), occupiedUntil: at(45) })).toBe(false);
    expect(collides(slot, buffers, { occupiedFrom: at(0), occupiedUntil: at(46) })).toBe(true);
    expect(collides(slot, buffers, { occupiedFrom: at(130), occupiedUntil: at(200) })).toBe(false);
    expect(collides(slot, buffers, { occupiedFrom: at(129), occupiedUntil: at(200) })).toBe(true);
  });

  it("hides exactly the colliding slots, keeps order, and returns the same days when nothing changes", () => {
    fc.assert(
      fc.property(fc.array(slotArb, { maxLength: 40 }), buffersArb, rangeArb, (slots, b, r) => {
        const days: DayOfSlots[] = [{ date: "a", slots }];
        const next = withoutCollisions(days, b, r);
        const expected = slots.filter((s) => !referenceCollides(s, b, r));
        expect(next[0]!.slots).toEqual(expected);
        if (expected.length === slots.length) expect(next).toBe(days);
      }),
    );
  });

  it("withoutStart drops only the refused start", () => {
    const days: DayOfSlots[] = [{ date: "a", slots: [0, 30, 60].map((m) => ({ start: at(m), end: at(m + 30), startCustomer: "" })) }];
    expect(withoutStart(days, at(30))[0]!.slots.map((s) => s.start)).toEqual([at(0), at(60)]);
    expect(withoutStart(days, "not an instant")).toBe(days);
  });

  it("groups slots under their customer-local date, in the given order, dropping dates not shown", () => {
    fc.assert(
      fc.property(fc.array(slotArb, { maxLength: 40 }), (slots) => {
        const dates = ["2030-03-09", "2030-03-10", "2030-03-11"];
        const days = groupByDay(dates, slots);
        expect(days.map((d) => d.date)).toEqual(dates);
        for (const day of days) expect(day.slots).toEqual(slots.filter((s) => s.startCustomer.slice(0, 10) === day.date));
      }),
    );
  });

  it("reads an availability answer's slots and refuses other bodies", () => {
    const slot = { start: at(0), end: at(30), startCustomer: at(0) };
    expect(readSlots({ slots: [slot] })).toEqual([slot]);
    expect(readSlots({ slots: [{ start: 1 }] })).toBeNull();
    expect(readSlots({ error: { code: "UNAVAILABLE" } })).toBeNull();
    expect(readSlots(null)).toBeNull();
  });
});

describe("readLiveMessage", () => {
  const interval = { start: at(60), end: at(90), occupiedFrom: at(45), occupiedUntil: at(100) };
  const valid: PublicMessage[] = [
    { type: "slot.held", seq: 1, at: at(0), kind: "hold", interval },
    { type: "slot.released", seq: 2, at: at(0), kind: "hold", interval },
    { type: "slot.booked", seq: 3, at: at(0), kind: "booking", interval },
    { type: "slot.cancelled", seq: 4, at: at(0), kind: "booking", interval },
    { type: "slot.rescheduled", seq: 5, at: at(0), kind: "booking", interval, previousInterval: interval },
    { type: "schedule.changed", seq: 6, at: at(0) },
    { type: "snapshot", seq: 6, from: null, to: null, items: [{ kind: "hold", interval }] },
    { type: "error", message: "bad frame" },
    { type: "pong" },
  ];

  it("accepts every message the feed sends, unchanged", () => {
    for (const message of valid) {
      PublicMessage.parse(message); // the fixture itself is a real feed message
      expect(readLiveMessage(JSON.stringify(message))).toEqual(message);
    }
    const providerForm = { ...valid[2], change: "booked", booking: { bookingId: "b", confirmationCode: "ABCD-2345", customerName: "A", serviceName: "S", status: "confirmed" } };
    ProviderMessage.parse(providerForm);
    expect(readLiveMessage(JSON.stringify(providerForm))).toEqual(providerForm);
  });

  it("refuses frames a handler could not rely on", () => {
    for (const raw of [
      "pong",
      "not json",
      "[]",
      "null",
      JSON.stringify({ type: "slot.held", seq: 1 }),
      JSON.stringify({ type: "slot.held", seq: "1", interval }),
      JSON.stringify({ type: "slot.held", seq: 1, interval: { start: at(0) } }),
      JSON.stringify({ type: "slot.rescheduled", seq: 1, interval }),
      JSON.stringify({ type: "snapshot", seq: 1, items: [{ kind: "hold" }] }),
      JSON.stringify({ type: "schedule.changed" }),
      JSON.stringify({ type: "something.else", seq: 1 }),
      JSON.stringify({ type: "error" }),
    ]) {
      expect(readLiveMessage(raw), raw).toBeNull();
    }
  });
});
