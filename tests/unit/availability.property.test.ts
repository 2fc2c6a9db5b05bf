// Property tests for the availability engine, concentrated on DST transition days in zones with
// odd offsets, where hand-written examples are most likely to miss a case.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityInput,
  computeSlots,
  isSlotBookable,
  workingIntervals,
} from "../../domain/availability";
import { type Interval, contains, overlaps, widen } from "../../domain/intervals";
import { ZONE_EVENTS, availabilityInputFor, rangesArb } from "./availability-scenario";

const ZONES = ZONE_EVENTS;
const zoneNames = Object.keys(ZONES);
const NUM_RUNS = 100;

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
    // Mostly generous so that most runs offer slots; sometimes tight so the cut-offs are hit.
    minNotice: fc.constantFrom(0, 0, 30, 120, 600),
    bookingWindowDays: fc.constantFrom(0, 2, 30, 30, 30, 30, 30),
    nowOffset: fc.integer({ min: -2 * 1440, max: 720 }), // minutes from the base day's start
    fromOffset: fc.integer({ min: -720, max: 720 }),
    windowMinutes: fc.oneof(
      { arbitrary: fc.integer({ min: 12 * 60, max: 26 * 60 }), weight: 3 },
      fc.integer({ min: 30, max: 30 * 60 })
    ),
    occupied: fc.array(fc.tuple(fc.integer({ min: -600, max: 2400 }), fc.integer({ min: 1, max: 240 })), {
      maxLength: 6,
    }),
    customerZone: fc.constantFrom(...zoneNames, "UTC"),
  })
  .map((s): AvailabilityInput => {
    const base = Temporal.PlainDate.from(ZONES[s.zone]![s.dateIndex]!).add({ days: s.dayShift });
    return availabilityInputFor(s, base);
  });

const cmp = Temporal.Instant.compare;
const key = (i: Temporal.Instant) => i.toString();
const startKeys = (input: AvailabilityInput) => computeSlots(input).map((s) => key(s.start));
const widened = (input: AvailabilityInput, start: Temporal.Instant): Interval =>
  widen(
    { start, end: start.add({ minutes: input.service.durationMinutes }) },
    input.service.bufferBeforeMinutes,
    input.service.bufferAfterMinutes
  );

describe("computeSlots properties", () => {
  it("offered slots never overlap occupied time, even with buffers", () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        for (const slot of computeSlots(input)) {
          const w = widened(input, slot.start);
          expect(input.occupied.some((o) => overlaps(o, w))).toBe(false);
        }
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("every widened slot lies inside one working interval, within the window, notice and booking window", () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        // A much wider, independent query than computeSlots makes internally.
        const working = workingIntervals(
          input.providerZone,
          input.weekly,
          input.overrides,
          input.from.subtract({ hours: 48 }),
          input.to.add({ hours: 72 })
        );
        const earliest = input.now.add({ minutes: input.service.minNoticeMinutes });
        const latest = input.now
          .toZonedDateTimeISO(input.providerZone)
          .add({ days: input.service.bookingWindowDays })
          .toInstant();
        for (const slot of computeSlots(input)) {
          expect(working.some((i) => contains(i, widened(input, slot.start)))).toBe(true);
          expect(cmp(slot.start, input.from) >= 0 && cmp(slot.start, input.to) < 0).toBe(true);
          expect(cmp(slot.start, earliest) >= 0 && cmp(slot.start, latest) <= 0).toBe(true);
          expect(slot.start.until(slot.end).total("minutes")).toBe(input.service.durationMinutes);
        }
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("slot instants do not depend on the customer's zone", () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom(...zoneNames, "UTC"), (input, otherZone) => {
        const a = computeSlots(input);
        const b = computeSlots({ ...input, customerZone: otherZone });
        expect(b.map((s) => key(s.start))).toEqual(a.map((s) => key(s.start)));
        expect(b.map((s) => s.startProvider)).toEqual(a.map((s) => s.startProvider));
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("adding an occupied interval never adds a slot", () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.integer({ min: -600, max: 2400 }),
        fc.integer({ min: 1, max: 300 }),
        (input, startMin, len) => {
          const extra = {
            start: input.from.add({ minutes: startMin }),
            end: input.from.add({ minutes: startMin + len }),
          };
          const before = new Set(startKeys(input));
          const after = startKeys({ ...input, occupied: [...input.occupied, extra] });
          for (const k of after) expect(before.has(k)).toBe(true);
        }
      ),
      { numRuns: NUM_RUNS }
    );
  });

  it("removing an occupied interval never removes a slot", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (input, pick) => {
        fc.pre(input.occupied.length > 0);
        const index = pick % input.occupied.length;
        const fewer = input.occupied.filter((_, i) => i !== index);
        const after = new Set(startKeys({ ...input, occupied: fewer }));
        for (const k of startKeys(input)) expect(after.has(k)).toBe(true);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("slots are strictly increasing (so no duplicates)", () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const slots = computeSlots(input);
        for (let i = 1; i < slots.length; i++) expect(cmp(slots[i - 1]!.start, slots[i]!.start)).toBe(-1);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("isSlotBookable is true exactly for the computed starts in the window", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat(), { minLength: 10, maxLength: 10 }), (input, picks) => {
        const slots = computeSlots(input);
        const offered = new Set(slots.map((s) => key(s.start)));
        for (const s of slots) expect(isSlotBookable(input, s.start)).toBe(true);

        // All ranges start on 5-minute marks, intervals are multiples of 5 and every zone here
        // has an offset that is a multiple of 15 minutes: any grid start is a 5-minute UTC mark.
        const fromMark = Math.ceil(input.from.epochMilliseconds / 300_000);
        const marks = Math.ceil(input.from.until(input.to).total("minutes") / 5) + 1;
        const probes: Temporal.Instant[] = [];
        for (const p of picks) probes.push(Temporal.Instant.fromEpochMilliseconds((fromMark + (p % marks)) * 300_000));
        // Neighbours of offered slots are the likeliest near-misses (one step off, other side of a gap).
        for (const s of slots.slice(0, 6)) {
          probes.push(s.start.subtract({ minutes: input.service.slotIntervalMinutes }), s.start.add({ minutes: 5 }));
        }
        for (const t of probes) {
          if (cmp(t, input.from) < 0 || cmp(t, input.to) >= 0) continue;
          expect(isSlotBookable(input, t)).toBe(offered.has(key(t)));
        }
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it("computeSlots agrees with a brute-force scan of every 5-minute mark", () => {
    // Independent oracle for completeness: a mark is a slot iff its provider-local wall time is on
    // some range's grid, it is the first instant showing that wall time, and the widened slot fits.
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const zone = input.providerZone;
        const step = input.service.slotIntervalMinutes;
        const working = workingIntervals(
          zone,
          input.weekly,
          input.overrides,
          input.from.subtract({ hours: 48 }),
          input.to.add({ hours: 72 })
        );
        const earliest = input.now.add({ minutes: input.service.minNoticeMinutes });
        const latest = input.now.toZonedDateTimeISO(zone).add({ days: input.service.bookingWindowDays }).toInstant();
        const expected: string[] = [];
        const firstMark = Math.ceil(input.from.epochMilliseconds / 300_000);
        for (let n = firstMark; ; n++) {
          const t = Temporal.Instant.fromEpochMilliseconds(n * 300_000);
          if (cmp(t, input.to) >= 0) break;
          if (cmp(t, earliest) < 0 || cmp(t, latest) > 0) continue;
          const local = t.toZonedDateTimeISO(zone).toPlainDateTime(); // one zone lookup, then plain fields
          const date = local.toPlainDate().toString();
          const minute = local.hour * 60 + local.minute;
          const rules =
            input.overrides.find((o) => o.date === date)?.ranges ??
            input.weekly.find((w) => w.weekday === local.dayOfWeek)?.ranges ??
            [];
          const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
          const onGrid = rules.some(
            (r) => minute >= toMin(r.start) && minute < toMin(r.end) && (minute - toMin(r.start)) % step === 0
          );
          if (!onGrid) continue;
          // Not the first occurrence if the same wall time showed up within the previous 3 hours.
          const repeated = Array.from({ length: 12 }, (_, k) => t.subtract({ minutes: 15 * (k + 1) })).some((e) =>
            e.toZonedDateTimeISO(zone).toPlainDateTime().equals(local)
          );
          if (repeated) continue;
          const w = widened(input, t);
          if (!working.some((i) => contains(i, w))) continue;
          if (input.occupied.some((o) => overlaps(o, w))) continue;
          expected.push(key(t));
        }
        expect(startKeys(input)).toEqual(expected);
      }),
      { numRuns: NUM_RUNS }
    );
  });
});
