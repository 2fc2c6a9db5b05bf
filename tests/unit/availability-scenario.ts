// Turns a sampled availability scenario (fast-check record of offsets in minutes around a base day)
// into the engine's input. Shared by the property tests and the fast-path-versus-reference tests,
// which sample differently but must build inputs the same way.
import type { Temporal } from "@js-temporal/polyfill";
import type { AvailabilityInput, DateOverride, TimeRange, WeeklyRule } from "../../domain/availability";
import { startOfLocalDay } from "../../domain/time";

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
