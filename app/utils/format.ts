// Dates and money for people, in a given IANA zone. Works on the server (workerd has full ICU) and in
// the browser; all inputs are instants (an ISO string or a Date), so the zone decides what the wall
// clock shows.
import { formatMoney, type Money } from "../../domain/money";

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, options: Intl.DateTimeFormatOptions, locale = "en-GB"): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    cache.set(key, f);
  }
  return f;
}

/** An ISO instant (a trailing "[Zone/Name]" annotation is ignored) or a Date. */
export type InstantLike = string | Date;

const epoch = (instant: InstantLike) => (typeof instant === "string" ? new Date(Date.parse(instant.replace(/\[.*\]$/, ""))) : instant);

const DATE_TIME: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };

/** "Mon 30 Nov 2026, 09:30" */
export function formatDateTime(instant: InstantLike, zone: string): string {
  return formatter(zone, DATE_TIME).format(epoch(instant));
}

/** "Tue 3 Mar 2026, 09:30 GMT+5:45": formatDateTime plus the zone's abbreviation or offset. */
export function formatDateTimeWithZone(instant: InstantLike, zone: string): string {
  return formatter(zone, { ...DATE_TIME, timeZoneName: "short" }).format(epoch(instant));
}

/** "09:30" */
export function formatTime(instant: InstantLike, zone: string): string {
  return formatter(zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(epoch(instant));
}

/** "Monday 30 November" */
export function formatDay(instant: InstantLike, zone: string): string {
  return formatter(zone, { weekday: "long", day: "numeric", month: "long" }).format(epoch(instant));
}

/** The zone's abbreviation or offset at that instant, e.g. "GMT+5:45" or "EST". */
export function zoneLabel(instant: InstantLike, zone: string): string {
  const part = formatter(zone, { timeZoneName: "short" })
    .formatToParts(epoch(instant))
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? zone;
}

/**
 * The instant as wall time in `timeZone` with the zone named, so nobody has to guess, e.g.
 * "Tue, Mar 10, 2026, 2:00 PM GMT+5:45". Throws a RangeError for an unknown zone.
 */
export function formatInZone(instant: Date, timeZone: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName, hence the explicit fields.
  return formatter(
    timeZone,
    { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" },
    "en-US",
  ).format(instant);
}

/** A listed price: "Free" for nothing to pay, else the amount in its currency. */
export function formatPrice(price: Money): string {
  return price.amount === 0 ? "Free" : formatMoney(price);
}
