// The availability engine as it was before the integer rewrite (commit d792a81), kept verbatim as
// the reference the new engine is checked against, and as the benchmark's baseline:
//  * referenceEngine: Temporal resolves every wall time and formats every string (exact mode);
//  * previousEngine: the same code with its bigint fast path on, what computeSlots used to be.
// Not used by the app. Only the types come from ./availability (type-only: no import cycle at run time).
import { Temporal } from "@js-temporal/polyfill";
import type {
  AvailabilityInput,
  DateOverride,
  ServiceTiming,
  Slot,
  TimeRange,
  WeeklyRule,
} from "./availability";
import { DomainError } from "./errors";
import {
  type NsInterval,
  isContainedSortedNs,
  mergeNsIntervals,
  overlapsAnySortedNs,
} from "./intervals";
import {
  type LocalDay,
  MINUTE_NS,
  ZoneClock,
  assertTimeZone,
  dateKey,
  formatInZone,
  localDateOf,
  localDays,
  parseLocalMinute,
  resolveLocal,
  resolveLocalBoundaryMinute,
  resolveLocalMinute,
  startOfLocalDay,
} from "./time";

/** As ALTERNATIVES_HORIZON_DAYS in ./availability (a value import would be an import cycle). */
const ALTERNATIVES_HORIZON_DAYS = 14;

const MINUTES_PER_DAY = 1440;
// Sanity caps: far beyond any real service, small enough that Instant arithmetic never overflows
// and a bad row cannot make the engine loop for minutes.
const MAX_MINUTES = 366 * MINUTES_PER_DAY;
const MAX_WINDOW_DAYS = 3660;


function invalid(field: string, message: string): never {
  throw new DomainError("VALIDATION", `${field}: ${message}`, { fields: [field] });
}

const instantOf = (ns: bigint) => Temporal.Instant.fromEpochNanoseconds(ns);
const byNs = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

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

function rangesFor(schedule: Schedule, day: LocalDay): MinuteRange[] {
  if (schedule.overrides.size > 0) {
    day.dateText ??= day.date.toString();
    const override = schedule.overrides.get(day.dateText);
    if (override) return override;
  }
  return schedule.weekly.get(day.date.dayOfWeek) ?? [];
}

function rangeInterval(day: LocalDay, r: MinuteRange, zone: string): NsInterval | null {
  const start = resolveLocalBoundaryMinute(day, r.startMin, zone);
  // "24:00" is the first instant of the next local day.
  const end = r.endMin === MINUTES_PER_DAY ? day.end : resolveLocalBoundaryMinute(day, r.endMin, zone);
  // A range lying wholly inside a gap can collapse; it holds no real time then.
  return start < end ? { start, end } : null;
}

/** The provider-local dates whose day intersects [from, to) (from < to), as LocalDays. */
function daysIntersecting(zone: string, from: bigint, to: bigint, exact: boolean): LocalDay[] {
  return localDays(zone, localDateOf(instantOf(from), zone), localDateOf(instantOf(to - 1n), zone), exact);
}

function scheduleIntervals(zone: string, schedule: Schedule, days: readonly LocalDay[]): NsInterval[] {
  const list: NsInterval[] = [];
  for (const d of days) {
    for (const r of rangesFor(schedule, d)) {
      const i = rangeInterval(d, r, zone);
      if (i) list.push(i);
    }
  }
  return mergeNsIntervals(list);
}

// ---------------------------------------------------------------------------------------------
// Prepared context shared by computeSlots, isSlotBookable and nearestAlternatives, so all three
// apply literally the same rules.

type EngineInput = Omit<AvailabilityInput, "from" | "to" | "customerZone">;

interface Ctx {
  zone: string;
  schedule: Schedule;
  service: ServiceTiming;
  occupied: NsInterval[]; // merged
  earliest: bigint; // inclusive
  latest: bigint; // inclusive
  beforeNs: bigint; // buffer before
  spanNs: bigint; // duration + buffer after
  durationNs: bigint;
  /** Reference mode for tests: Temporal resolves every wall time and formats every string. */
  exact: boolean;
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

function prepare(input: EngineInput, exact: boolean): Ctx {
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
  const occupied = input.occupied.map((o, i): NsInterval => {
    if (!isInstant(o?.start) || !isInstant(o?.end)) invalid(`occupied[${i}]`, "start and end must be Instants");
    const start = o.start.epochNanoseconds;
    const end = o.end.epochNanoseconds;
    if (start > end) invalid(`occupied[${i}]`, "end is before start");
    return { start, end };
  });
  const schedule = parseSchedule(input.weekly, input.overrides);
  const nowNs = input.now.epochNanoseconds;
  return {
    zone: input.providerZone,
    schedule,
    service: s,
    occupied: mergeNsIntervals(occupied),
    earliest: nowNs + BigInt(s.minNoticeMinutes) * MINUTE_NS,
    latest: input.now.toZonedDateTimeISO(input.providerZone).add({ days: s.bookingWindowDays }).epochNanoseconds,
    beforeNs: BigInt(s.bufferBeforeMinutes) * MINUTE_NS,
    spanNs: BigInt(s.durationMinutes + s.bufferAfterMinutes) * MINUTE_NS,
    durationNs: BigInt(s.durationMinutes) * MINUTE_NS,
    exact,
  };
}

/** The interval rules for a grid-valid start: fits one working stretch, collides with nothing. */
function fits(ctx: Ctx, working: readonly NsInterval[], start: bigint): boolean {
  if (start < ctx.earliest || start > ctx.latest) return false;
  // The time the appointment really occupies: widened by its buffers.
  const from = start - ctx.beforeNs;
  const to = start + ctx.spanNs;
  return isContainedSortedNs(working, from, to) && !overlapsAnySortedNs(ctx.occupied, from, to);
}

/** Grid candidates with start in [from, to), strictly increasing, from the given local days. */
function candidates(ctx: Ctx, days: readonly LocalDay[], from: bigint, to: bigint): bigint[] {
  const step = ctx.service.slotIntervalMinutes;
  const out: bigint[] = [];
  for (const d of days) {
    for (const r of rangesFor(ctx.schedule, d)) {
      for (let m = r.startMin; m < r.endMin; m += step) {
        const start = resolveLocalMinute(d, m, ctx.zone);
        if (start !== null && start >= from && start < to) out.push(start);
      }
    }
  }
  // Overlapping ranges of one day can yield the same instant twice; ranges need not be sorted.
  out.sort(byNs);
  return out.filter((s, i) => i === 0 || out[i - 1]! !== s);
}

/**
 * Bookable starts in [from, to), clamped to [earliest, latest] before any work is done. Also
 * returns the provider-local days it resolved (contiguous), for formatting.
 */
function freeStarts(ctx: Ctx, from: bigint, to: bigint): { starts: bigint[]; days: LocalDay[] } {
  const lo = from > ctx.earliest ? from : ctx.earliest;
  const latestExclusive = ctx.latest + 1n;
  const hi = to < latestExclusive ? to : latestExclusive;
  if (lo >= hi) return { starts: [], days: [] };
  // Working time needed to judge any slot starting in [lo, hi): reach back/forward by buffers+duration.
  const days = daysIntersecting(ctx.zone, lo - ctx.beforeNs, hi + ctx.spanNs, ctx.exact);
  const working = scheduleIntervals(ctx.zone, ctx.schedule, days);
  // Candidate days are the dates intersecting [lo, hi): a sub-range of `days`.
  const first = localDateOf(instantOf(lo), ctx.zone);
  const last = localDateOf(instantOf(hi - 1n), ctx.zone);
  const firstKey = dateKey(first);
  const lastKey = dateKey(last);
  const keys = days.map((d) => dateKey(d.date));
  const covered = keys.length > 0 && keys[0]! <= firstKey && lastKey <= keys[keys.length - 1]!;
  const candidateDays = covered
    ? days.filter((_, i) => keys[i]! >= firstKey && keys[i]! <= lastKey)
    : localDays(ctx.zone, first, last, ctx.exact); // only if local dates ever ran backwards
  return { starts: candidates(ctx, candidateDays, lo, hi).filter((s) => fits(ctx, working, s)), days };
}

/** Turns bookable starts into Slots; formats with one ZoneClock per zone (Temporal in exact mode). */
function toSlots(ctx: Ctx, starts: readonly bigint[], customerZone: string, providerDays: LocalDay[]): Slot[] {
  if (ctx.exact) {
    return starts.map((ns) => {
      const start = instantOf(ns);
      const end = instantOf(ns + ctx.durationNs);
      return {
        start,
        end,
        startUtc: start.toString(),
        endUtc: end.toString(),
        startCustomer: formatInZone(start, customerZone),
        startProvider: formatInZone(start, ctx.zone),
        endCustomer: formatInZone(end, customerZone),
        endProvider: formatInZone(end, ctx.zone),
      };
    });
  }
  const provider = new ZoneClock(ctx.zone, providerDays);
  const customer = customerZone === ctx.zone ? provider : new ZoneClock(customerZone);
  const utc = ZoneClock.instants();
  return starts.map((ns) => {
    const endNs = ns + ctx.durationNs;
    const start = instantOf(ns);
    const end = instantOf(endNs);
    return {
      start,
      end,
      startUtc: utc.format(start, ns),
      endUtc: utc.format(end, endNs),
      startCustomer: customer.format(start, ns),
      startProvider: provider.format(start, ns),
      endCustomer: customer.format(end, endNs),
      endProvider: provider.format(end, endNs),
    };
  });
}

function computeSlotsWith(input: AvailabilityInput, exact: boolean): Slot[] {
  const ctx = prepare(input, exact);
  assertTimeZone(input.customerZone, "customerZone");
  if (!isInstant(input.from)) invalid("from", "must be a Temporal.Instant");
  if (!isInstant(input.to)) invalid("to", "must be a Temporal.Instant");
  const from = input.from.epochNanoseconds;
  const to = input.to.epochNanoseconds;
  if (from > to) invalid("to", "must not be before from");
  const { starts, days } = freeStarts(ctx, from, to);
  return toSlots(ctx, starts, input.customerZone, days);
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
  const ranges = ctx.schedule.overrides.get(date.toString()) ?? ctx.schedule.weekly.get(date.dayOfWeek) ?? [];
  const inRange = ranges.some((r) => minute >= r.startMin && minute < r.endMin && (minute - r.startMin) % step === 0);
  return inRange && resolveLocal(date, local.toPlainTime(), ctx.zone)?.equals(start) === true;
}

function isSlotBookableWith(input: EngineInput, start: Temporal.Instant, exact: boolean): boolean {
  const ctx = prepare(input, exact);
  if (!isInstant(start)) invalid("start", "must be a Temporal.Instant");
  const ns = start.epochNanoseconds;
  if (ns < ctx.earliest || ns > ctx.latest) return false;
  if (!onGrid(ctx, start)) return false;
  const days = daysIntersecting(ctx.zone, ns - ctx.beforeNs, ns + 1n + ctx.spanNs, ctx.exact);
  return fits(ctx, scheduleIntervals(ctx.zone, ctx.schedule, days), ns);
}

function nearestAlternativesWith(
  input: Omit<AvailabilityInput, "from" | "to">,
  wanted: Temporal.Instant,
  count: number,
  exact: boolean
): Slot[] {
  const ctx = prepare(input, exact);
  assertTimeZone(input.customerZone, "customerZone");
  if (!isInstant(wanted)) invalid("wanted", "must be a Temporal.Instant");
  checkInt(count, "count", 0, 1000);
  if (count === 0) return [];

  const wantedNs = wanted.epochNanoseconds;
  const day = localDateOf(wanted, ctx.zone);
  const starts: bigint[] = [];
  const dayStart = (offset: number) =>
    (starts[offset] ??= startOfLocalDay(day.add({ days: offset }), ctx.zone).epochNanoseconds);
  const distance = (s: bigint) => (s < wantedNs ? wantedNs - s : s - wantedNs);

  const sameDay = freeStarts(ctx, dayStart(0), dayStart(1))
    .starts.filter((s) => s !== wantedNs)
    .sort((a, b) => {
      const da = distance(a);
      const db = distance(b);
      return da < db ? -1 : da > db ? 1 : byNs(a, b);
    });
  const picked = sameDay.slice(0, count);
  // Day by day, so a busy request for 3 alternatives does not compute two weeks of slots.
  for (let offset = 1; offset <= ALTERNATIVES_HORIZON_DAYS && picked.length < count; offset++) {
    if (dayStart(offset) > ctx.latest) break;
    for (const s of freeStarts(ctx, dayStart(offset), dayStart(offset + 1)).starts) {
      if (picked.length >= count) break;
      picked.push(s);
    }
  }
  return toSlots(ctx, picked, input.customerZone, []);
}

/**
 * The same engine with the fast path switched off: Temporal resolves every wall time
 * (resolveLocal / resolveLocalBoundary) and formats every string (formatInZone). Only for
 * tests, which check that the fast path gives exactly these answers.
 */
export const referenceEngine = {
  computeSlots: (input: AvailabilityInput): Slot[] => computeSlotsWith(input, true),
  isSlotBookable: (input: EngineInput, start: Temporal.Instant): boolean => isSlotBookableWith(input, start, true),
  nearestAlternatives: (
    input: Omit<AvailabilityInput, "from" | "to">,
    wanted: Temporal.Instant,
    count: number
  ): Slot[] => nearestAlternativesWith(input, wanted, count, true),
};

/** The same code with its fast path on: computeSlots & co. before the integer rewrite (benchmark baseline). */
export const previousEngine = {
  computeSlots: (input: AvailabilityInput): Slot[] => computeSlotsWith(input, false),
  isSlotBookable: (input: EngineInput, start: Temporal.Instant): boolean => isSlotBookableWith(input, start, false),
  nearestAlternatives: (
    input: Omit<AvailabilityInput, "from" | "to">,
    wanted: Temporal.Instant,
    count: number
  ): Slot[] => nearestAlternativesWith(input, wanted, count, false),
};
