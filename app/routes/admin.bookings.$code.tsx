// One booking as support needs it: the full audit trail (every state change with who, why and when),
// its domain events, payments and refunds, the ledger lines it produced, its payout, and the emails
// queued for it. Read-only; every instant in UTC so it lines up with job logs and Stripe.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { bookingHistory } from "../../db/queries/admin";
import { EmailsSection } from "../components/admin/booking-history/emails";
import { EventsSection } from "../components/admin/booking-history/events";
import { LedgerSection } from "../components/admin/booking-history/ledger";
import { PaymentsSection } from "../components/admin/booking-history/payments";
import { PayoutSection } from "../components/admin/booking-history/payout";
import { StateHistorySection } from "../components/admin/booking-history/state-history";
import { BookingSummary } from "../components/admin/booking-history/summary";
import { bookingHistoryView } from "../components/admin/booking-history/view";
import { StatusBadge } from "../components/admin/status-badge";
import adminStylesHref from "../styles/admin.css?url";
import { requireRole } from "../utils/auth.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.booking.code ?? "Booking"} · Admin · Edge Booking` },
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const code = (params.code ?? "").trim();
  const history = code && code.length <= 64 ? await bookingHistory(context.database.db, code) : null;
  if (!history) throw new Response(`No booking has the confirmation code ${code.slice(0, 64)}.`, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  return bookingHistoryView(history);
}

export default function AdminBookingHistory() {
  const data = useLoaderData<typeof loader>();
  const b = data.booking;
  return (
    <article aria-labelledby="booking-heading" className="admin-page">
      <p>
        <Link to="/admin/bookings">← All bookings</Link>
      </p>
      <h1 id="booking-heading">
        Booking <span className="code">{b.code}</span> <StatusBadge status={b.status} />
      </h1>
      <nav aria-label="On this page" className="jump-links">
        <a href="#history-heading">State history</a> <a href="#events-heading">Events</a> <a href="#payments-heading">Payments</a>{" "}
        <a href="#ledger-heading">Ledger</a> <a href="#emails-heading">Emails</a>
      </nav>
      <BookingSummary booking={b} />
      <StateHistorySection transitions={data.transitions} />
      <EventsSection events={data.events} />
      <PaymentsSection payments={data.payments} refunds={data.refunds} disputes={data.disputes} />
      <LedgerSection ledger={data.ledger} balanced={data.ledgerBalanced} />
      <PayoutSection payout={data.payout} />
      <EmailsSection emails={data.emails} />
    </article>
  );
}
