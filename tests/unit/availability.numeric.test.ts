// The engine's numeric boundary: occupied time given as epoch milliseconds (occupiedMs) must give
// exactly the slots the same time gives as Instants (occupied), every instant and every string,
// on random schedules around DST changes (a half-hour one in Lord Howe, none but a +05:45 offset
// in Kathmandu) with busy intervals whose ends fall between milliseconds. Also: the Slot objects
// made with lazy start/end Instants keep the old shape where a caller can see it.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityInput,
  type EpochMsInterval,
  computeSlots,
  isSlotBookable,
  nearestAlternatives,
} from "../../domain/availability";
import type { Interval } from "../../domain/intervals";
import { ZONE_EVENTS, availabilityInputFor, rangesArb, slotKeys } from "./availability-scenario";

const ZONES = ZONE_EVENTS;
const zoneNames = Object.keys(ZONES);
const NUM_RUNS = 150;
const NS_PER_MS = 1_000_000n;

/** How a caller holding exact instants writes them as whole ms: outwards, so no busy instant is lost. */
function toEpochMs(i: Interval): EpochMsInterval {
  const start = i.start.epochNanoseconds;
  const end = i.end.epochNanoseconds;
  if (start === end) return { startMs: i.start.epochMilliseconds, endMs: i.start.epochMilliseconds }; // empty stays empty
  const ceil = end / NS_PER_MS + (end % NS_PER_MS > 0n ? 1n : 0n);
  return { startMs: i.start.epochMilliseconds, endMs: Number(ceil) };
}

// Busy intervals: on the minute grid, or off it by any number of nanoseconds, and now and then
// empty; sometimes dozens of them, so the sort really sorts.
const busyArb = fc.record({
  startMinute: fc.integer({ min: -600, max: 2400 }),
  startNanos: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 59_999_999_999 }), fc.constantFrom(1, 999_999, 1_000_001)),
  lengthNanos: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 240 }).map((m) => m * 60_000_000_000), weight: 3 },
    fc.integer({ min: 0, max: 3 * 60 * 60_000_000_000 }), // includes 0 (empty) and sub-ms lengths
    fc.constantFrom(0, 1, 999_999, 1_000_000, 1_000_001)
  ),
});

const scenarioArb = fc
  .record({
    zone: fc.constantFrom(...zoneNames),
    dateIndex: fc.nat({ max: 1 }),
    dayShift: fc.integer({ min: -1, max: 1 }),
    weekly: fc.array(rangesArb, { minLength: 7, maxLength: 7 }),
    overrides: fc.uniqueArray(fc.record({ day: fc.integer({ min: -1, max: 2 }), ranges: rangesArb }), {
      maxLength: 3,
      selector: (o) => o.day,
    }),
    duration: fc.integer({ min: 1, max: 36 }).map((n) => n * 5),
    interval: fc.constantFrom(15, 20, 30, 45, 60, 90),
    bufferBefore: fc.constantFrom(0, 0, 5, 15, 30),
    bufferAfter: fc.constantFrom(0, 0, 10, 15, 45),
    minNotice: fc.constantFrom(0, 0, 30, 120, 600),
    bookingWindowDays: fc.constantFrom(0, 2, 30, 30, 30),
    nowOffset: fc.integer({ min: -2 * 1440, max: 720 }),
    nowNanos: fc.constantFrom(0, 0, 1, 123_456_789),
    fromOffset: fc.integer({ min: -720, max: 720 }),
    windowMinutes: fc.integer({ min: 30, max: 30 * 60 }),
    busy: fc.oneof(fc.array(busyArb, { maxLength: 8 }), fc.array(busyArb, { minLength: 20, maxLength: 80 })),
    customerZone: fc.constantFrom(...zoneNames, "UTC"),
  })
  .map((s): AvailabilityInput => {
    const base = Temporal.PlainDate.from(ZONES[s.zone]![s.dateIndex]!).add({ days: s.dayShift });
    const input = availabilityInputFor({ ...s, occupied: [] }, base);
    const occupied = s.busy.map((b) => {
      const start = input.from.add({ minutes: b.startMinute }).add({ nanoseconds: b.startNanos });
      return { start, end: start.add({ nanoseconds: b.lengthNanos }) };
    });
    return { ...input, occupied };
  });

/** The same input with its busy time as epoch milliseconds instead of Instants. */
const numeric = (input: AvailabilityInput): AvailabilityInput => ({
  ...input,
  occupied: [],
  occupiedMs: input.occupied.map(toEpochMs),
});


describe("occupied time as epoch milliseconds (occupiedMs)", () => {
  it("computeSlots: the same instants and strings as with Instants", () => {
    let slots = 0;
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const expected = slotKeys(computeSlots(input));
        slots += expected.length;
        expect(slotKeys(computeSlots(numeric(input)))).toEqual(expected);
      }),
      { numRuns: NUM_RUNS }
    );
    expect(slots).toBeGreaterThan(NUM_RUNS); // the comparison was not vacuous
  });

  it("computeSlots: busy time split between occupied and occupiedMs counts once, as the union", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (input, cut) => {
        const k = input.occupied.length === 0 ? 0 : cut % (input.occupied.length + 1);
        const split: AvailabilityInput = {
          ...input,
          occupied: input.occupied.slice(0, k),
          occupiedMs: input.occupied.slice(k).map(toEpochMs),
        };
        expect(slotKeys(computeSlots(split))).toEqual(slotKeys(computeSlots(input)));
      }),
      { numRuns: NUM_RUNS / 3 }
    );
  });

  it("isSlotBookable and nearestAlternatives: the same answers as with Instants", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.integer({ min: 1, max: 6 }), (input, pick, count) => {
        const asMs = numeric(input);
        const span = Math.max(1, Math.floor(input.from.until(input.to).total("minutes") / 5));
        const wanted = input.from.add({ minutes: 5 * (pick % span) });
        expect(slotKeys(nearestAlternatives(asMs, wanted, count))).toEqual(slotKeys(nearestAlternatives(input, wanted, count)));
        const probes = [wanted, ...computeSlots(input).slice(0, 4).map((s) => s.start)];
        for (const t of probes) expect(isSlotBookable(asMs, t), t.toString()).toBe(isSlotBookable(input, t));
      }),
      { numRuns: NUM_RUNS / 3 }
    );
  });

  it("refuses what is not whole epoch milliseconds, and an end before its start", () => {
    const input = fc.sample(scenarioArb, { numRuns: 1, seed: 7 })[0]!;
    const ms = input.from.epochMilliseconds;
    for (const bad of [
      { startMs: ms + 0.5, endMs: ms + 60_000 },
      { startMs: ms, endMs: Number.NaN },
      { startMs: ms, endMs: Infinity },
      { startMs: String(ms), endMs: ms + 60_000 },
      { startMs: ms + 60_000, endMs: ms },
    ]) {
      expect(() => computeSlots({ ...input, occupiedMs: [bad as unknown as EpochMsInterval] }), JSON.stringify(bad)).toThrow(
        /occupiedMs\[0\]/
      );
    }
    // An empty interval holds no instant, as with Instants.
    expect(slotKeys(computeSlots({ ...input, occupied: [], occupiedMs: [{ startMs: ms, endMs: ms }] }))).toEqual(
      slotKeys(computeSlots({ ...input, occupied: [] }))
    );
  });
});

describe("slots with lazy Instants", () => {
  const input = fc.sample(scenarioArb.filter((i) => computeSlots(i).length > 0), { numRuns: 1, seed: 11 })[0]!;

  it("start and end are the instants of the strings, made once", () => {
    for (const slot of computeSlots(input)) {
      expect(slot.start.toString()).toBe(slot.startUtc);
      expect(slot.end.toString()).toBe(slot.endUtc);
      expect(slot.start).toBe(slot.start);
      expect(slot.end).toBe(slot.end);
      expect(slot.start.until(slot.end).total("minutes")).toBe(input.service.durationMinutes);
    }
  });

  it("JSON.stringify gives what it gave for a plain object with Instants", () => {
    for (const slot of computeSlots(input)) {
      const plain = {
        start: slot.start,
        end: slot.end,
        startUtc: slot.startUtc,
        endUtc: slot.endUtc,
        startCustomer: slot.startCustomer,
        startProvider: slot.startProvider,
        endCustomer: slot.endCustomer,
        endProvider: slot.endProvider,
      };
      expect(JSON.stringify(slot)).toBe(JSON.stringify(plain));
    }
  });
});
