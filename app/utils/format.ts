// Dates and money for people, in a given IANA zone. Works on the server (workerd has full ICU) and in
// the browser; all inputs are ISO instants, so the zone decides what the wall clock shows.
const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...options });
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
