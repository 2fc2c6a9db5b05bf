// Calendar dates (Temporal.PlainDate) for the provider pages: today in a zone, parsing a
// "YYYY-MM-DD" parameter, formatting a date, and the time-zone choices of the schedule editor.
// Instants (ISO strings or Dates) are formatted by ./format.
import { Temporal } from "@js-temporal/polyfill";
import { isValidTimeZone } from "../../domain/time";

export function todayIn(zone: string): Temporal.PlainDate {
  return Temporal.Now.instant().toZonedDateTimeISO(zone).toPlainDate();
}

/** A YYYY-MM-DD parameter, or null when it is unreadable or outside the supported years (pages fall back). */
export { parsePlainDate } from "../../domain/time";

export function formatPlainDate(date: Temporal.PlainDate, options: Intl.DateTimeFormatOptions = { weekday: "long", day: "numeric", month: "long", year: "numeric" }): string {
  // A PlainDate has no zone; format its noon in UTC so no offset can move it to another day.
  return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(new Date(Date.UTC(date.year, date.month - 1, date.day, 12)));
}

export function timeZoneOptions(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    zones = [];
  }
  const set = new Set(zones.filter((z) => isValidTimeZone(z)));
  set.add("UTC");
  if (isValidTimeZone(current)) set.add(current);
  return [...set].sort((a, b) => a.localeCompare(b));
}
