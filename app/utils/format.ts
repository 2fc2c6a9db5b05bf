// Dates and money for people, in a given IANA zone. Works on the server (workerd has full ICU) and in
// the browser; all inputs are ISO instants, so the zone decides what the wall clock shows.
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

const epoch = (iso: string) => new Date(Date.parse(iso.replace(/\[.*\]$/, "")));

/** "Mon 30 Nov 2026, 09:30" */
export function formatDateTime(iso: string, zone: string): string {
  return formatter(zone, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(epoch(iso));
}

/** "09:30" */
export function formatTime(iso: string, zone: string): string {
  return formatter(zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(epoch(iso));
}

/** "Monday 30 November" */
export function formatDay(iso: string, zone: string): string {
  return formatter(zone, { weekday: "long", day: "numeric", month: "long" }).format(epoch(iso));
}

/** The zone's abbreviation or offset at that instant, e.g. "GMT+5:45" or "EST". */
export function zoneLabel(iso: string, zone: string): string {
  const part = formatter(zone, { timeZoneName: "short" })
    .formatToParts(epoch(iso))
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
