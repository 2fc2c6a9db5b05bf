// /provider/calendar?view=day|week&date=YYYY-MM-DD — the provider's bookings (everything that
// occupies time, no-shows, and bookings cancelled/expired in the last RECENT_DAYS days) and live slot
// holds, laid out in the provider's own time zone. Server-rendered and fully usable without
// JavaScript (previous/next/today and day/week are links); with JavaScript LiveCalendarStatus keeps it
// current from the provider's live feed.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { Temporal } from "@js-temporal/polyfill";
import { loadOverrides, loadWeeklyRules } from "../../db/queries/availability";
import { calendarBookings, RECENTLY_RELEASED_STATUSES } from "../../db/queries/provider-admin";
import { startOfLocalDay } from "../../domain/time";
import { AdminScopeNote, statusLabel } from "../components/provider/booking-status";
import { CalendarView, type CalendarDay, type CalendarItem } from "../components/provider/calendar-view";
import { LiveCalendarStatus } from "../components/provider/live-calendar-status";
import providerStyles from "../styles/provider.css?url";
import { formatPlainDate, parsePlainDate, todayIn } from "../utils/dates";
import { formatTime } from "../utils/format";
import { adminChoices, requireProviderScope, scopedHref } from "../utils/provider-scope.server";
import { logScheduleError, scheduleStub } from "../utils/schedule-object.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.title} · Calendar · Edge Booking` : "Calendar · Edge Booking" }];

/** Cancelled / expired / refunded bookings stay visible this long after they changed. */
const RECENT_DAYS = 7;
const RELEASED = new Set<string>(RECENTLY_RELEASED_STATUSES);

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

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const { provider } = scope;
  const zone = provider.timeZone;
  const url = new URL(request.url);
  const today = todayIn(zone);
  const view: "day" | "week" = url.searchParams.get("view") === "day" ? "day" : "week";
  const date = parsePlainDate(url.searchParams.get("date")) ?? today;
  const first = view === "day" ? date : date.subtract({ days: date.dayOfWeek - 1 });
  const dayCount = view === "day" ? 1 : 7;
  const dates = Array.from({ length: dayCount }, (_, i) => first.add({ days: i }));
  const last = dates[dates.length - 1]!;
  const from = startOfLocalDay(first, zone);
  const to = startOfLocalDay(last.add({ days: 1 }), zone);
  const now = Temporal.Now.instant();
  const db = context.database.db;

  const [rows, weekly, overrides, holds, choices] = await Promise.all([
    calendarBookings(db, provider.id, {
      from: new Date(from.epochMilliseconds),
      to: new Date(to.epochMilliseconds),
      releasedSince: new Date(now.subtract({ hours: 24 * RECENT_DAYS }).epochMilliseconds),
    }),
    loadWeeklyRules(db, provider.id),
    loadOverrides(db, provider.id, first.toString(), last.toString()),
    // The object is the only place live holds exist; the calendar still renders if it is unreachable.
    scheduleStub(context, provider.id)
      .publicHolds()
      .catch((error: unknown) => {
        logScheduleError(provider.id, error);
        return null;
      }),
    adminChoices(scope, context),
  ]);

  const spans = [
    ...rows.map((b) => ({
      kind: "booking" as const,
      key: b.id,
      start: Temporal.Instant.fromEpochMilliseconds(b.startsAt.getTime()),
      end: Temporal.Instant.fromEpochMilliseconds(b.endsAt.getTime()),
      href: scopedHref(scope, `/provider/bookings/${b.confirmationCode}`),
      title: b.serviceName,
      customerName: b.customerName,
      status: b.status as string,
    })),
    ...(holds?.holds ?? []).map((h, i) => ({
      kind: "hold" as const,
      key: `hold-${i}-${h.start}`,
      start: Temporal.Instant.from(h.start),
      end: Temporal.Instant.from(h.end),
      href: null,
      title: "Slot held: a customer is checking out",
      customerName: null,
      status: "held",
    })),
  ].sort((a, b) => Temporal.Instant.compare(a.start, b.start));

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
        released: RELEASED.has(s.status),
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

  const step = { days: dayCount };
  const href = (params: { view?: string; date?: string }) =>
    scopedHref(scope, "/provider/calendar", { view: params.view ?? view, date: params.date ?? date.toString() });
  const title =
    view === "day"
      ? formatPlainDate(date)
      : `${formatPlainDate(first, { day: "numeric", month: "short" })} – ${formatPlainDate(last, { day: "numeric", month: "short", year: "numeric" })}`;
  const bookingCount = rows.filter((r) => !RELEASED.has(r.status)).length;
  const awaiting = rows.filter((r) => r.status === "awaiting_approval").length;

  return {
    provider: { id: provider.id, displayName: provider.displayName, timeZone: zone },
    admin: scope.isAdmin ? { choices } : null,
    view,
    title,
    days,
    grid: { startMin: gridStart, endMin: gridEnd, hours },
    summary: { bookings: bookingCount, awaiting, holds: holds?.count ?? null },
    window: { from: from.toString(), to: to.toString() },
    nav: {
      previous: href({ date: (view === "day" ? date : first).subtract(step).toString() }),
      next: href({ date: (view === "day" ? date : first).add(step).toString() }),
      today: href({ date: today.toString() }),
      day: href({ view: "day" }),
      week: href({ view: "week" }),
      self: href({}),
    },
  };
}

export default function ProviderCalendar() {
  const data = useLoaderData<typeof loader>();
  const { provider, view, nav, summary } = data;
  const unit = view === "day" ? "day" : "week";
  return (
    <section aria-labelledby="calendar-heading" className="provider-page">
      <header className="page-header">
        <div>
          <h1 id="calendar-heading">Calendar</h1>
          <p className="muted">
            {provider.displayName} · times in <strong>{provider.timeZone}</strong>
          </p>
        </div>
        <LiveCalendarStatus providerId={provider.id} from={data.window.from} to={data.window.to} timeZone={provider.timeZone} refreshHref={nav.self} />
      </header>
      {data.admin ? <AdminScopeNote providerName={provider.displayName} providerId={provider.id} choices={data.admin.choices} /> : null}

      <nav className="calendar-toolbar" aria-label="Calendar dates and view">
        <div className="button-group">
          <Link className="button secondary" to={nav.previous} rel="prev">
            <span aria-hidden="true">←</span> Previous {unit}
          </Link>
          <Link className="button secondary" to={nav.today}>
            Today
          </Link>
          <Link className="button secondary" to={nav.next} rel="next">
            Next {unit} <span aria-hidden="true">→</span>
          </Link>
        </div>
        <h2 className="calendar-title" aria-live="polite">
          {data.title}
        </h2>
        <div className="button-group" role="group" aria-label="View">
          <Link className={`button ${view === "day" ? "" : "secondary"}`} to={nav.day} aria-current={view === "day" ? "page" : undefined}>
            Day
          </Link>
          <Link className={`button ${view === "week" ? "" : "secondary"}`} to={nav.week} aria-current={view === "week" ? "page" : undefined}>
            Week
          </Link>
        </div>
      </nav>

      <p className="calendar-summary" data-testid="calendar-summary">
        {summary.bookings === 1 ? "1 booking" : `${summary.bookings} bookings`} this {unit}
        {summary.awaiting > 0 ? `, ${summary.awaiting} awaiting your approval` : ""}
        {summary.holds ? `; ${summary.holds === 1 ? "1 slot is" : `${summary.holds} slots are`} being booked right now` : ""}.
      </p>

      <CalendarView view={view} days={data.days} grid={data.grid} />
    </section>
  );
}
