// /provider/calendar?view=day|week&date=YYYY-MM-DD — the provider's bookings (everything that
// occupies time, no-shows, and bookings cancelled/expired in the last RECENT_DAYS days) and live slot
// holds, laid out in the provider's own time zone. Server-rendered and fully usable without
// JavaScript (previous/next/today and day/week are links); with JavaScript LiveCalendarStatus keeps it
// current from the provider's live feed.
import { data as withStatus, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { Temporal } from "@js-temporal/polyfill";
import { loadOverrides, loadWeeklyRules } from "../../db/queries/availability";
import { calendarBookings, RECENTLY_RELEASED_STATUSES, upcomingBookings } from "../../db/queries/provider-admin";
import { localDateOf, startOfLocalDay } from "../../domain/time";
import { CalendarFeedPanel } from "../components/calendar-feed-panel";
import { AdminScopeNote } from "../components/provider/booking-status";
import { CalendarView } from "../components/provider/calendar-view";
import { LiveCalendarStatus } from "../components/provider/live-calendar-status";
import providerStyles from "../styles/provider.css?url";
import { applyCalendarFeedIntent, calendarFeedView, isCalendarFeedIntent } from "../utils/calendar-feed.server";
import { calendarOpeningDate, layoutCalendar, type CalendarSpan } from "../utils/calendar-layout";
import { assertCsrf } from "../utils/csrf.server";
import { formatPlainDate, parsePlainDate, todayIn } from "../utils/dates";
import { adminChoices, requireProviderScope, scopedHref } from "../utils/provider-scope.server";
import { optionalScheduleRead } from "../utils/schedule-object.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.title} · Calendar · Edge Booking` : "Calendar · Edge Booking" }];

/** Cancelled / expired / refunded bookings stay visible this long after they changed. */
const RECENT_DAYS = 7;
const RELEASED = new Set<string>(RECENTLY_RELEASED_STATUSES);

/** The calendar-subscription panel's buttons (the only form on this page). */
export async function action({ request, context }: ActionFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const form = await request.formData();
  await assertCsrf(request, form, context);
  const intent = form.get("intent");
  if (!isCalendarFeedIntent(intent)) return withStatus({ notice: "intent must be calendar-feed-create, calendar-feed-replace or calendar-feed-revoke." }, { status: 400 });
  return { notice: await applyCalendarFeedIntent(context, { providerId: scope.provider.id }, intent) };
}

/** The provider-local date of the next booking that has not ended, or null. */
async function nextBookingDate(db: LoaderFunctionArgs["context"]["database"]["db"], providerId: string, zone: string): Promise<Temporal.PlainDate | null> {
  const [next] = await upcomingBookings(db, providerId, new Date(), 1);
  return next ? localDateOf(Temporal.Instant.fromEpochMilliseconds(next.startsAt.getTime()), zone) : null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const { provider } = scope;
  const zone = provider.timeZone;
  const url = new URL(request.url);
  const today = todayIn(zone);
  const view: "day" | "week" = url.searchParams.get("view") === "day" ? "day" : "week";
  const asked = parsePlainDate(url.searchParams.get("date"));
  const db = context.database.db;
  const date = asked ?? calendarOpeningDate({ today, view, nextBooking: await nextBookingDate(db, provider.id, zone) });
  const first = view === "day" ? date : date.subtract({ days: date.dayOfWeek - 1 });
  const dayCount = view === "day" ? 1 : 7;
  const dates = Array.from({ length: dayCount }, (_, i) => first.add({ days: i }));
  const last = dates[dates.length - 1]!;
  const from = startOfLocalDay(first, zone);
  const to = startOfLocalDay(last.add({ days: 1 }), zone);
  const now = Temporal.Now.instant();

  const [rows, weekly, overrides, holds, choices, calendarFeed] = await Promise.all([
    calendarBookings(db, provider.id, {
      from: new Date(from.epochMilliseconds),
      to: new Date(to.epochMilliseconds),
      releasedSince: new Date(now.subtract({ hours: 24 * RECENT_DAYS }).epochMilliseconds),
    }),
    loadWeeklyRules(db, provider.id),
    loadOverrides(db, provider.id, first.toString(), last.toString()),
    // The object is the only place live holds exist; the calendar still renders if it is unreachable.
    optionalScheduleRead(context, provider.id, (schedule) => schedule.publicHolds()),
    adminChoices(scope, context),
    calendarFeedView(context, { providerId: provider.id }, zone),
  ]);

  const spans: CalendarSpan[] = [
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

  const { days, grid } = layoutCalendar({ dates, zone, today, view, spans, weekly, overrides, released: RELEASED });

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
    // Opened without a date on a later week than this one, because that is where the next booking is.
    openedOnNextBooking: !asked && Temporal.PlainDate.compare(date, today) !== 0,
    days,
    grid,
    summary: { bookings: bookingCount, awaiting, holds: holds?.count ?? null },
    calendarFeed,
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
  const result = useActionData<typeof action>();
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

      {data.openedOnNextBooking ? (
        <p className="panel" role="status" data-testid="opened-on-next-booking">
          Nothing is booked for the rest of this {unit}, so the calendar opens on your next booking. <Link to={nav.today}>Back to today</Link>
        </p>
      ) : null}
      <p className="calendar-summary" data-testid="calendar-summary">
        {summary.bookings === 1 ? "1 booking" : `${summary.bookings} bookings`} this {unit}
        {summary.awaiting > 0 ? `, ${summary.awaiting} awaiting your approval` : ""}
        {summary.holds ? `; ${summary.holds === 1 ? "1 slot is" : `${summary.holds} slots are`} being booked right now` : ""}.
      </p>

      <CalendarView view={view} days={data.days} grid={data.grid} />

      <CalendarFeedPanel feed={data.calendarFeed} what="your bookings" notice={result?.notice} />
    </section>
  );
}
