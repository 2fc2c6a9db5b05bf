// Time-zone helpers for the availability engine. Everything calendar-shaped goes through
// Temporal so DST, half-hour and 45-minute offsets are handled by tzdata, never by hand.
//
// DST decisions (the single place they are made; availability.ts relies on them):
//  * resolveLocal (slot STARTS): a wall time inside a spring-forward gap does not exist that
//    day -> null (the caller skips it, it is never shifted). A wall time that occurs twice
//    (fall-back overlap) resolves to the EARLIER instant, i.e. its first occurrence; the
//    second occurrence is never produced, so one wall-clock label maps to exactly one instant.
//  * resolveLocalBoundary (edges of WORKING RANGES): Temporal's "compatible" disambiguation.
//    In a gap that is the LATER instant (the wall time read with the pre-transition offset,
//    the RFC 5545 / iCalendar convention, so 02:30 on a 02:00->03:00 night becomes 03:30);
//    in an overlap it is the earlier instant, the same one resolveLocal picks, so a range
//    ending at 01:30 and the next one starting at 01:30 still touch.
//  * startOfLocalDay: the first instant of a provider-local date. That is not always 00:00
//    (America/Santiago skips midnight on its spring-forward night), which is why "24:00"
//    range ends use it instead of resolving a wall time.
//
// Fast path (performance only; it must give exactly the answers above, a property test checks
// it against the Temporal-only path across DST zones):
//  * A LocalDay is "uniform" when, by the zone's transitions as Temporal reports them
//    (getTimeZoneTransition("next"), cached per zone, see zoneTransitions), no transition lies
//    in [first instant of the day, first instant + 24 h] and at most one lies within 2 days
//    before / 3 days after it. Its offset is then one constant from its first instant
//    (Temporal's startOfLocalDay, which is therefore wall-clock 00:00) to 24 h later, so:
//      - wall time date + m minutes (0 <= m <= 1440, 1440 being the next day's start) is
//        exactly startOfLocalDay + m minutes (Instant arithmetic with an exact duration), and
//        that is the instant resolveLocal and resolveLocalBoundary return for it: it is in no
//        gap, and it is the FIRST instant showing that wall time. A one-transition fall-back
//        before the day cannot repeat one of its wall times, or Temporal's start of the day
//        would be the earlier occurrence and the transition would lie inside the day; a
//        transition after the day only repeats wall times after this instant. The 2-day /
//        3-day span covers Temporal's own +-1 day look-around for possible instants (offsets
//        are within -12 h..+14 h), so the one-transition reasoning is all there is;
//      - an instant inside the day reads as date + (instant - startOfLocalDay) on the wall
//        clock, and ZonedDateTime.toString() of it is that wall time followed by the same
//        "offset[zone]" suffix as the day's first instant (taken from Temporal's own string).
//    No UTC offset is ever computed here: offsets and day starts come from Temporal, the fast
//    path only adds exact durations to instants Temporal produced. In practice only the day
//    of a transition (and the day before, when it happens exactly at midnight) is not uniform.
//  * Every other day (a transition inside it, two transitions close together, or anything
//    unexpected, including an error from the transition search) takes the per-wall-time
//    Temporal resolvers above, and its strings are formatted by Temporal.
import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";
import { epochMsOfInstantText } from "./instant-text";

const zoneValidity = new Map<string, boolean>();

/**
 * True for IANA zone ids Temporal accepts ("America/New_York", "UTC", "Etc/GMT+5", aliases
 * such as "US/Eastern"). Fixed-offset ids like "+05:00" are rejected on purpose: a provider
 * or customer location needs DST rules, and an offset silently freezes them.
 */
export function isValidTimeZone(zone: string): boolean {
  if (typeof zone !== "string" || zone.length === 0 || zone.length > 64) return false;
  const cached = zoneValidity.get(zone);
  if (cached !== undefined) return cached;
  let ok: boolean;
  if (/^[+\-\u2212]/.test(zone)) {
    ok = false;
  } else {
    try {
      Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
      ok = true;
    } catch {
      ok = false;
    }
  }
  // Bounded: ids come from a finite tz database, but garbage input must not grow the map forever.
  if (zoneValidity.size < 1000) zoneValidity.set(zone, ok);
  return ok;
}

/** Throws DomainError VALIDATION naming `field` unless `zone` passes isValidTimeZone. */
export function assertTimeZone(zone: string, field: string): void {
  if (!isValidTimeZone(zone)) {
    throw new DomainError("VALIDATION", `${field} is not a valid IANA time zone: ${String(zone)}`, {
      fields: [field],
    });
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Strict "HH:MM" (00:00..23:59) -> PlainTime. "24:00" is not a time of day; range ends handle it. */
/**
 * The instants and dates this product accepts from anyone: 1970-01-01 to 2199-12-31 (UTC). Far wider
 * than any booking window or history, and narrow enough that no arithmetic on them (a window, a
 * zone's offset, a week of days) can leave the range Temporal and Postgres represent. Input outside it
 * is refused as invalid, never carried into a computation that would throw.
 */
export const SUPPORTED_YEARS = { first: 1970, last: 2199 } as const;
const SUPPORTED_FROM = Temporal.Instant.from("1970-01-01T00:00:00Z");
const SUPPORTED_UNTIL = Temporal.Instant.from("2200-01-01T00:00:00Z");
export const SUPPORTED_RANGE_MESSAGE = `must be between ${SUPPORTED_YEARS.first}-01-01 and ${SUPPORTED_YEARS.last}-12-31`;

export function isSupportedInstant(instant: Temporal.Instant): boolean {
  return Temporal.Instant.compare(instant, SUPPORTED_FROM) >= 0 && Temporal.Instant.compare(instant, SUPPORTED_UNTIL) < 0;
}

const SUPPORTED_FROM_MS = SUPPORTED_FROM.epochMilliseconds;
const SUPPORTED_UNTIL_MS = SUPPORTED_UNTIL.epochMilliseconds;

/**
 * isSupportedInstant for an instant's epoch milliseconds (floored, as Temporal's epochMilliseconds
 * is): the bounds are whole milliseconds, so flooring never moves an instant across one.
 */
export function isSupportedEpochMs(ms: number): boolean {
  return ms >= SUPPORTED_FROM_MS && ms < SUPPORTED_UNTIL_MS;
}

export function isSupportedDate(date: Temporal.PlainDate): boolean {
  return date.year >= SUPPORTED_YEARS.first && date.year <= SUPPORTED_YEARS.last;
}

/**
 * False only for a readable ISO instant outside the supported range: an unreadable one is the format
 * check's to report, so a schema names the field once, with the message that fits.
 */
export function isSupportedInstantText(value: string): boolean {
  const ms = epochMsOfInstantText(value);
  return ms === null || isSupportedEpochMs(ms);
}

/** A YYYY-MM-DD text as a date, or null when it is unreadable or outside the supported years. */
export function parsePlainDate(value: string | null | undefined): Temporal.PlainDate | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  try {
    const date = Temporal.PlainDate.from(value, { overflow: "reject" });
    return isSupportedDate(date) ? date : null;
  } catch {
    return null;
  }
}

/** False only for a readable YYYY-MM-DD date outside the supported years (see isSupportedInstantText). */
export function isSupportedDateText(value: string): boolean {
  try {
    return isSupportedDate(Temporal.PlainDate.from(value, { overflow: "reject" }));
  } catch {
    return true;
  }
}

export function parseLocalTime(hhmm: string, field = "time"): Temporal.PlainTime {
  const minute = parseLocalMinute(hhmm, field);
  return new Temporal.PlainTime(Math.floor(minute / 60), minute % 60);
}

/** parseLocalTime as minute of the day (0..1439), same validation and errors, no Temporal object. */
export function parseLocalMinute(hhmm: string, field = "time"): number {
  const m = typeof hhmm === "string" ? HHMM.exec(hhmm) : null;
  if (!m) {
    throw new DomainError("VALIDATION", `${field} must be HH:MM (00:00-23:59), got ${JSON.stringify(hhmm)}`, {
      fields: [field],
    });
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

/** e.g. 2026-03-08T09:00:00-04:00[America/New_York] – offset AND zone, so clients never guess. */
export function formatInZone(instant: Temporal.Instant, zone: string): string {
  assertTimeZone(zone, "zone");
  return clockFor(zone).format(instant, instant.epochNanoseconds);
}

/** The provider- or customer-local date of an instant (the date part of formatInZone). */
export function localDateOf(instant: Temporal.Instant, zone: string): Temporal.PlainDate {
  assertTimeZone(zone, "zone");
  return clockFor(zone).localDate(instant.epochNanoseconds) ?? instant.toZonedDateTimeISO(zone).toPlainDate();
}

// One ZoneClock per zone for formatInZone: it formats instants of uniform days without asking the
// polyfill for offsets (exact: see the fast-path notes at the top). Bounded: at most CLOCK_ZONES
// zones, each forgotten once its table of days grows past CLOCK_MAX_DAYS.
const CLOCK_ZONES = 64;
const CLOCK_MAX_DAYS = 400;
const clocks = new Map<string, ZoneClock>();

function clockFor(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (!clock || clock.size > CLOCK_MAX_DAYS) {
    if (!clock && clocks.size >= CLOCK_ZONES) clocks.clear();
    clock = new ZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

/**
 * Local wall time -> instant, for slot STARTS.
 *  - spring-forward gap (the wall time never shows on the clock that day): returns null.
 *  - fall-back overlap (the wall time shows twice): returns the EARLIER instant (first
 *    occurrence, what Temporal's "compatible" also picks for overlaps).
 *  - otherwise the unique instant.
 */
export function resolveLocal(
  date: Temporal.PlainDate,
  time: Temporal.PlainTime,
  zone: string
): Temporal.Instant | null {
  const wall = date.toPlainDateTime(time);
  // "earlier" moves a gap time backwards, so a gap shows up as a failed round trip.
  const zdt = wall.toZonedDateTime(zone, { disambiguation: "earlier" });
  if (!zdt.toPlainDateTime().equals(wall)) return null;
  return zdt.toInstant();
}

/**
 * Local wall time -> instant, for the EDGES of working ranges: Temporal "compatible"
 * (gap -> later instant, overlap -> earlier instant). Never null, so a range that contains
 * or touches a gap still has well-defined real-time bounds.
 */
export function resolveLocalBoundary(
  date: Temporal.PlainDate,
  time: Temporal.PlainTime,
  zone: string
): Temporal.Instant {
  return date.toPlainDateTime(time).toZonedDateTime(zone, { disambiguation: "compatible" }).toInstant();
}

/** First instant of a local date (usually 00:00, but 01:00 in e.g. Santiago's spring-forward night). */
export function startOfLocalDay(date: Temporal.PlainDate, zone: string): Temporal.Instant {
  return date.toZonedDateTime({ timeZone: zone }).toInstant();
}

// ---------------------------------------------------------------------------------------------
// Fast path (see the header): cached zone transitions, uniform local days, cheap formatting.
// Instants are handled as epoch-nanosecond bigints here: reading epochNanoseconds from a
// polyfill Instant is costly, comparing bigints is not.

export const MINUTE_NS = 60_000_000_000n;
export const DAY_NS = 86_400_000_000_000n;
const SECOND_NS = 1_000_000_000n;
/** Span around a day's first instant in which at most one transition may lie (see header). */
const UNIFORM_BEFORE_NS = 2n * DAY_NS;
const UNIFORM_AFTER_NS = 3n * DAY_NS;
/**
 * After a "no next transition" answer, how far it is trusted. The polyfill searches 3 years
 * ahead before answering null, native Temporal searches forever; 1000 days is inside both.
 */
const NO_TRANSITION_HORIZON_NS = 1000n * DAY_NS;

interface TransitionScan {
  lo: bigint; // every transition T with lo < T <= hi is in `list`, sorted
  hi: bigint;
  list: bigint[];
}
const transitionCache = new Map<string, TransitionScan>();

/** Transitions in (from, to], asking Temporal for the next one repeatedly; also how far it looked (>= to). */
function scanTransitions(zone: string, from: bigint, to: bigint): { list: bigint[]; hi: bigint } {
  const list: bigint[] = [];
  let t = from;
  while (t < to) {
    const next = Temporal.Instant.fromEpochNanoseconds(t).toZonedDateTimeISO(zone).getTimeZoneTransition("next");
    if (next === null) {
      t += NO_TRANSITION_HORIZON_NS;
      continue;
    }
    const at = next.epochNanoseconds;
    if (at <= t) throw new Error(`time zone transition search did not advance (${zone})`);
    list.push(at);
    t = at;
  }
  return { list, hi: t };
}

/**
 * The zone's transitions (epoch ns, sorted) known for a span covering (from, to]. Cached per
 * zone: tzdata does not change while the process runs, and a zone needs only a few searches.
 */
export function zoneTransitions(zone: string, from: bigint, to: bigint): readonly bigint[] {
  let c = transitionCache.get(zone);
  if (!c) {
    const s = scanTransitions(zone, from, to);
    c = { lo: from, hi: s.hi, list: s.list };
    if (transitionCache.size >= 1000) transitionCache.clear();
    transitionCache.set(zone, c);
    return c.list;
  }
  if (from < c.lo) {
    const s = scanTransitions(zone, from, c.lo);
    c.list = [...s.list.filter((t) => t <= c!.lo), ...c.list];
    c.lo = from;
  }
  if (to > c.hi) {
    const s = scanTransitions(zone, c.hi, to);
    c.list = [...c.list, ...s.list];
    c.hi = s.hi;
  }
  return c.list;
}

/** Index of the first transition after `from` in a sorted list (list.length when there is none). */
export function firstTransitionAfter(list: readonly bigint[], from: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! > from) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The uniform-day test of the header for a day whose first instant is `start`: no transition
 * in [start, start + 24 h] and at most one in (start - 2 days, start + 3 days].
 */
function uniformAround(zone: string, start: bigint): boolean {
  const from = start - UNIFORM_BEFORE_NS;
  const to = start + UNIFORM_AFTER_NS;
  const list = zoneTransitions(zone, from, to);
  const lo = firstTransitionAfter(list, from);
  const near = list[lo];
  if (near === undefined || near > to) return true; // none at all
  const second = list[lo + 1];
  if (second !== undefined && second <= to) return false; // two close together: never assume
  return near < start || near > start + DAY_NS;
}

/** A local date with Temporal's first instants of it and of the next date. */
export interface LocalDay {
  date: Temporal.PlainDate;
  start: bigint; // startOfLocalDay(date), epoch ns
  end: bigint; // startOfLocalDay(date + 1 day), epoch ns
  /** See the header: wall time date + m min is exactly start + m min, the only such instant. */
  uniform: boolean;
  /** Fast formatting, filled lazily: "YYYY-MM-DD" and ZonedDateTime.toString()'s "offset[zone]" tail. */
  dateText?: string;
  suffix?: string | null;
}

function dayStartNs(date: Temporal.PlainDate, zone: string): bigint {
  return date.toZonedDateTime({ timeZone: zone }).epochNanoseconds;
}

function transitionFree(zone: string, start: bigint): boolean {
  try {
    return uniformAround(zone, start);
  } catch {
    return false; // the fast path is an optimisation; anything odd takes the Temporal path
  }
}

/**
 * Would a local day whose first instant (Temporal's startOfLocalDay) is `startNs` be uniform? The
 * test localDays applies, for callers that step dates themselves: on such a day wall time
 * date + m minutes is exactly startNs + m minutes, and the next day starts at startNs + 24 h.
 */
export function isUniformDayStart(zone: string, startNs: bigint): boolean {
  return transitionFree(zone, startNs);
}

/**
 * The LocalDay of `date` whose first instant `start` came from Temporal (or from the rule
 * below). On a uniform day the next day's first instant, wall time 24:00, is start + 24 h by
 * the same rule as every other wall time of the day; otherwise Temporal computes it.
 */
function makeDay(zone: string, date: Temporal.PlainDate, start: bigint, exact: boolean): LocalDay {
  const uniform = !exact && transitionFree(zone, start);
  const end = uniform ? start + DAY_NS : dayStartNs(date.add({ days: 1 }), zone);
  return { date, start, end, uniform };
}

/**
 * LocalDay for every date first..last (inclusive) of `zone`. `exact` marks every day
 * non-uniform, i.e. Temporal's resolvers for every wall time (the reference path for tests).
 */
export function localDays(
  zone: string,
  first: Temporal.PlainDate,
  last: Temporal.PlainDate,
  exact = false
): LocalDay[] {
  const out: LocalDay[] = [];
  const count = first.until(last, { largestUnit: "days" }).days;
  if (count < 0) return out;
  let day = makeDay(zone, first, dayStartNs(first, zone), exact);
  out.push(day);
  for (let i = 0; i < count; i++) {
    day = makeDay(zone, day.date.add({ days: 1 }), day.end, exact);
    out.push(day);
  }
  return out;
}

/** Orders PlainDates like PlainDate.compare (ISO calendar) with three getter reads instead. */
export function dateKey(date: Temporal.PlainDate): number {
  return date.year * 10000 + date.month * 100 + date.day;
}

/** resolveLocal for a whole minute of `day` (0..1439), as epoch ns; null in a gap. */
export function resolveLocalMinute(day: LocalDay, minute: number, zone: string): bigint | null {
  if (day.uniform) return day.start + BigInt(minute) * MINUTE_NS;
  const instant = resolveLocal(day.date, new Temporal.PlainTime(Math.floor(minute / 60), minute % 60), zone);
  return instant === null ? null : instant.epochNanoseconds;
}

/** resolveLocalBoundary for a whole minute of `day` (0..1439), as epoch ns. */
export function resolveLocalBoundaryMinute(day: LocalDay, minute: number, zone: string): bigint {
  if (day.uniform) return day.start + BigInt(minute) * MINUTE_NS;
  return resolveLocalBoundary(day.date, new Temporal.PlainTime(Math.floor(minute / 60), minute % 60), zone)
    .epochNanoseconds;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
/** How far (in days) ZoneClock extends its table of days before formatting via Temporal instead. */
const CLOCK_EXTEND_DAYS = 45n;

/**
 * formatInZone for many instants of one zone, in the order they usually come (increasing, close
 * together): keeps a contiguous table of LocalDays and, on uniform days, builds the string from
 * the day's date, the time since its first instant and the day's Temporal suffix. Anything else
 * (non-uniform day, sub-second time, far-away instant) is formatted by Temporal itself.
 * The zone must be valid (callers assert it once). ZoneClock.instants() gives Instant.toString()
 * instead: the UTC wall time followed by "Z".
 */
export class ZoneClock {
  private days: LocalDay[];

  constructor(readonly zone: string, seed: LocalDay[] = [], private readonly instantStyle = false) {
    this.days = seed.slice();
  }

  /** Days in its table (how much it has learnt of the zone). */
  get size(): number {
    return this.days.length;
  }

  /** A clock whose format(i) equals i.toString() (UTC with "Z", Temporal's Instant format). */
  static instants(): ZoneClock {
    return new ZoneClock("UTC", [], true);
  }

  format(instant: Temporal.Instant, ns: bigint): string {
    const day = this.dayOf(ns);
    if (day && day.uniform) {
      const elapsed = ns - day.start;
      const suffix = this.suffixOf(day);
      if (suffix !== null) {
        const seconds = Number(elapsed / SECOND_NS);
        // Temporal's "auto" fraction: nanoseconds without trailing zeros, none for a whole second.
        const nanos = Number(elapsed % SECOND_NS);
        const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
        day.dateText ??= day.date.toString();
        return `${day.dateText}T${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(
          seconds % 60
        )}${fraction}${suffix}`;
      }
    }
    return this.instantStyle ? instant.toString() : instant.toZonedDateTimeISO(this.zone).toString();
  }

  /** The local date `ns` falls on, from the table of days (exact on any day), or null outside it. */
  localDate(ns: bigint): Temporal.PlainDate | null {
    return this.dayOf(ns)?.date ?? null;
  }

  private suffixOf(day: LocalDay): string | null {
    if (day.suffix !== undefined) return day.suffix;
    if (this.instantStyle) return (day.suffix = "Z");
    const zdt = Temporal.Instant.fromEpochNanoseconds(day.start).toZonedDateTimeISO(this.zone);
    const full = zdt.toString();
    const wall = zdt.toPlainDateTime().toString();
    const suffix = full.startsWith(wall) ? full.slice(wall.length) : null;
    // Consecutive uniform days share one offset (each one's margins cover its neighbours).
    const i = this.days.indexOf(day);
    for (let j = i; j >= 0 && this.days[j]!.uniform && this.days[j]!.suffix === undefined; j--)
      this.days[j]!.suffix = suffix;
    for (let j = i + 1; j < this.days.length && this.days[j]!.uniform && this.days[j]!.suffix === undefined; j++) {
      this.days[j]!.suffix = suffix;
    }
    return suffix;
  }

  private inherit(day: LocalDay, neighbour: LocalDay): LocalDay {
    if (day.uniform && neighbour.uniform && neighbour.suffix !== undefined) day.suffix = neighbour.suffix;
    return day;
  }

  private dayOf(ns: bigint): LocalDay | undefined {
    try {
      if (this.days.length === 0) {
        const date = Temporal.Instant.fromEpochNanoseconds(ns).toZonedDateTimeISO(this.zone).toPlainDate();
        this.days = localDays(this.zone, date, date);
      }
      let first = this.days[0]!;
      let last = this.days[this.days.length - 1]!;
      if (ns >= last.end) {
        if (ns - last.end > CLOCK_EXTEND_DAYS * DAY_NS) return undefined;
        while (ns >= last.end) {
          last = this.inherit(makeDay(this.zone, last.date.add({ days: 1 }), last.end, false), last);
          this.days.push(last);
        }
        return last;
      }
      if (ns < first.start) {
        if (first.start - ns > CLOCK_EXTEND_DAYS * DAY_NS) return undefined;
        const before: LocalDay[] = [];
        while (ns < first.start) {
          const date = first.date.subtract({ days: 1 });
          const end = first.start;
          const start = dayStartNs(date, this.zone);
          first = this.inherit(
            { date, start, end, uniform: end - start === DAY_NS && transitionFree(this.zone, start) },
            first
          );
          before.unshift(first);
        }
        this.days = [...before, ...this.days];
        return first;
      }
      let lo = 0;
      let hi = this.days.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (this.days[mid]!.start <= ns) lo = mid;
        else hi = mid - 1;
      }
      const day = this.days[lo]!;
      return ns < day.end ? day : undefined;
    } catch {
      return undefined;
    }
  }
}
