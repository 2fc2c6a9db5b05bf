// The provider calendar's layout, pure: which items fall on which local day, at which minutes, in
// which lane, what each day's working hours are, and the hour grid that covers them all. Everything in
// the provider's zone with Temporal, so a day of 23 or 25 hours and an item across midnight come out
// right. The route (app/routes/provider.calendar.tsx) reads the data and builds the spans.
import { Temporal } from "@js-temporal/polyfill";
import type { DateOverride, WeeklyRule } from "../../domain/availability";
import { startOfLocalDay } from "../../domain/time";
import { statusLabel } from "../components/provider/booking-status";
import type { CalendarDay, CalendarItem } from "../components/provider/calendar-view";
import { formatPlainDate } from "./dates";
import { formatTime } from "./format";

/** A booking or hold to place: its instants, what it links to and what it says. */
export interface CalendarSpan {
  kind: "booking" | "hold";
  key: string;
  start: Temporal.Instant;
  end: Temporal.Instant;
  href: string | null;
  title: string;
  customerName: string | null;
  status: string;
}

export interface CalendarLayoutInput {
  dates: Temporal.PlainDate[];
  zone: string;
  today: Temporal.PlainDate;
  view: "day" | "week";
  /** Sorted by start. */
  spans: CalendarSpan[];
  weekly: WeeklyRule[];
  overrides: DateOverride[];
  /** Statuses drawn as released (cancelled, expired, refunded). */
  released: ReadonlySet<string>;
}

export interface CalendarLayout {
  days: CalendarDay[];
  grid: { startMin: number; endMin: number; hours: Array<{ min: number; label: string }> };
}

const minutesOfDay = (instant: Temporal.Instant, zone: string) => {
  const local = instant.toZonedDateTimeISO(zone);
  return local.hour * 60 + local.minute;
};
const toMinute = (hhmm: string) => (hhmm === "24:00" ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));

/** Greedy lanes so overlapping items sit side by side; returns the lane count. */
function assignLanes(items: CalendarItem[]): number {
  const laneEnds: number[] = [];
  for (const item of items) {
    let lane = laneEnds.findIndex((end) => end <= item.startMin);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(item.endMin);
    } else laneEnds[lane] = item.endMin;
    item.lane = lane;
  }
  return Math.max(1, laneEnds.length);
}

export function layoutCalendar({ dates, zone, today, view, spans, weekly, overrides, released }: CalendarLayoutInput): CalendarLayout {
  const days: CalendarDay[] = dates.map((d) => {
    const dayStart = startOfLocalDay(d, zone);
    const dayEnd = startOfLocalDay(d.add({ days: 1 }), zone);
    const items: CalendarItem[] = [];
    for (const s of spans) {
      if (Temporal.Instant.compare(s.start, dayEnd) >= 0 || Temporal.Instant.compare(s.end, dayStart) <= 0) continue;
      const startsToday = Temporal.Instant.compare(s.start, dayStart) >= 0;
      const endsToday = Temporal.Instant.compare(s.end, dayEnd) <= 0;
      const startMin = startsToday ? minutesOfDay(s.start, zone) : 0;
      let endMin = endsToday ? minutesOfDay(s.end, zone) : 1440;
      if (endsToday && endMin === 0) endMin = 1440;
      if (endMin <= startMin) endMin = Math.min(1440, startMin + 15); // a fall-back hour can fold an item onto itself
      const startText = formatTime(new Date(s.start.epochMilliseconds), zone);
      const endText = formatTime(new Date(s.end.epochMilliseconds), zone);
      const crossing = !startsToday || !endsToday;
      const dayOf = (i: Temporal.Instant) => formatPlainDate(i.toZonedDateTimeISO(zone).toPlainDate(), { weekday: "short", day: "numeric", month: "short" });
      items.push({
        key: `${s.key}-${d}`,
        kind: s.kind,
        href: s.href,
        timeLabel: crossing ? `${dayOf(s.start)} ${startText} – ${dayOf(s.end)} ${endText}` : `${startText}–${endText}`,
        title: s.title,
        customerName: s.customerName,
        status: s.status,
        statusLabel: statusLabel(s.status),
        startMin,
        endMin,
        lane: 0,
        released: released.has(s.status),
      });
    }
    const ranges = overrides.find((o) => o.date === d.toString())?.ranges ?? weekly.find((w) => w.weekday === d.dayOfWeek)?.ranges ?? [];
    const working = ranges.map((r) => ({ startMin: toMinute(r.start), endMin: toMinute(r.end) })).filter((r) => r.endMin > r.startMin);
    const lengthMinutes = dayStart.until(dayEnd, { largestUnit: "minutes" }).minutes;
    const note =
      lengthMinutes !== 1440
        ? `Clocks change on this day: it has ${lengthMinutes % 60 === 0 ? lengthMinutes / 60 : (lengthMinutes / 60).toFixed(1)} hours.`
        : null;
    return {
      date: d.toString(),
      heading: formatPlainDate(d, view === "day" ? { weekday: "long", day: "numeric", month: "long", year: "numeric" } : { weekday: "short", day: "numeric", month: "short" }),
      isToday: d.equals(today),
      lanes: assignLanes(items),
      working,
      items,
      note,
    };
  });

  const starts = days.flatMap((d) => [...d.working.map((w) => w.startMin), ...d.items.map((i) => i.startMin)]);
  const ends = days.flatMap((d) => [...d.working.map((w) => w.endMin), ...d.items.map((i) => i.endMin)]);
  const gridStart = Math.floor(Math.min(8 * 60, ...starts) / 60) * 60;
  const gridEnd = Math.min(1440, Math.ceil(Math.max(18 * 60, ...ends) / 60) * 60);
  const hours = [];
  for (let m = gridStart; m < gridEnd; m += 60) hours.push({ min: m, label: `${String(m / 60).padStart(2, "0")}:00` });

  return { days, grid: { startMin: gridStart, endMin: gridEnd, hours } };
}

/**
 * The date the calendar opens on when none is asked for: today, unless nothing is booked from now to
 * the end of the shown day or week while a booking comes later; then the day or week of that next
 * booking, so the provider sees their next appointments at once instead of an empty week.
 */
export function calendarOpeningDate(input: { today: Temporal.PlainDate; view: "day" | "week"; nextBooking: Temporal.PlainDate | null }): Temporal.PlainDate {
  const { today, view, nextBooking } = input;
  const lastShown = view === "day" ? today : today.add({ days: 7 - today.dayOfWeek });
  return nextBooking && Temporal.PlainDate.compare(nextBooking, lastShown) > 0 ? nextBooking : today;
}
