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
//  * Speed, answers unchanged (checked against the Temporal-only referenceEngine, the pre-rewrite
//    code kept in availability-reference.ts): Temporal is used only at the edges. Inside,
//    instants are integer epoch MILLISECONDS in plain numbers: every instant the engine makes is
//    a whole second (wall-clock minutes minus whole-second UTC offsets), so inputs finer than
//    that are rounded once, in the direction that keeps every comparison exact (see readBusy,
//    floorMs/ceilMs in freeStarts). Callers that store ms pass busy time as occupiedMs and no
//    Instant is read for it; a Slot's start/end Instants are made only when read (EngineSlot).
//    Each provider-local day is resolved ONCE (Day): its first instant is the previous day's
//    start + 24 h when that day was uniform (see isUniformDayStart), otherwise Temporal's; the
//    cached zone transitions tell whether an offset change is near. A wall time m minutes into a
//    day without one is start + m minutes, on a day with exactly one it is wall - offset
//    before/after the change, picked as Temporal disambiguates (see resolveStart), and anything
//    else asks Temporal per wall time. Local dates step as integer day numbers (days since
//    1970-01-01; weekday and "YYYY-MM-DD" by arithmetic), a PlainDate is made only where Temporal
//    must resolve something. Busy intervals are sorted (as plain numbers in typed arrays) and
//    merged once; slot starts are checked in increasing order by one forward sweep over
//    working time and busy time. Output strings are built from integer fields plus Temporal's
//    own "offset[zone]" text for each offset segment, read once per zone (SlotClock).
import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";
import type { Interval } from "./intervals";
import {
  type LocalDay,
  DAY_NS,
  assertTimeZone,
  firstTransitionAfter,
  isUniformDayStart,
  localDateOf,
  parseLocalMinute,
  resolveLocal,
  resolveLocalBoundaryMinute,
  resolveLocalMinute,
  startOfLocalDay,
  zoneTransitions,
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
/**
 * Occupied time [startMs, endMs) in epoch milliseconds (whole numbers, startMs <= endMs), for
 * callers that already hold it as numbers (the provider object's SQLite *_ms columns): no
 * Instant is made or read for it.
 */
export interface EpochMsInterval {
  startMs: number;
  endMs: number;
}
export interface AvailabilityInput {
  providerZone: string;
  weekly: WeeklyRule[];
  overrides: DateOverride[];
  service: ServiceTiming;
  occupied: Interval[]; // already widened by their own buffers
  /** More occupied time, the same meaning as `occupied` (the engine takes the union of both). */
  occupiedMs?: readonly EpochMsInterval[];
  now: Temporal.Instant;
  from: Temporal.Instant;
  to: Temporal.Instant; // slots whose start is in [from, to)
  customerZone: string;
}
export interface Slot {
  start: Temporal.Instant; // made on first read by computeSlots & co. (see EngineSlot)
  end: Temporal.Instant;
  startUtc: string; // start.toString(), e.g. 2026-03-08T13:00:00Z (formatted cheaply, see SlotClock)
  endUtc: string; // end.toString()
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

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000n;

/** floor(ns / 1 ms): an instant x lies in the same whole-second-bounded day as floorMs(x). */
function floorMs(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns % NS_PER_MS < 0n ? q - 1n : q);
}
/** ceil(ns / 1 ms): for a whole-ms s, s >= x iff s >= ceilMs(x), and s < x iff s < ceilMs(x). */
function ceilMs(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns % NS_PER_MS > 0n ? q + 1n : q);
}

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
  overrides: Map<number, MinuteRange[]>; // key: the date's epochDayOf
}

/** Minute of the local day; "24:00" (1440) only where allowed, i.e. for range ends. */
function parseMinute(value: unknown, field: string, allow2400: boolean): number {
  if (allow2400 && value === "24:00") return MINUTES_PER_DAY;
  try {
    return parseLocalMinute(value as string, field);
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
    let date: Temporal.PlainDate;
    try {
      date = Temporal.PlainDate.from(o.date); // rejects 2026-02-30
    } catch {
      invalid(field, `is not a calendar date: ${o.date}`);
    }
    const key = epochDayOf(date);
    if (schedule.overrides.has(key)) invalid(field, `date ${date} appears twice`);
    schedule.overrides.set(key, parseRanges(o.ranges, `overrides[${i}].ranges`));
  });
  return schedule;
}

// ---------------------------------------------------------------------------------------------
// ISO calendar dates as integers (days since 1970-01-01), so stepping through a month of local
// days makes no PlainDate. Proleptic Gregorian, exact for every year (H. Hinnant's algorithms).

interface CivilDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1; // from 1 March
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(epochDay: number): CivilDate {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1 };
}

const epochDayOf = (date: Temporal.PlainDate) => daysFromCivil(date.year, date.month, date.day);

function plainDateOf(epochDay: number): Temporal.PlainDate {
  const { year, month, day } = civilFromDays(epochDay);
  return new Temporal.PlainDate(year, month, day);
}

/** ISO weekday, Monday = 1 .. Sunday = 7; 1970-01-01 was a Thursday. */
const isoWeekday = (epochDay: number) => ((((epochDay + 3) % 7) + 7) % 7) + 1;

// ---------------------------------------------------------------------------------------------
// Zone offsets: segments between two of Temporal's transitions, each with its constant offset

/** How far around an instant SlotClock looks for transitions: two months of slots, one lookup. */
const SEGMENT_REACH_NS = 62n * DAY_NS;

interface OffsetSegment {
  fromMs: number; // inclusive
  toMs: number; // exclusive
  offsetMs: number;
  suffix: string | null; // what ZonedDateTime.toString() puts after the wall time; null = unusable
}

/**
 * Segments already read, per zone. Like the transitions they come from, they are facts about the
 * zone (tzdata does not change while the process runs), not about any input, so they outlive a
 * call: a month of slots then asks Temporal for no offset at all. Bounded per zone and in zones.
 */
const knownSegments = new Map<string, OffsetSegment[]>();
const MAX_SEGMENTS_PER_ZONE = 64;
const MAX_SEGMENT_ZONES = 256;

function zoneSegment(ms: number, zone: string): OffsetSegment {
  let known = knownSegments.get(zone);
  if (known) {
    for (const seg of known) if (ms >= seg.fromMs && ms < seg.toMs) return seg;
  } else {
    if (knownSegments.size >= MAX_SEGMENT_ZONES) knownSegments.clear();
    knownSegments.set(zone, (known = []));
  }
  const seg = readSegment(ms, zone);
  if (seg.toMs - seg.fromMs > 1) {
    if (known.length >= MAX_SEGMENTS_PER_ZONE) known.length = 0;
    known.push(seg);
  }
  return seg;
}

/** The segment around `ms`: from the cached transitions in (ms - 62 days, ms + 62 days]. */
function readSegment(ms: number, zone: string): OffsetSegment {
  const ns = BigInt(ms) * NS_PER_MS;
  let fromMs = ms;
  let toMs = ms + 1; // just `ms` if the transition search fails
  try {
    const list = zoneTransitions(zone, ns - SEGMENT_REACH_NS, ns + SEGMENT_REACH_NS);
    fromMs = floorMs(ns - SEGMENT_REACH_NS) + 1;
    toMs = floorMs(ns + SEGMENT_REACH_NS);
    for (const t of list) {
      const tMs = floorMs(t);
      if (t <= ns && tMs > fromMs - 1) fromMs = tMs;
      else if (t > ns && tMs < toMs) toMs = tMs;
    }
  } catch {
    // an optimisation only: keep the one-ms segment
  }
  const zdt = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const full = zdt.toString();
  const wall = zdt.toPlainDateTime().toString();
  return {
    fromMs,
    toMs,
    offsetMs: zdt.offsetNanoseconds / 1e6,
    suffix: full.startsWith(wall) ? full.slice(wall.length) : null,
  };
}

/** The zone's UTC offset at instant `ms` (an instant, so never ambiguous). */
const zoneOffsetMs = (ms: number, zone: string) => zoneSegment(ms, zone).offsetMs;

/** No transition in (ns - 2 days, ns + 2 days]: the zone has one offset all around `ns`. */
function noTransitionNear(zone: string, ns: bigint): boolean {
  const from = ns - 2n * DAY_NS;
  const to = ns + 2n * DAY_NS;
  try {
    const list = zoneTransitions(zone, from, to);
    const lo = firstTransitionAfter(list, from);
    return lo === list.length || list[lo]! > to;
  } catch {
    return false; // an optimisation only: the caller asks Temporal
  }
}

// Wall time -> instant without Temporal, where that is exact: if the offset o at a = wall - (some
// nearby offset) holds on (a - 2 days, a + 2 days], then wall - o lies within 26 h of a (offsets are
// -12 h..+14 h), so inside that span: it shows `wall`, and any instant showing `wall` would lie there
// too and have offset o. So it is the only one: no gap, no fold, every disambiguation agrees.

/** startOfLocalDay of a local date (days since 1970-01-01), in epoch ns. */
function dayStartNs(zone: string, epochDay: number): bigint {
  const wallMs = epochDay * DAY_MS;
  const guess = wallMs - zoneOffsetMs(wallMs, zone);
  if (noTransitionNear(zone, BigInt(guess) * NS_PER_MS)) return BigInt(wallMs - zoneOffsetMs(guess, zone)) * NS_PER_MS;
  return startOfLocalDay(plainDateOf(epochDay), zone).epochNanoseconds;
}

/**
 * ZonedDateTime.add({ days }) of `now` in `zone`: the same wall time `days` dates later, Temporal
 * "compatible", in epoch ns (sub-ms part kept). Shifting by whole days keeps the wall time, so
 * the instant is now + days x 24 h corrected by the change of offset, as above.
 */
function sameWallTimeLater(now: Temporal.Instant, nowNs: bigint, zone: string, days: number): bigint {
  const approx = nowNs + BigInt(days) * DAY_NS;
  if (noTransitionNear(zone, approx)) {
    return approx + BigInt(zoneOffsetMs(floorMs(nowNs), zone) - zoneOffsetMs(floorMs(approx), zone)) * NS_PER_MS;
  }
  return now.toZonedDateTimeISO(zone).add({ days }).epochNanoseconds;
}

/** The local date (days since 1970-01-01) instant `ms` falls on: its wall clock is ms + offset. */
const localEpochDayOf = (ms: number, zone: string) => Math.floor((ms + zoneOffsetMs(ms, zone)) / DAY_MS);

// ---------------------------------------------------------------------------------------------
// Provider-local days, resolved once each

/** How a Day maps wall minutes to instants (see resolveStart). */
const enum DayKind {
  Uniform, // no offset change near: start + m minutes
  OneChange, // exactly one change near: wall - offset before / after it
  Temporal, // anything else: ask Temporal per wall time
}

interface Day {
  epochDay: number; // the local date as days since 1970-01-01 (ISO calendar)
  startNs: bigint; // first instant of the date (Temporal's startOfLocalDay)
  startMs: number; // the same, floored to ms (a whole second in fact)
  endMs: number; // first instant of the next date
  kind: DayKind;
  local: LocalDay | null; // Temporal: the day for time.ts's per-wall-time resolvers
  changeMs: number; // OneChange: the instant the offset changes
  beforeMs: number; // OneChange: UTC offset before the change
  afterMs: number; // OneChange: UTC offset from the change on
}

const temporalOffsetMs = (ns: bigint, zone: string) =>
  Temporal.Instant.fromEpochNanoseconds(ns).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;

/**
 * Classifies a non-uniform day. OneChange needs exactly one transition in the same
 * (start - 2 days, start + 3 days] span the uniform test uses: then every wall time of the day has
 * only the offsets before and after it, and Temporal's +-1 day probes see exactly those two.
 */
function oneChange(day: Day, zone: string): void {
  const start = day.startNs;
  const from = start - 2n * DAY_NS;
  const to = start + 3n * DAY_NS;
  const near = zoneTransitions(zone, from, to).filter((t) => t > from && t <= to);
  if (near.length !== 1) return;
  const change = near[0]!;
  day.kind = DayKind.OneChange;
  day.changeMs = floorMs(change);
  const whole = change % NS_PER_MS === 0n; // as tzdata's are; then the segments know both offsets
  day.beforeMs = whole ? zoneOffsetMs(day.changeMs - 1, zone) : temporalOffsetMs(change - 1n, zone);
  day.afterMs = whole ? zoneOffsetMs(day.changeMs, zone) : temporalOffsetMs(change, zone);
}

function toDay(zone: string, epochDay: number, startNs: bigint, endNs: bigint, uniform: boolean): Day {
  const day: Day = {
    epochDay,
    startNs,
    startMs: floorMs(startNs),
    endMs: floorMs(endNs),
    kind: uniform ? DayKind.Uniform : DayKind.Temporal,
    local: null,
    changeMs: 0,
    beforeMs: 0,
    afterMs: 0,
  };
  if (!uniform) {
    try {
      oneChange(day, zone);
    } catch {
      day.kind = DayKind.Temporal; // an optimisation only: anything odd takes the Temporal path
    }
    if (day.kind === DayKind.Temporal) day.local = { date: plainDateOf(epochDay), start: startNs, end: endNs, uniform: false };
  }
  return day;
}

/**
 * The provider-local dates of the instants firstMs..lastMs (inclusive), one Day each. Dates step
 * as integers; on a uniform day the next one starts 24 h later (see isUniformDayStart), otherwise
 * dayStartNs finds it (Temporal's, when a transition is near).
 */
function daysBetween(zone: string, firstMs: number, lastMs: number): Day[] {
  const first = localEpochDayOf(firstMs, zone);
  const last = localEpochDayOf(lastMs, zone);
  const days: Day[] = [];
  let startNs = dayStartNs(zone, first);
  for (let d = first; d <= last; d++) {
    const uniform = isUniformDayStart(zone, startNs);
    const endNs = uniform ? startNs + DAY_NS : dayStartNs(zone, d + 1);
    days.push(toDay(zone, d, startNs, endNs, uniform));
    startNs = endNs;
  }
  return days;
}

/**
 * resolveLocal for wall minute m (0..1439) of `day`, in epoch ms; NaN in a gap. On a OneChange
 * day a wall time W occurs at W - before (if that is before the change) and at W - after (if
 * that is at or after it): none = gap, two = fold, of which the first occurrence counts.
 */
function resolveStart(day: Day, m: number, zone: string): number {
  if (day.kind === DayKind.Uniform) return day.startMs + m * MINUTE_MS;
  if (day.kind === DayKind.OneChange) {
    const wall = (day.epochDay * MINUTES_PER_DAY + m) * MINUTE_MS;
    const early = wall - day.beforeMs;
    if (early < day.changeMs) return early; // the earlier occurrence, if the wall time repeats
    const late = wall - day.afterMs;
    return late >= day.changeMs ? late : NaN;
  }
  const ns = resolveLocalMinute(day.local!, m, zone);
  return ns === null ? NaN : floorMs(ns);
}

/**
 * resolveLocalBoundary (Temporal "compatible") for wall minute m of `day`, in epoch ms. In a
 * gap that is the wall time read with the offset before the change, the later instant.
 */
function resolveBoundary(day: Day, m: number, zone: string): number {
  if (day.kind === DayKind.Temporal) return floorMs(resolveLocalBoundaryMinute(day.local!, m, zone));
  const start = resolveStart(day, m, zone);
  return Number.isNaN(start) ? (day.epochDay * MINUTES_PER_DAY + m) * MINUTE_MS - day.beforeMs : start;
}

function rangesFor(schedule: Schedule, epochDay: number): MinuteRange[] {
  return schedule.overrides.get(epochDay) ?? schedule.weekly.get(isoWeekday(epochDay)) ?? [];
}

// ---------------------------------------------------------------------------------------------
// Integer intervals: parallel arrays of [start, end) in epoch ms, sorted, disjoint, and not
// touching (touching ones are merged, so working time 09:00-12:00 + 12:00-17:00 is one stretch).

interface Spans {
  starts: Float64Array;
  ends: Float64Array; // same length
}

/** Partitions shorter than this are insertion-sorted. */
const INSERTION_SORT_MAX = 16;

/**
 * Sorts the pairs (keys[i], carried[i]) by key, in place: no object per pair and no comparator
 * call, several times faster than sorting [start, end] tuples. A quicksort (median of three), so
 * it is near linear on the already sorted runs the provider object passes (SQLite rows ORDER BY
 * start); past a depth limit a partition is heap-sorted, so no input makes it quadratic.
 */
function sortPairs(keys: Float64Array, carried: Float64Array): void {
  quicksortPairs(keys, carried, 0, keys.length - 1, 2 * Math.ceil(Math.log2(keys.length + 1)));
}

function quicksortPairs(keys: Float64Array, carried: Float64Array, lo: number, hi: number, depth: number): void {
  while (hi - lo > INSERTION_SORT_MAX) {
    if (depth-- === 0) return heapsortPairs(keys, carried, lo, hi);
    const x = keys[lo]!;
    const y = keys[(lo + hi) >>> 1]!;
    const z = keys[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i]! < pivot) i++;
      while (keys[j]! > pivot) j--;
      if (i <= j) swapPairs(keys, carried, i++, j--);
    }
    // Recurse into the smaller side, loop on the larger: the stack stays O(log n).
    if (j - lo < hi - i) {
      quicksortPairs(keys, carried, lo, j, depth);
      lo = i;
    } else {
      quicksortPairs(keys, carried, i, hi, depth);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const key = keys[i]!;
    const value = carried[i]!;
    let j = i - 1;
    while (j >= lo && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      carried[j + 1] = carried[j]!;
      j--;
    }
    keys[j + 1] = key;
    carried[j + 1] = value;
  }
}

function swapPairs(keys: Float64Array, carried: Float64Array, i: number, j: number): void {
  const key = keys[i]!;
  keys[i] = keys[j]!;
  keys[j] = key;
  const value = carried[i]!;
  carried[i] = carried[j]!;
  carried[j] = value;
}

function heapsortPairs(keys: Float64Array, carried: Float64Array, lo: number, hi: number): void {
  const n = hi - lo + 1;
  const siftDown = (root: number, size: number) => {
    for (;;) {
      let child = 2 * root + 1;
      if (child >= size) return;
      if (child + 1 < size && keys[lo + child + 1]! > keys[lo + child]!) child++;
      if (keys[lo + root]! >= keys[lo + child]!) return;
      swapPairs(keys, carried, lo + root, lo + child);
      root = child;
    }
  };
  for (let i = (n >>> 1) - 1; i >= 0; i--) siftDown(i, n);
  for (let size = n - 1; size > 0; size--) {
    swapPairs(keys, carried, lo, lo + size);
    siftDown(0, size);
  }
}

/** Non-empty [start, end) pairs collected in parallel typed arrays, then merged into Spans. */
class SpanBuilder {
  private starts: Float64Array;
  private ends: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.starts = new Float64Array(Math.max(capacity, 4));
    this.ends = new Float64Array(Math.max(capacity, 4));
  }

  add(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /** The union, sorted, merged where pairs overlap or touch; in place, in the builder's arrays. */
  merge(): Spans {
    const n = this.count;
    const starts = this.starts.subarray(0, n);
    const ends = this.ends.subarray(0, n);
    sortPairs(starts, ends);
    // The k-th merged span is written at k <= i, behind the reading position.
    let merged = 0;
    for (let i = 0; i < n; i++) {
      const start = starts[i]!;
      const end = ends[i]!;
      if (merged > 0 && start <= ends[merged - 1]!) {
        if (end > ends[merged - 1]!) ends[merged - 1] = end;
      } else {
        starts[merged] = start;
        ends[merged++] = end;
      }
    }
    return { starts: starts.subarray(0, merged), ends: ends.subarray(0, merged) };
  }
}

/** Working time of the given days: each range from its resolved start to its resolved end, merged. */
function workingSpans(zone: string, schedule: Schedule, days: readonly Day[]): Spans {
  const spans = new SpanBuilder(days.length * 2);
  for (const d of days) {
    for (const r of rangesFor(schedule, d.epochDay)) {
      const start = resolveBoundary(d, r.startMin, zone);
      // "24:00" is the first instant of the next local day.
      const end = r.endMin === MINUTES_PER_DAY ? d.endMs : resolveBoundary(d, r.endMin, zone);
      // A range lying wholly inside a gap can collapse; it holds no real time then.
      if (start < end) spans.add(start, end);
    }
  }
  return spans.merge();
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
  const schedule = parseSchedule(weekly, overrides);
  const fromNs = from.epochNanoseconds;
  const toNs = to.epochNanoseconds;
  if (fromNs >= toNs) return [];
  const { starts, ends } = workingSpans(providerZone, schedule, daysBetween(providerZone, floorMs(fromNs), floorMs(toNs - 1n)));
  return Array.from(starts, (s, i) => ({
    start: Temporal.Instant.fromEpochMilliseconds(s),
    end: Temporal.Instant.fromEpochMilliseconds(ends[i]!),
  }));
}

// ---------------------------------------------------------------------------------------------
// Prepared context shared by computeSlots, isSlotBookable and nearestAlternatives, so all three
// apply literally the same rules.

type EngineInput = Omit<AvailabilityInput, "from" | "to" | "customerZone">;

interface Ctx {
  zone: string;
  schedule: Schedule;
  service: ServiceTiming;
  busy: Spans; // occupied time, rounded outwards to whole ms (see readBusy), merged
  earliestNs: bigint; // inclusive, exact
  latestNs: bigint; // inclusive, exact
  beforeNs: bigint; // buffer before
  spanNs: bigint; // duration + buffer after
  beforeMs: number;
  spanMs: number;
  durationMs: number;
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

const isWholeMs = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * Occupied intervals as whole-ms [floor(start), ceil(end)), empty ones dropped. For a slot with
 * whole-ms bounds a < b that rounding changes no overlap: start < b iff floor(start) < b, and
 * a < end iff a < ceil(end). Reading a polyfill Instant is slow (about 1 us), so the start is
 * read as epochMilliseconds (already the floor) and its nanoseconds only when the two are
 * within one ms of each other, where emptiness and "end before start" need them. occupiedMs
 * is already whole ms, so it is taken as it is.
 */
function readBusy(occupied: readonly Interval[], occupiedMs: readonly EpochMsInterval[]): Spans {
  const spans = new SpanBuilder(occupied.length + occupiedMs.length);
  occupied.forEach((o, i) => {
    if (!isInstant(o?.start) || !isInstant(o?.end)) invalid(`occupied[${i}]`, "start and end must be Instants");
    const start = o.start.epochMilliseconds;
    const endNs = o.end.epochNanoseconds;
    const endFloor = floorMs(endNs);
    if (start > endFloor) invalid(`occupied[${i}]`, "end is before start");
    if (start === endFloor) {
      const startNs = o.start.epochNanoseconds;
      if (startNs > endNs) invalid(`occupied[${i}]`, "end is before start");
      if (startNs === endNs) return; // holds no instant
    }
    spans.add(start, ceilMs(endNs));
  });
  for (let i = 0; i < occupiedMs.length; i++) {
    const o = occupiedMs[i];
    const start = o?.startMs;
    const end = o?.endMs;
    if (!isWholeMs(start) || !isWholeMs(end)) invalid(`occupiedMs[${i}]`, "startMs and endMs must be whole epoch milliseconds");
    if (start > end) invalid(`occupiedMs[${i}]`, "endMs is before startMs");
    if (start < end) spans.add(start, end); // equal: holds no instant
  }
  return spans.merge();
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
  const occupiedMs = input.occupiedMs ?? [];
  if (!Array.isArray(occupiedMs)) invalid("occupiedMs", "must be an array");
  const busy = readBusy(input.occupied, occupiedMs);
  const schedule = parseSchedule(input.weekly, input.overrides);
  const nowNs = input.now.epochNanoseconds;
  const spanMinutes = s.durationMinutes + s.bufferAfterMinutes;
  return {
    zone: input.providerZone,
    schedule,
    service: s,
    busy,
    earliestNs: nowNs + BigInt(s.minNoticeMinutes) * 60n * 1_000_000_000n,
    latestNs: sameWallTimeLater(input.now, nowNs, input.providerZone, s.bookingWindowDays),
    beforeNs: BigInt(s.bufferBeforeMinutes) * 60n * 1_000_000_000n,
    spanNs: BigInt(spanMinutes) * 60n * 1_000_000_000n,
    beforeMs: s.bufferBeforeMinutes * MINUTE_MS,
    spanMs: spanMinutes * MINUTE_MS,
    durationMs: s.durationMinutes * MINUTE_MS,
  };
}

/**
 * The starts (increasing, whole ms) whose widened interval lies inside one working stretch and
 * overlaps no busy time. Both lists are sorted and the widened intervals move forward with the
 * start, so one pointer into each suffices.
 */
function fitting(ctx: Ctx, working: Spans, starts: ArrayLike<number>): number[] {
  const out: number[] = [];
  const { busy } = ctx;
  let w = 0;
  let b = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const from = s - ctx.beforeMs;
    const to = s + ctx.spanMs;
    // The only stretch that can hold [from, to) is the first one ending at or after `to`.
    while (w < working.ends.length && working.ends[w]! < to) w++;
    if (w === working.ends.length) break;
    if (working.starts[w]! > from) continue;
    // The only busy interval that can overlap is the first one ending after `from`.
    while (b < busy.ends.length && busy.ends[b]! <= from) b++;
    if (b < busy.ends.length && busy.starts[b]! < to) continue;
    out.push(s);
  }
  return out;
}

/** Grid candidates in [lo, hi) (whole ms), strictly increasing, from the given local days. */
function candidates(ctx: Ctx, days: readonly Day[], lo: number, hi: number): Float64Array {
  const step = ctx.service.slotIntervalMinutes;
  let most = 0;
  for (const d of days) for (const r of rangesFor(ctx.schedule, d.epochDay)) most += Math.ceil((r.endMin - r.startMin) / step);
  const out = new Float64Array(most);
  let n = 0;
  let sorted = true;
  for (const d of days) {
    for (const r of rangesFor(ctx.schedule, d.epochDay)) {
      for (let m = r.startMin; m < r.endMin; m += step) {
        const start = resolveStart(d, m, ctx.zone); // NaN (a gap) fails both tests
        if (!(start >= lo && start < hi)) continue;
        if (n > 0 && start <= out[n - 1]!) sorted = false;
        out[n++] = start;
      }
    }
  }
  // Overlapping ranges of one day can yield the same instant twice; ranges need not be sorted.
  if (sorted) return out.subarray(0, n);
  out.subarray(0, n).sort(); // numeric, as typed arrays sort
  let unique = 0;
  for (let i = 0; i < n; i++) if (i === 0 || out[i]! !== out[unique - 1]!) out[unique++] = out[i]!;
  return out.subarray(0, unique);
}

/** Bookable starts (epoch ms, increasing) in [fromNs, toNs), clamped to [earliest, latest]. */
function freeStarts(ctx: Ctx, fromNs: bigint, toNs: bigint): number[] {
  const loNs = fromNs > ctx.earliestNs ? fromNs : ctx.earliestNs;
  const latestExclusive = ctx.latestNs + 1n;
  const hiNs = toNs < latestExclusive ? toNs : latestExclusive;
  if (loNs >= hiNs) return [];
  // Working time needed to judge any slot starting in [lo, hi): reach back/forward by buffers+duration.
  const days = daysBetween(ctx.zone, floorMs(loNs - ctx.beforeNs), floorMs(hiNs + ctx.spanNs - 1n));
  const working = workingSpans(ctx.zone, ctx.schedule, days);
  // Candidate days are those intersecting [lo, hi); days are contiguous [startMs, endMs).
  const first = floorMs(loNs);
  const last = floorMs(hiNs - 1n);
  const candidateDays = days.filter((d) => d.endMs > first && d.startMs <= last);
  return fitting(ctx, working, candidates(ctx, candidateDays, ceilMs(loNs), ceilMs(hiNs)));
}

// ---------------------------------------------------------------------------------------------
// Output strings

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
/** "HH:MM" for every minute of a day, built once: most of each string is one of these. */
let minuteTexts: string[] | undefined;
const minuteText = (minute: number) =>
  (minuteTexts ??= Array.from({ length: MINUTES_PER_DAY }, (_, m) => `${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`))[minute]!;
/** "HH:MM:00", the time of nearly every slot string, so it takes one concatenation less. */
let wholeMinuteTexts: string[] | undefined;
const wholeMinuteText = (minute: number) =>
  (wholeMinuteTexts ??= Array.from({ length: MINUTES_PER_DAY }, (_, m) => `${minuteText(m)}:00`))[minute]!;
// Temporal writes "YYYY-MM-DD" with a plain four-digit year for these years only.
const FIRST_PLAIN_DAY = Date.UTC(1000, 0, 1) / DAY_MS;
const LAST_PLAIN_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

/**
 * ZonedDateTime.toString() (or Instant.toString() for the UTC "Z" form) for many instants of one
 * zone: wall time = instant + the offset of its segment between two transitions (Temporal's
 * own transition list and offset, read once per segment and zone, see knownSegments), formatted
 * from integer fields, then
 * the segment's suffix, cut from Temporal's own string. Anything else (sub-second times, years
 * outside 1000-9999) is formatted by Temporal itself.
 */
class SlotClock {
  private segment: OffsetSegment | undefined;
  private readonly dates = new Map<number, string>();

  /** zone null: the Instant.toString() form, UTC followed by "Z". */
  constructor(private readonly zone: string | null) {}

  format(ms: number): string {
    const seg = this.segmentOf(ms);
    const wall = ms + seg.offsetMs;
    const day = Math.floor(wall / DAY_MS);
    const inDay = wall - day * DAY_MS;
    if (seg.suffix === null || inDay % 1000 !== 0 || day < FIRST_PLAIN_DAY || day > LAST_PLAIN_DAY) {
      const instant = Temporal.Instant.fromEpochMilliseconds(ms);
      return this.zone === null ? instant.toString() : instant.toZonedDateTimeISO(this.zone).toString();
    }
    const seconds = inDay / 1000;
    const minute = Math.floor(seconds / 60);
    const second = seconds % 60;
    return second === 0
      ? this.datePrefix(day) + wholeMinuteText(minute) + seg.suffix
      : `${this.datePrefix(day)}${minuteText(minute)}:${pad2(second)}${seg.suffix}`;
  }

  /** "YYYY-MM-DDT" of a wall-clock day (days since 1970-01-01), once per day and clock. */
  private datePrefix(day: number): string {
    let text = this.dates.get(day);
    if (text === undefined) {
      const { year, month, day: dayOfMonth } = civilFromDays(day); // a four-digit year here
      text = `${year}-${pad2(month)}-${pad2(dayOfMonth)}T`;
      this.dates.set(day, text);
    }
    return text;
  }

  private segmentOf(ms: number): OffsetSegment {
    const seg = this.segment;
    if (seg && ms >= seg.fromMs && ms < seg.toMs) return seg;
    return (this.segment = this.zone === null ? UTC_SEGMENT : zoneSegment(ms, this.zone));
  }
}

const UTC_SEGMENT: OffsetSegment = { fromMs: -Infinity, toMs: Infinity, offsetMs: 0, suffix: "Z" };


/**
 * A Slot whose start and end Instants are made on first read, then kept: most callers read only
 * the strings, and two polyfill Instants per slot would cost more than the rest of the engine.
 * JSON.stringify gives what it gave for the plain object (an Instant's JSON is its toString()).
 */
class EngineSlot implements Slot {
  #start: Temporal.Instant | undefined;
  #end: Temporal.Instant | undefined;

  constructor(
    private readonly startMs: number,
    private readonly endMs: number,
    readonly startUtc: string,
    readonly endUtc: string,
    readonly startCustomer: string,
    readonly startProvider: string,
    readonly endCustomer: string,
    readonly endProvider: string
  ) {}

  get start(): Temporal.Instant {
    return (this.#start ??= Temporal.Instant.fromEpochMilliseconds(this.startMs));
  }

  get end(): Temporal.Instant {
    return (this.#end ??= Temporal.Instant.fromEpochMilliseconds(this.endMs));
  }

  toJSON() {
    const { startUtc, endUtc, startCustomer, startProvider, endCustomer, endProvider } = this;
    return { start: startUtc, end: endUtc, startUtc, endUtc, startCustomer, startProvider, endCustomer, endProvider };
  }
}

/** Turns bookable starts (epoch ms) into Slots; one SlotClock per zone and one for UTC. */
function toSlots(ctx: Ctx, starts: readonly number[], customerZone: string): Slot[] {
  const provider = new SlotClock(ctx.zone);
  const customer = customerZone === ctx.zone ? provider : new SlotClock(customerZone);
  const utc = new SlotClock(null);
  return starts.map((s) => {
    const e = s + ctx.durationMs;
    return new EngineSlot(s, e, utc.format(s), utc.format(e), customer.format(s), provider.format(s), customer.format(e), provider.format(e));
  });
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/** Bookable slots whose start lies in [from, to), sorted by start, no duplicates. */
export function computeSlots(input: AvailabilityInput): Slot[] {
  const ctx = prepare(input);
  assertTimeZone(input.customerZone, "customerZone");
  if (!isInstant(input.from)) invalid("from", "must be a Temporal.Instant");
  if (!isInstant(input.to)) invalid("to", "must be a Temporal.Instant");
  const from = input.from.epochNanoseconds;
  const to = input.to.epochNanoseconds;
  if (from > to) invalid("to", "must not be before from");
  return toSlots(ctx, freeStarts(ctx, from, to), input.customerZone);
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
  const ranges = rangesFor(ctx.schedule, epochDayOf(date));
  const inRange = ranges.some((r) => minute >= r.startMin && minute < r.endMin && (minute - r.startMin) % step === 0);
  return inRange && resolveLocal(date, local.toPlainTime(), ctx.zone)?.equals(start) === true;
}

/**
 * The computeSlots rules for one start (used when creating a booking or a hold): true exactly
 * when computeSlots over any window containing `start` would offer it.
 */
export function isSlotBookable(input: EngineInput, start: Temporal.Instant): boolean {
  const ctx = prepare(input);
  if (!isInstant(start)) invalid("start", "must be a Temporal.Instant");
  const ns = start.epochNanoseconds;
  if (ns < ctx.earliestNs || ns > ctx.latestNs) return false;
  if (!onGrid(ctx, start)) return false;
  // On the grid, so a whole second: the ms value is exact.
  const days = daysBetween(ctx.zone, floorMs(ns - ctx.beforeNs), floorMs(ns + ctx.spanNs));
  return fitting(ctx, workingSpans(ctx.zone, ctx.schedule, days), [floorMs(ns)]).length === 1;
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

  const wantedNs = wanted.epochNanoseconds;
  const day = localDateOf(wanted, ctx.zone);
  const dayStarts: bigint[] = [];
  const dayStart = (offset: number) =>
    (dayStarts[offset] ??= startOfLocalDay(day.add({ days: offset }), ctx.zone).epochNanoseconds);
  // In ns: `wanted` need not be a whole ms, and ties must be judged exactly.
  const distance = (s: number) => {
    const d = BigInt(s) * NS_PER_MS - wantedNs;
    return d < 0n ? -d : d;
  };

  const sameDay = freeStarts(ctx, dayStart(0), dayStart(1))
    .filter((s) => BigInt(s) * NS_PER_MS !== wantedNs)
    .map((s) => ({ s, d: distance(s) }))
    .sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : a.s - b.s))
    .map((x) => x.s);
  const picked = sameDay.slice(0, count);
  // Day by day, so a busy request for 3 alternatives does not compute two weeks of slots.
  for (let offset = 1; offset <= ALTERNATIVES_HORIZON_DAYS && picked.length < count; offset++) {
    if (dayStart(offset) > ctx.latestNs) break;
    for (const s of freeStarts(ctx, dayStart(offset), dayStart(offset + 1))) {
      if (picked.length >= count) break;
      picked.push(s);
    }
  }
  return toSlots(ctx, picked, input.customerZone);
}
