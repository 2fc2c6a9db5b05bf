// The pure availability engine: provider weekly hours + date overrides + service timing +
// already-occupied time -> bookable slots. No I/O; the Durable Object and the HTTP layer feed
// it data and trust its answer (and the database constraint is the final guarantee).
//
// Decisions (see also domain/time.ts for the DST resolvers):
//  * Working ranges are provider-local wall-clock "HH:MM"-"HH:MM" ("24:00" = end of the day).
//    Their real-time extent is resolveLocalBoundary(start)..resolveLocalBoundary(end) (Temporal
//    "compatible": an edge inside a spring-forward gap takes the LATER instant, an edge inside
//    a fall-back overlap the earlier one); "24:00" is the first instant of the next local day.
//    So 09:00-17:00 is 8 real hours on a DST day when the change is outside it, while
//    01:00-04:00 across New York's spring-forward is 2 real hours and across fall-back 4.
//  * Slot start candidates are the range's local start + k * slotInterval in LOCAL wall-clock
//    minutes, while < the range's local end, each resolved with resolveLocal:
//      - a candidate inside a DST gap does not exist that day and is skipped, never shifted;
//      - a candidate inside a fall-back overlap is its FIRST occurrence only. The repeated
//        hour therefore gets no new start labels (the grid shows e.g. 01:00, 01:30 EDT, then
//        02:00 EST). Working time still includes that real hour, so a slot that started
//        before it may run through it; no instant is produced twice and starts stay strictly
//        increasing.
//  * A slot [start, start + duration) is offered iff widen(slot, bufferBefore, bufferAfter)
//    lies inside ONE merged working interval (touching ranges, also across midnight, merge),
//    overlaps no occupied interval, start >= now + minNotice, start <= latest bookable start.
//  * Booking window = CALENDAR days in the provider zone: latest start = now viewed in the
//    provider zone + bookingWindowDays days, same wall-clock time (Temporal "compatible" if
//    that lands in a gap). Customers think "30 days ahead" in dates, not in 24h blocks, and a
//    DST change inside the window must not move the cutoff by an hour.
//  * Cost: candidates are generated only for local days intersecting
//    [from, to) ∩ [now + minNotice, latest], so it is bounded by the query AND the booking
//    window; occupied intervals are merged once and probed by binary search.
import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";
import { type Interval, findContaining, mergeIntervals, overlapsAnySorted, widen } from "./intervals";
import {
  assertTimeZone,
  formatInZone,
  localDateOf,
  parseLocalTime,
  resolveLocal,
  resolveLocalBoundary,
  startOfLocalDay,
} from "./time";

export interface TimeRange {
  start: string; // "HH:MM"
  end: string; // "HH:MM" or "24:00"; start < end
}
export interface WeeklyRule {
  weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7; // ISO, Monday = 1. At most one rule per weekday.
  ranges: TimeRange[]; // any order; gaps between them are breaks, overlapping ones are unioned
}
export interface DateOverride {
  date: string; // YYYY-MM-DD, provider-local. At most one override per date.
  ranges: TimeRange[]; // replaces that day's weekly hours; [] = closed
}
export interface ServiceTiming {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  slotIntervalMinutes: number;
  minNoticeMinutes: number;
  bookingWindowDays: number; // provider-local calendar days, see header
}
export interface AvailabilityInput {
  providerZone: string;
  weekly: WeeklyRule[];
  overrides: DateOverride[];
  service: ServiceTiming;
  occupied: Interval[]; // already widened by their own buffers
  now: Temporal.Instant;
  from: Temporal.Instant;
  to: Temporal.Instant; // slots whose start is in [from, to)
  customerZone: string;
}
export interface Slot {
  start: Temporal.Instant;
  end: Temporal.Instant;
  startCustomer: string;
  startProvider: string;
  endCustomer: string;
  endProvider: string;
}

/** nearestAlternatives looks at the wanted provider-local day plus this many following days. */
export const ALTERNATIVES_HORIZON_DAYS = 14;

const MINUTES_PER_DAY = 1440;
// Sanity caps: far beyond any real service, small enough that Instant arithmetic never overflows
// and a bad row cannot make the engine loop for minutes.
const MAX_MINUTES = 366 * MINUTES_PER_DAY;
const MAX_WINDOW_DAYS = 3660;

const cmp = Temporal.Instant.compare;
const ONE_NS = { nanoseconds: 1 } as const;

function invalid(field: string, message: string): never {
  throw new DomainError("VALIDATION", `${field}: ${message}`, { fields: [field] });
}

// ---------------------------------------------------------------------------------------------
// Schedule parsing / validation

interface MinuteRange {
  startMin: number; // 0..1439
  endMin: number; // 1..1440, > startMin
}

interface Schedule {
  weekly: Map<number, MinuteRange[]>;
  overrides: Map<string, MinuteRange[]>; // key: PlainDate.toString()
}

/** Minute of the local day; "24:00" (1440) only where allowed, i.e. for range ends. */
function parseMinute(value: unknown, field: string, allow2400: boolean): number {
  if (allow2400 && value === "24:00") return MINUTES_PER_DAY;
  try {
    const t = parseLocalTime(value as string, field);
    return t.hour * 60 + t.minute;
  } catch (e) {
    if (allow2400) invalid(field, `must be HH:MM (00:00-23:59) or 24:00, got ${JSON.stringify(value)}`);
    throw e;
  }
}

function parseRanges(ranges: unknown, field: string): MinuteRange[] {
  if (!Array.isArray(ranges)) invalid(field, "must be an array");
  return ranges.map((r: TimeRange, i) => {
    const startMin = parseMinute(r?.start, `${field}[${i}].start`, false);
    const endMin = parseMinute(r?.end, `${field}[${i}].end`, true);
    if (startMin >= endMin) invalid(`${field}[${i}].end`, "must be after start");
    return { startMin, endMin };
  });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseSchedule(weekly: WeeklyRule[], overrides: DateOverride[]): Schedule {
  if (!Array.isArray(weekly)) invalid("weekly", "must be an array");
  if (!Array.isArray(overrides)) invalid("overrides", "must be an array");
  const schedule: Schedule = { weekly: new Map(), overrides: new Map() };
  weekly.forEach((rule, i) => {
    const wd: unknown = rule?.weekday;
    if (!(typeof wd === "number" && Number.isInteger(wd) && wd >= 1 && wd <= 7)) {
      invalid(`weekly[${i}].weekday`, "must be an ISO weekday 1 (Monday) .. 7 (Sunday)");
    }
    // Duplicates are ambiguous (replace? add?), so they are a caller bug, not something to guess.
    if (schedule.weekly.has(wd)) invalid(`weekly[${i}].weekday`, `weekday ${wd} appears twice`);
    schedule.weekly.set(wd, parseRanges(rule.ranges, `weekly[${i}].ranges`));
  });
  overrides.forEach((o, i) => {
    const field = `overrides[${i}].date`;
    if (typeof o?.date !== "string" || !DATE.test(o.date)) invalid(field, "must be YYYY-MM-DD");
    let key: string;
    try {
      key = Temporal.PlainDate.from(o.date).toString(); // rejects 2026-02-30
    } catch {
      invalid(field, `is not a calendar date: ${o.date}`);
    }
    if (schedule.overrides.has(key)) invalid(field, `date ${key} appears twice`);
    schedule.overrides.set(key, parseRanges(o.ranges, `overrides[${i}].ranges`));
  });
  return schedule;
}

function rangesFor(schedule: Schedule, date: Temporal.PlainDate): MinuteRange[] {
  return schedule.overrides.get(date.toString()) ?? schedule.weekly.get(date.dayOfWeek) ?? [];
}

function timeOfMinute(minute: number): Temporal.PlainTime {
  return new Temporal.PlainTime(Math.floor(minute / 60), minute % 60);
}

function rangeInterval(date: Temporal.PlainDate, r: MinuteRange, zone: string): Interval | null {
  const start = resolveLocalBoundary(date, timeOfMinute(r.startMin), zone);
  const end =
    r.endMin === MINUTES_PER_DAY
      ? startOfLocalDay(date.add({ days: 1 }), zone)
      : resolveLocalBoundary(date, timeOfMinute(r.endMin), zone);
  // A range lying wholly inside a gap can collapse; it holds no real time then.
  return cmp(start, end) < 0 ? { start, end } : null;
}

/** Calls fn for every provider-local date whose day intersects [from, to). */
function forEachLocalDay(
  zone: string,
  from: Temporal.Instant,
  to: Temporal.Instant,
  fn: (d: Temporal.PlainDate) => void
) {
  if (cmp(from, to) >= 0) return;
  const last = localDateOf(to.subtract(ONE_NS), zone);
  for (let d = localDateOf(from, zone); Temporal.PlainDate.compare(d, last) <= 0; d = d.add({ days: 1 })) fn(d);
}

function scheduleIntervals(zone: string, schedule: Schedule, from: Temporal.Instant, to: Temporal.Instant): Interval[] {
  const list: Interval[] = [];
  forEachLocalDay(zone, from, to, (d) => {
    for (const r of rangesFor(schedule, d)) {
      const i = rangeInterval(d, r, zone);
      if (i) list.push(i);
    }
  });
  return mergeIntervals(list);
}

/**
 * Working time as instants: every range of every provider-local day that intersects
 * [from, to), NOT clipped to the window, merged (touching ranges, also across midnight,
 * become one interval).
 */
export function workingIntervals(
  providerZone: string,
  weekly: WeeklyRule[],
  overrides: DateOverride[],
  from: Temporal.Instant,
  to: Temporal.Instant
): Interval[] {
  assertTimeZone(providerZone, "providerZone");
  return scheduleIntervals(providerZone, parseSchedule(weekly, overrides), from, to);
}

// ---------------------------------------------------------------------------------------------
// Prepared context shared by computeSlots, isSlotBookable and nearestAlternatives, so all three
// apply literally the same rules.

type EngineInput = Omit<AvailabilityInput, "from" | "to" | "customerZone">;

interface Ctx {
  zone: string;
  schedule: Schedule;
  service: ServiceTiming;
  occupied: Interval[]; // merged
  earliest: Temporal.Instant; // inclusive
  latest: Temporal.Instant; // inclusive
}

function checkInt(value: unknown, field: string, min: number, max: number): void {
  if (!(typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)) {
    invalid(field, `must be an integer in ${min}..${max}`);
  }
}

// By brand, not instanceof: a second bundled copy of the polyfill (or native Temporal) makes
// instances that are perfectly usable but fail instanceof.
function isInstant(v: unknown): v is Temporal.Instant {
  return Object.prototype.toString.call(v) === "[object Temporal.Instant]";
}

function prepare(input: EngineInput): Ctx {
  assertTimeZone(input.providerZone, "providerZone");
  const s = input.service;
  if (!s || typeof s !== "object") invalid("service", "is required");
  checkInt(s.durationMinutes, "service.durationMinutes", 1, MAX_MINUTES);
  checkInt(s.slotIntervalMinutes, "service.slotIntervalMinutes", 1, MINUTES_PER_DAY);
  checkInt(s.bufferBeforeMinutes, "service.bufferBeforeMinutes", 0, MAX_MINUTES);
  checkInt(s.bufferAfterMinutes, "service.bufferAfterMinutes", 0, MAX_MINUTES);
  checkInt(s.minNoticeMinutes, "service.minNoticeMinutes", 0, MAX_MINUTES);
  checkInt(s.bookingWindowDays, "service.bookingWindowDays", 0, MAX_WINDOW_DAYS);
  if (!isInstant(input.now)) invalid("now", "must be a Temporal.Instant");
  if (!Array.isArray(input.occupied)) invalid("occupied", "must be an array");
  input.occupied.forEach((o, i) => {
    if (!isInstant(o?.start) || !isInstant(o?.end)) invalid(`occupied[${i}]`, "start and end must be Instants");
    if (cmp(o.start, o.end) > 0) invalid(`occupied[${i}]`, "end is before start");
  });
  const schedule = parseSchedule(input.weekly, input.overrides);
  return {
    zone: input.providerZone,
    schedule,
    service: s,
    occupied: mergeIntervals(input.occupied),
    earliest: input.now.add({ minutes: s.minNoticeMinutes }),
    latest: input.now.toZonedDateTimeISO(input.providerZone).add({ days: s.bookingWindowDays }).toInstant(),
  };
}

function slotInterval(ctx: Ctx, start: Temporal.Instant): Interval {
  return { start, end: start.add({ minutes: ctx.service.durationMinutes }) };
}

/** Working time needed to judge any slot starting in [from, to): reach back/forward by buffers+duration. */
function workingFor(ctx: Ctx, from: Temporal.Instant, to: Temporal.Instant): Interval[] {
  const { bufferBeforeMinutes: before, bufferAfterMinutes: after, durationMinutes } = ctx.service;
  return scheduleIntervals(
    ctx.zone,
    ctx.schedule,
    from.subtract({ minutes: before }),
    to.add({ minutes: durationMinutes + after })
  );
}

/** The interval rules for a grid-valid start: fits one working stretch, collides with nothing. */
function fits(ctx: Ctx, working: readonly Interval[], start: Temporal.Instant): boolean {
  if (cmp(start, ctx.earliest) < 0 || cmp(start, ctx.latest) > 0) return false;
  const occupiedBy = widen(slotInterval(ctx, start), ctx.service.bufferBeforeMinutes, ctx.service.bufferAfterMinutes);
  return findContaining(working, occupiedBy) !== undefined && !overlapsAnySorted(ctx.occupied, occupiedBy);
}

/** Grid candidates with start in [from, to), strictly increasing. */
function candidates(ctx: Ctx, from: Temporal.Instant, to: Temporal.Instant): Temporal.Instant[] {
  const step = ctx.service.slotIntervalMinutes;
  const out: Temporal.Instant[] = [];
  forEachLocalDay(ctx.zone, from, to, (d) => {
    for (const r of rangesFor(ctx.schedule, d)) {
      for (let m = r.startMin; m < r.endMin; m += step) {
        const start = resolveLocal(d, timeOfMinute(m), ctx.zone);
        if (start && cmp(start, from) >= 0 && cmp(start, to) < 0) out.push(start);
      }
    }
  });
  // Overlapping ranges of one day can yield the same instant twice; ranges need not be sorted.
  out.sort(cmp);
  return out.filter((s, i) => i === 0 || cmp(out[i - 1]!, s) !== 0);
}

/** Bookable starts in [from, to), clamped to [earliest, latest] before any work is done. */
function freeStarts(ctx: Ctx, from: Temporal.Instant, to: Temporal.Instant): Temporal.Instant[] {
  const lo = cmp(from, ctx.earliest) > 0 ? from : ctx.earliest;
  const latestExclusive = ctx.latest.add(ONE_NS);
  const hi = cmp(to, latestExclusive) < 0 ? to : latestExclusive;
  if (cmp(lo, hi) >= 0) return [];
  const working = workingFor(ctx, lo, hi);
  return candidates(ctx, lo, hi).filter((s) => fits(ctx, working, s));
}

function toSlot(ctx: Ctx, start: Temporal.Instant, customerZone: string): Slot {
  const end = slotInterval(ctx, start).end;
  return {
    start,
    end,
    startCustomer: formatInZone(start, customerZone),
    startProvider: formatInZone(start, ctx.zone),
    endCustomer: formatInZone(end, customerZone),
    endProvider: formatInZone(end, ctx.zone),
  };
}

/** Bookable slots whose start lies in [from, to), sorted by start, no duplicates. */
export function computeSlots(input: AvailabilityInput): Slot[] {
  const ctx = prepare(input);
  assertTimeZone(input.customerZone, "customerZone");
  if (!isInstant(input.from)) invalid("from", "must be a Temporal.Instant");
  if (!isInstant(input.to)) invalid("to", "must be a Temporal.Instant");
  if (cmp(input.from, input.to) > 0) invalid("to", "must not be before from");
  return freeStarts(ctx, input.from, input.to).map((s) => toSlot(ctx, s, input.customerZone));
}

/**
 * Is `start` on the slot grid of its provider-local day? That is: a whole minute equal to some
 * range's local start + k * slotInterval (before the range's local end), and the FIRST
 * occurrence of that wall time (the second pass of a fall-back hour is not on the grid).
 */
function onGrid(ctx: Ctx, start: Temporal.Instant): boolean {
  // One PlainDateTime: every field read on a ZonedDateTime repeats the zone lookup.
  const local = start.toZonedDateTimeISO(ctx.zone).toPlainDateTime();
  if (local.second !== 0 || local.millisecond !== 0 || local.microsecond !== 0 || local.nanosecond !== 0) return false;
  const date = local.toPlainDate();
  const minute = local.hour * 60 + local.minute;
  const step = ctx.service.slotIntervalMinutes;
  const inRange = rangesFor(ctx.schedule, date).some(
    (r) => minute >= r.startMin && minute < r.endMin && (minute - r.startMin) % step === 0
  );
  return inRange && resolveLocal(date, local.toPlainTime(), ctx.zone)?.equals(start) === true;
}

/**
 * The computeSlots rules for one start (used when creating a booking or a hold): true exactly
 * when computeSlots over any window containing `start` would offer it.
 */
export function isSlotBookable(input: EngineInput, start: Temporal.Instant): boolean {
  const ctx = prepare(input);
  if (!isInstant(start)) invalid("start", "must be a Temporal.Instant");
  if (cmp(start, ctx.earliest) < 0 || cmp(start, ctx.latest) > 0) return false;
  if (!onGrid(ctx, start)) return false;
  return fits(ctx, workingFor(ctx, start, start.add(ONE_NS)), start);
}

/**
 * Free slots nearest to `wanted` (which itself is never returned, it is what the customer
 * could not get): first the other free slots of wanted's provider-local day ordered by
 * distance from wanted (ties: the earlier one first), then the following
 * ALTERNATIVES_HORIZON_DAYS days in chronological order. The booking window still applies.
 */
export function nearestAlternatives(
  input: Omit<AvailabilityInput, "from" | "to">,
  wanted: Temporal.Instant,
  count: number
): Slot[] {
  const ctx = prepare(input);
  assertTimeZone(input.customerZone, "customerZone");
  if (!isInstant(wanted)) invalid("wanted", "must be a Temporal.Instant");
  checkInt(count, "count", 0, 1000);
  if (count === 0) return [];

  const day = localDateOf(wanted, ctx.zone);
  const dayStart = (offset: number) => startOfLocalDay(day.add({ days: offset }), ctx.zone);
  const distance = (s: Temporal.Instant) => {
    const d = s.epochNanoseconds - wanted.epochNanoseconds;
    return d < 0n ? -d : d;
  };

  const sameDay = freeStarts(ctx, dayStart(0), dayStart(1))
    .filter((s) => !s.equals(wanted))
    .sort((a, b) => {
      const da = distance(a);
      const db = distance(b);
      return da < db ? -1 : da > db ? 1 : cmp(a, b);
    });
  const picked = sameDay.slice(0, count);
  // Day by day, so a busy request for 3 alternatives does not compute two weeks of slots.
  for (let offset = 1; offset <= ALTERNATIVES_HORIZON_DAYS && picked.length < count; offset++) {
    if (cmp(dayStart(offset), ctx.latest) > 0) break;
    for (const s of freeStarts(ctx, dayStart(offset), dayStart(offset + 1))) {
      if (picked.length >= count) break;
      picked.push(s);
    }
  }
  return picked.map((s) => toSlot(ctx, s, input.customerZone));
}
