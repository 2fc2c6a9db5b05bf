// Step 3 of 3: confirmation. The code, the time in both zones, add-to-calendar (.ics with a stable UID
// and sequence, Google Calendar) and the manage link. While the payment is still being confirmed the
// page refreshes itself (no JavaScript needed).
import { Temporal } from "@js-temporal/polyfill";
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { LiveBookingStatus } from "../components/live-booking-status";
import { googleCalendarUrl } from "../../domain/ics";
import { listEvents } from "../../db/queries/bookings";
import { getBookingByCode } from "../../workers/services/get-booking";
import { BookingSteps } from "../components/booking/steps";
import { bookingAccess, tokenQuery } from "../utils/booking-flow.server";
import { formatDateTime, formatPrice, formatTime, zoneLabel } from "../utils/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Booking ${data.booking.code} · Edge Booking` : "Booking" },
  ...(data?.refresh ? [{ httpEquiv: "refresh", content: "3" } as const] : []),
];

const HEADLINE: Record<string, string> = {
  confirmed: "You're booked",
  awaiting_approval: "Request sent: waiting for the provider to accept",
  pending: "Confirming your payment…",
  payment_failed: "Payment did not go through",
  in_progress: "Happening now",
  completed: "Completed",
  cancelled: "Cancelled",
  no_show: "Marked as missed",
  refunded: "Refunded",
  expired: "Expired",
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const access = await bookingAccess(request, context);
  const { booking } = await getBookingByCode(context.database.db, params.code ?? "", access).catch(() => {
    throw new Response("No booking with that confirmation code. If you booked as a guest, use the link from your email.", { status: 404 });
  });
  const query = tokenQuery(access.token);
  const moved = await lastMove(context.database.db, booking);
  const google = googleCalendarUrl({
    start: Temporal.Instant.from(booking.start),
    end: Temporal.Instant.from(booking.end),
    summary: `${booking.serviceName} with ${booking.providerName}`,
    description: `Confirmation code ${booking.code}`,
    location: booking.providerName,
  });
  return data({
    booking,
    headline: HEADLINE[booking.status] ?? booking.status,
    total: formatPrice({ amount: booking.amounts.total, currency: booking.amounts.currency }),
    icsUrl: `/bookings/${booking.code}/calendar.ics${query}`,
    manageUrl: `/manage/${booking.code}${query}`,
    payUrl: `/bookings/${booking.code}/pay${query}`,
    google,
    refresh: booking.status === "pending",
    token: access.token,
    moved,
  });
}

/**
 * The move that gave the booking its current time, read from the recorded "rescheduled" event (not
 * from the URL): shown after the customer moves it, and after the provider or support does.
 */
async function lastMove(db: Parameters<typeof listEvents>[0], booking: { id: string; start: string }) {
  const events = await listEvents(db, booking.id);
  const move = events.filter((e) => e.type === "rescheduled").at(-1);
  const data = move?.data as { from?: { start?: string }; to?: { start?: string } } | undefined;
  if (!data?.from?.start || !data.to?.start) return null;
  const current = Temporal.Instant.from(booking.start);
  return Temporal.Instant.from(data.to.start).equals(current) ? { from: data.from.start, to: data.to.start } : null;
}

export default function Confirmation() {
  const { booking, headline, total, icsUrl, manageUrl, payUrl, google, token, moved } = useLoaderData<typeof loader>();
  const zone = booking.timeZone;
  const providerZone = booking.providerTimeZone;
  const live = ["confirmed", "awaiting_approval", "in_progress"].includes(booking.status);
  return (
    <article className="booking">
      <BookingSteps current={3} />
      <section className="panel" aria-live="polite">
        <h1 data-testid="headline">{headline}</h1>
        <LiveBookingStatus code={booking.code} token={token} status={booking.status} start={booking.start} />
        {moved ? (
          <p className="ok" role="status" data-testid="moved">
            Moved from {formatDateTime(moved.from, zone)} to {formatDateTime(moved.to, zone)} ({zone.replace(/_/g, " ")}).
          </p>
        ) : null}
        <p className="code">
          Confirmation code <strong data-testid="confirmation-code">{booking.code}</strong>
        </p>
        <dl className="summary">
          <div>
            <dt>What</dt>
            <dd>
              {booking.serviceName} with {booking.providerName}
            </dd>
          </div>
          <div>
            <dt>Your time</dt>
            <dd data-testid="time-customer">
              {formatDateTime(booking.start, zone)}–{formatTime(booking.end, zone)} {zoneLabel(booking.start, zone)} ({zone.replace(/_/g, " ")})
            </dd>
          </div>
          <div>
            <dt>Provider's time</dt>
            <dd data-testid="time-provider">
              {formatDateTime(booking.start, providerZone)}–{formatTime(booking.end, providerZone)} {zoneLabel(booking.start, providerZone)} ({providerZone.replace(/_/g, " ")})
            </dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{total}</dd>
          </div>
        </dl>
        {booking.status === "pending" ? <p className="muted">This page refreshes by itself. If you left the payment page, <Link to={payUrl}>continue paying</Link>.</p> : null}
        {booking.status === "payment_failed" ? (
          <p>
            <Link to={payUrl}>Try paying again</Link>
          </p>
        ) : null}
        {live ? (
          <ul className="actions">
            <li>
              <a href={icsUrl} download={`booking-${booking.code}.ics`} data-testid="ics-link">
                Add to calendar (.ics)
              </a>
            </li>
            <li>
              <a href={google} target="_blank" rel="noreferrer">
                Add to Google Calendar
              </a>
            </li>
          </ul>
        ) : null}
        <p>
          <Link to={manageUrl} data-testid="manage-link">
            Manage this booking
          </Link>{" "}
          (cancel or reschedule). We also emailed you this link.
        </p>
      </section>
    </article>
  );
}
