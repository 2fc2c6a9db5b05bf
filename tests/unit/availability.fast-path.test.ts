// The availability engine's fast path (uniform local days: startOfDay + exact minutes, cheap
// formatting; see domain/time.ts) must give exactly the answers of the Temporal-only path.
// Checked two ways: the primitives against Temporal's resolvers and formatter minute by minute
// around real transitions, and the whole engine against referenceEngine (same rules with the
// fast path off) on random schedules across DST zones, transition days included.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityInput,
  type WeeklyRule,
  computeSlots,
  isSlotBookable,
  nearestAlternatives,
} from "../../domain/availability";
import { referenceEngine } from "../../domain/availability-reference";
import {
  ZoneClock,
  localDays,
  resolveLocal,
  resolveLocalBoundary,
  resolveLocalBoundaryMinute,
  resolveLocalMinute,
  startOfLocalDay,
} from "../../domain/time";
import { availabilityInputFor, rangesArb, slotKeys } from "./availability-scenario";

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/Santiago",
];
// 1986: Kathmandu's only change (+05:30 -> +05:45 at midnight); 2016/2022: Santiago's rules moved.
const YEARS = [1986, 2016, 2022, 2026, 2027];
const NUM_RUNS = 150;

/** Provider-local dates on which the zone's offset changes in `year` (Temporal's transitions). */
function transitionDates(zone: string, year: number): Temporal.PlainDate[] {
  const out: Temporal.PlainDate[] = [];
  // From the day before, so a change at the very start of the year (Kathmandu 1986) counts.
  let zdt: Temporal.ZonedDateTime | null = Temporal.PlainDate.from({
    year: year - 1,
    month: 12,
    day: 31,
  }).toZonedDateTime(zone);
  for (;;) {
    zdt = zdt.getTimeZoneTransition("next");
    if (!zdt || zdt.year > year) break;
    if (zdt.year === year) out.push(zdt.toPlainDate());
  }
  return out;
}

const TRANSITIONS = new Map(ZONES.map((z) => [z, YEARS.flatMap((y) => transitionDates(z, y))]));
/** Dates to build scenarios around: transition days, plus plain ones for zones without any. */
const BASES = new Map(
  ZONES.map((z) => [
    z,
    [...TRANSITIONS.get(z)!, Temporal.PlainDate.from("2026-07-01"), Temporal.PlainDate.from("2026-01-15")],
  ])
);


describe("fast-path primitives equal Temporal's resolvers and formatter", () => {
  it("has transitions to test around", () => {
    for (const zone of ZONES) expect(TRANSITIONS.get(zone)!.length).toBeGreaterThan(0);
  });

  it("resolveLocalMinute / resolveLocalBoundaryMinute match resolveLocal / resolveLocalBoundary every 15 minutes", () => {
    let uniformDays = 0;
    let otherDays = 0;
    for (const zone of ZONES) {
      for (const t of TRANSITIONS.get(zone)!.filter((d) => d.year === 1986 || d.year >= 2026)) {
        // Fast and exact days side by side: the transition day and 3 days either side.
        const fast = localDays(zone, t.subtract({ days: 3 }), t.add({ days: 3 }));
        const exact = localDays(zone, t.subtract({ days: 3 }), t.add({ days: 3 }), true);
        for (let i = 0; i < fast.length; i++) {
          const day = fast[i]!;
          expect(day.start).toBe(exact[i]!.start);
          expect(day.end).toBe(exact[i]!.end);
          expect(day.end).toBe(startOfLocalDay(day.date.add({ days: 1 }), zone).epochNanoseconds);
          if (day.uniform) uniformDays++;
          else otherDays++;
          // Every change in these zones happens on a quarter hour.
          for (let m = 0; m < 1440; m += 15) {
            const time = new Temporal.PlainTime(Math.floor(m / 60), m % 60);
            const expected = resolveLocal(day.date, time, zone);
            expect(resolveLocalMinute(day, m, zone), `${zone} ${day.date} ${time}`).toBe(
              expected === null ? null : expected.epochNanoseconds
            );
            expect(resolveLocalBoundaryMinute(day, m, zone), `${zone} ${day.date} ${time}`).toBe(
              resolveLocalBoundary(day.date, time, zone).epochNanoseconds
            );
          }
        }
      }
    }
    // Both paths really ran: transition days are slow, most of their neighbours fast.
    expect(uniformDays).toBeGreaterThan(otherDays);
    expect(otherDays).toBeGreaterThan(0);
  });

  it("ZoneClock.format matches Temporal (ZonedDateTime and Instant strings) every 5 minutes across transitions", () => {
    for (const zone of [...ZONES, "UTC", "Europe/Paris"]) {
      for (const t of (TRANSITIONS.get(zone) ?? TRANSITIONS.get("Europe/London")!).filter((d) => d.year >= 2026)) {
        const from = startOfLocalDay(t.subtract({ days: 2 }), zone).epochNanoseconds;
        const clock = new ZoneClock(zone);
        const instants = ZoneClock.instants();
        for (let k = 0; k < 4 * 288; k++) {
          const ns = from + BigInt(k) * 300_000_000_000n;
          const instant = Temporal.Instant.fromEpochNanoseconds(ns);
          expect(clock.format(instant, ns)).toBe(instant.toZonedDateTimeISO(zone).toString());
          expect(instants.format(instant, ns)).toBe(instant.toString());
        }
        // Sub-minute and sub-second instants, and a jump backwards, still come out right.
        for (const ns of [from + 1_500_000_000n, from + 7n, from - 86_400_000_000_000n * 3n]) {
          const instant = Temporal.Instant.fromEpochNanoseconds(ns);
          expect(clock.format(instant, ns)).toBe(instant.toZonedDateTimeISO(zone).toString());
          expect(instants.format(instant, ns)).toBe(instant.toString());
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Whole engine, random schedules: the ranges generator of availability.property.test.ts, but
// windows of up to 10 days that start up to 6 days before/after a transition, so each run
// mixes uniform days and transition days (and the transition cache is extended both ways).

const scenarioArb = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    basePick: fc.nat(),
    dayShift: fc.integer({ min: -6, max: 6 }),
    weekly: fc.array(rangesArb, { minLength: 7, maxLength: 7 }),
    overrides: fc.uniqueArray(fc.record({ day: fc.integer({ min: -3, max: 3 }), ranges: rangesArb }), {
      maxLength: 3,
      selector: (o) => o.day,
    }),
    duration: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 36 }).map((n) => n * 5), weight: 4 },
      fc.integer({ min: 1, max: 3000 }) // odd lengths, up to two days
    ),
    interval: fc.constantFrom(15, 20, 30, 45, 60, 90, 7),
    bufferBefore: fc.constantFrom(0, 0, 5, 15, 30),
    bufferAfter: fc.constantFrom(0, 0, 10, 15, 45),
    minNotice: fc.constantFrom(0, 0, 30, 120, 600),
    bookingWindowDays: fc.constantFrom(0, 2, 5, 30, 30, 30),
    nowOffset: fc.integer({ min: -3 * 1440, max: 3 * 1440 }),
    nowNanos: fc.constantFrom(0, 0, 0, 1, 123_456_789), // sub-minute "now", as Temporal.Now gives
    fromOffset: fc.integer({ min: -720, max: 720 }),
    windowMinutes: fc.integer({ min: 30, max: 10 * 1440 }),
    occupied: fc.array(fc.tuple(fc.integer({ min: -600, max: 10 * 1440 }), fc.integer({ min: 1, max: 240 })), {
      maxLength: 8,
    }),
    customerZone: fc.constantFrom(...ZONES, "UTC", "Europe/Paris", "Asia/Tokyo"),
  })
  .map((s): AvailabilityInput => {
    const bases = BASES.get(s.zone)!;
    const base = bases[s.basePick % bases.length]!.add({ days: s.dayShift });
    return availabilityInputFor(s, base);
  });

describe("fast engine equals the Temporal-only reference engine", () => {
  it("computeSlots: same instants and the same four strings", () => {
    let slots = 0;
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const fast = computeSlots(input);
        slots += fast.length;
        expect(slotKeys(fast)).toEqual(slotKeys(referenceEngine.computeSlots(input)));
      }),
      { numRuns: NUM_RUNS }
    );
    expect(slots).toBeGreaterThan(NUM_RUNS); // the comparison was not vacuous
  });

  it("isSlotBookable: same verdict for offered slots and near misses", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (input, picks) => {
        const slots = referenceEngine.computeSlots(input);
        const probes = slots
          .slice(0, 4)
          .flatMap((s) => [s.start, s.start.add({ minutes: 5 }), s.start.subtract({ minutes: 60 })]);
        const span = Math.max(1, Math.floor(input.from.until(input.to).total("minutes") / 5));
        for (const p of picks) probes.push(input.from.add({ minutes: 5 * (p % span) }));
        for (const t of probes)
          expect(isSlotBookable(input, t), t.toString()).toBe(referenceEngine.isSlotBookable(input, t));
      }),
      { numRuns: NUM_RUNS / 3 }
    );
  });

  it("nearestAlternatives: same slots in the same order", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.integer({ min: 1, max: 8 }), (input, pick, count) => {
        const span = Math.max(1, Math.floor(input.from.until(input.to).total("minutes") / 5));
        const wanted = input.from.add({ minutes: 5 * (pick % span) });
        expect(slotKeys(nearestAlternatives(input, wanted, count))).toEqual(
          slotKeys(referenceEngine.nearestAlternatives(input, wanted, count))
        );
      }),
      { numRuns: NUM_RUNS / 3 }
    );
  });

  it("a month of weekday hours in every zone, the window starting on each transition day", () => {
    const weekly: WeeklyRule[] = [1, 2, 3, 4, 5].map((weekday) => ({
      weekday: weekday as WeeklyRule["weekday"],
      ranges: [
        { start: "09:00", end: "12:30" },
        { start: "13:30", end: "17:00" },
      ],
    }));
    for (const zone of ZONES) {
      for (const t of TRANSITIONS.get(zone)!.filter((d) => d.year === 2026)) {
        const from = startOfLocalDay(t.subtract({ days: 10 }), zone);
        const input: AvailabilityInput = {
          providerZone: zone,
          weekly,
          overrides: [],
          service: {
            durationMinutes: 30,
            bufferBeforeMinutes: 0,
            bufferAfterMinutes: 0,
            slotIntervalMinutes: 30,
            minNoticeMinutes: 0,
            bookingWindowDays: 365,
          },
          occupied: [],
          now: from.subtract({ hours: 1 }),
          from,
          to: startOfLocalDay(t.add({ days: 21 }), zone),
          customerZone: zone === "Europe/London" ? "America/New_York" : "Europe/London",
        };
        const fast = computeSlots(input);
        expect(fast.length).toBeGreaterThan(200);
        expect(slotKeys(fast)).toEqual(slotKeys(referenceEngine.computeSlots(input)));
      }
    }
  });
});
