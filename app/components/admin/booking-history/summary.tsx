import { Link } from "@remix-run/react";
import type { BookingHistoryView } from "./view";

export function BookingSummary({ booking: b }: { booking: BookingHistoryView["booking"] }) {
  return (
    <dl className="details-grid">
      <div>
        <dt>Provider · service</dt>
        <dd>
          <Link to={`/providers/${b.providerSlug}`}>{b.provider}</Link> · {b.service}
        </dd>
      </div>
      <div>
        <dt>Customer</dt>
        <dd>
          {b.customer} &lt;{b.email}&gt;{b.phone ? `, ${b.phone}` : ""} <span className="muted">({b.account})</span>
        </dd>
      </div>
      <div>
        <dt>Appointment (provider's zone)</dt>
        <dd>{b.startsProvider}</dd>
      </div>
      <div>
        <dt>As the customer saw it</dt>
        <dd>{b.startsCustomer}</dd>
      </div>
      <div>
        <dt>UTC</dt>
        <dd>
          {b.startsUtc} – {b.endsUtc}
        </dd>
      </div>
      <div>
        <dt>Total · platform fee · provider share</dt>
        <dd>
          {b.total} · {b.fee} · {b.providerShare}
        </dd>
      </div>
      <div>
        <dt>Booked</dt>
        <dd>{b.created}</dd>
      </div>
      {b.expires ? (
        <div>
          <dt>Expires if not settled</dt>
          <dd>{b.expires}</dd>
        </div>
      ) : null}
      <div>
        <dt>Version</dt>
        <dd>{b.version}</dd>
      </div>
      {b.notes ? (
        <div>
          <dt>Notes</dt>
          <dd>{b.notes}</dd>
        </div>
      ) : null}
    </dl>
  );
}
