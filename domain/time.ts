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
import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";

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
export function parseLocalTime(hhmm: string, field = "time"): Temporal.PlainTime {
  const m = typeof hhmm === "string" ? HHMM.exec(hhmm) : null;
  if (!m) {
    throw new DomainError("VALIDATION", `${field} must be HH:MM (00:00-23:59), got ${JSON.stringify(hhmm)}`, {
      fields: [field],
    });
  }
  return new Temporal.PlainTime(Number(m[1]), Number(m[2]));
}

/** e.g. 2026-03-08T09:00:00-04:00[America/New_York] – offset AND zone, so clients never guess. */
export function formatInZone(instant: Temporal.Instant, zone: string): string {
  assertTimeZone(zone, "zone");
  return instant.toZonedDateTimeISO(zone).toString();
}

export function localDateOf(instant: Temporal.Instant, zone: string): Temporal.PlainDate {
  assertTimeZone(zone, "zone");
  return instant.toZonedDateTimeISO(zone).toPlainDate();
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
