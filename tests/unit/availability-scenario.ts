// Shared by the availability property tests and the fast-path-versus-reference tests: the zones and
// the dates around which something happens in them, the generator of a day's working ranges, the
// builder that turns a sampled scenario (offsets in minutes around a base day) into the engine's
// input, and the key that compares two engines' slots field by field. The suites sample scenarios
// differently but build and compare them alike.
import type { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import type { AvailabilityInput, DateOverride, Slot, TimeRange, WeeklyRule } from "../../domain/availability";
import { startOfLocalDay } from "../../domain/time";

/** Each zone with dates around which something happens (DST changes; Kathmandu has none). */
export const ZONE_EVENTS: Record<string, string[]> = {
  "America/New_York": ["2026-03-08", "2026-11-01"],
  "Europe/London": ["2026-03-29", "2026-10-25"],
  "Australia/Lord_Howe": ["2026-04-05", "2026-10-04"],
  "Asia/Kathmandu": ["2026-03-08", "2026-07-01"],
  "Pacific/Chatham": ["2026-04-05", "2026-09-27"],
  "America/Santiago": ["2026-04-05", "2026-09-06"],
};

/** Every field of every slot, as one comparable line per slot. */
export const slotKeys = (slots: Slot[]) =>
  slots.map((s) =>
    [s.start.epochNanoseconds, s.end.epochNanoseconds, s.startUtc, s.endUtc, s.startCustomer, s.startProvider, s.endCustomer, s.endProvider].join(" ")
  );

const hhmm = (minute: number) =>
  minute === 1440
    ? "24:00"
    : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

// Ranges on a 5-minute grid; ends of 24:00 and starts at 00:00 come up often enough to exercise
// midnight joins. Lengths are mostly 3-12 h so that most runs have slots to check, now and then tiny
// or whole-day; a share of ranges sit in the small hours (0-5 h), where the DST changes happen.
const rangeArb: fc.Arbitrary<TimeRange> = fc
  .oneof(
    {
      arbitrary: fc.tuple(
        fc.integer({ min: 0, max: 287 }),
        fc.oneof({ arbitrary: fc.integer({ min: 36, max: 144 }), weight: 3 }, fc.integer({ min: 1, max: 288 }))
      ),
      weight: 3,
    },
    fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 6, max: 72 }))
  )
  .map(([s, len]) => ({ start: hhmm(s * 5), end: hhmm(Math.min(s + len, 288) * 5) }));

/** A day's working ranges: mostly one to three, sometimes a closed day. */
export const rangesArb = fc.oneof(
  { arbitrary: fc.array(rangeArb, { minLength: 1, maxLength: 3 }), weight: 4 },
  fc.constant<TimeRange[]>([]) // closed day
);

export interface ScenarioSample {
  zone: string;
  /** Ranges for ISO weekdays 1 (Monday) to 7. */
  weekly: TimeRange[][];
  overrides: Array<{ day: number; ranges: TimeRange[] }>;
  duration: number;
  interval: number;
  bufferBefore: number;
  bufferAfter: number;
  minNotice: number;
  bookingWindowDays: number;
  /** Minutes from the base day's start. */
  nowOffset: number;
  /** Sub-minute part of "now" (Temporal.Now is not minute-aligned). */
  nowNanos?: number;
  fromOffset: number;
  windowMinutes: number;
  /** [start, length] in minutes from the query's start. */
  occupied: Array<[number, number]>;
  customerZone: string;
}

export function availabilityInputFor(s: ScenarioSample, base: Temporal.PlainDate): AvailabilityInput {
  const dayStart = startOfLocalDay(base, s.zone);
  const from = dayStart.add({ minutes: s.fromOffset });
  const weekly: WeeklyRule[] = s.weekly.map((ranges, i) => ({ weekday: (i + 1) as WeeklyRule["weekday"], ranges }));
  const overrides: DateOverride[] = s.overrides.map((o) => ({ date: base.add({ days: o.day }).toString(), ranges: o.ranges }));
  return {
    providerZone: s.zone,
    weekly,
    overrides,
    service: {
      durationMinutes: s.duration,
      bufferBeforeMinutes: s.bufferBefore,
      bufferAfterMinutes: s.bufferAfter,
      slotIntervalMinutes: s.interval,
      minNoticeMinutes: s.minNotice,
      bookingWindowDays: s.bookingWindowDays,
    },
    occupied: s.occupied.map(([start, len]) => ({ start: from.add({ minutes: start }), end: from.add({ minutes: start + len }) })),
    now: dayStart.add({ minutes: s.nowOffset }).add({ nanoseconds: s.nowNanos ?? 0 }),
    from,
    to: from.add({ minutes: s.windowMinutes }),
    customerZone: s.customerZone,
  };
}
