// One booking as support needs it: the full audit trail (every state change with who, why and when),
// its domain events, payments and refunds, the ledger lines it produced, its payout, and the emails
// queued for it. Read-only; every instant in UTC so it lines up with job logs and Stripe.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { bookingHistory } from "../../db/queries/admin";
import { compactJson, humanStatus, money, utc, zoned } from "../components/admin/format";
import { ScrollTable } from "../components/admin/scroll-table";
import { StatusBadge } from "../components/admin/status-badge";
import adminStylesHref from "../styles/admin.css?url";
import { requireRole } from "../utils/auth.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.booking.code ?? "Booking"} · Admin · Edge Booking` },
];

function actorLabel(t: { actorType: string; actorId: string | null; actorName: string | null; actorEmail: string | null }): string {
  if (t.actorName) return `${t.actorType}: ${t.actorName} <${t.actorEmail}>`;
  if (t.actorId) return `${t.actorType}: ${t.actorId}`;
  return t.actorType;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const code = (params.code ?? "").trim();
  const history = code && code.length <= 64 ? await bookingHistory(context.database.db, code) : null;
  if (!history) throw new Response(`No booking has the confirmation code ${code.slice(0, 64)}.`, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const b = history.booking;
  return {
    booking: {
      code: b.confirmationCode,
      status: b.status,
      version: b.version,
      provider: history.providerName,
      providerSlug: history.providerSlug,
      service: history.serviceName,
      customer: b.customerName,
      email: b.customerEmail,
      phone: b.customerPhone,
      account: b.customerId ? "signed-in customer" : "guest",
      startsProvider: zoned(b.startsAt, b.providerTimeZone),
      startsCustomer: zoned(b.startsAt, b.timeZone),
      startsUtc: utc(b.startsAt),
      endsUtc: utc(b.endsAt),
      total: money(b.totalAmount, b.currency),
      fee: money(b.platformFeeAmount, b.currency),
      providerShare: money(b.providerAmount, b.currency),
      expires: b.expiresAt ? utc(b.expiresAt) : null,
      created: utc(b.createdAt),
      notes: b.notes,
    },
    transitions: history.transitions.map((t) => ({
      id: t.id,
      from: t.fromStatus ? humanStatus(t.fromStatus) : "(created)",
      to: t.toStatus,
      actor: actorLabel(t),
      reason: t.reason,
      details: compactJson(t.metadata),
      at: utc(t.createdAt),
    })),
    events: history.events.map((e) => ({ id: e.id, type: e.type, data: compactJson(e.data), at: utc(e.createdAt) })),
    payments: history.payments.map((p) => ({
      id: p.id,
      intent: p.stripePaymentIntentId,
      status: p.status,
      captureMethod: p.captureMethod,
      amount: money(p.amount, p.currency),
      captured: money(p.amountCaptured, p.currency),
      refunded: money(p.amountRefunded, p.currency),
      lastError: p.lastError,
      created: utc(p.createdAt),
      updated: utc(p.updatedAt),
    })),
    refunds: history.refunds.map((r) => ({
      id: r.id,
      stripeId: r.stripeRefundId,
      amount: money(r.amount, r.currency),
      reason: r.reason,
      status: r.status,
      created: utc(r.createdAt),
    })),
    disputes: history.disputes.map((d) => ({
      id: d.id,
      amount: money(d.amount, d.currency),
      lost: d.amountLost > 0 ? money(d.amountLost, d.currency) : "",
      reason: d.reason,
      status: d.status,
      created: utc(d.createdAt),
      closed: d.closedAt ? utc(d.closedAt) : "",
    })),
    ledger: history.ledger.map((l) => ({
      id: l.id,
      transaction: l.transactionId.slice(0, 8),
      kind: l.kind,
      account: l.account,
      debit: l.amount > 0 ? money(l.amount, l.currency) : "",
      credit: l.amount < 0 ? money(-l.amount, l.currency) : "",
      at: utc(l.createdAt),
    })),
    ledgerBalanced: history.ledger.reduce((sum, l) => sum + l.amount, 0) === 0,
    payout: history.payout
      ? {
          status: history.payout.status,
          gross: money(history.payout.grossAmount, history.payout.currency),
          deduction: money(history.payout.deductionAmount, history.payout.currency),
          payable: utc(history.payout.payableAt),
          attempts: history.payout.attempts,
          paid: history.payout.paidAt ? utc(history.payout.paidAt) : null,
          transfer: history.payout.stripeTransferId,
          lastError: history.payout.lastError,
        }
      : null,
    emails: history.emails.map((e) => ({
      id: e.id,
      kind: e.kind,
      to: e.toAddress,
      subject: e.subject,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      created: utc(e.createdAt),
      sent: e.sentAt ? utc(e.sentAt) : "—",
    })),
  };
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
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

      <h2 id="history-heading">State history</h2>
      {data.transitions.length === 0 ? (
        <Empty>No state changes recorded.</Empty>
      ) : (
        <ScrollTable id="history-table" caption="Audit trail: every status change, oldest first">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">From → to</th>
              <th scope="col">Actor</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {data.transitions.map((t) => (
              <tr key={t.id} data-testid="audit-row">
                <td>{t.at}</td>
                <th scope="row">{`${t.from} → ${humanStatus(t.to)}`}</th>
                <td>{t.actor}</td>
                <td>{t.reason}</td>
                <td>
                  <code>{t.details}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}

      <h2 id="events-heading">Booking events</h2>
      {data.events.length === 0 ? (
        <Empty>No events recorded.</Empty>
      ) : (
        <ScrollTable id="events-table" caption="Domain events, oldest first">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Type</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {data.events.map((e) => (
              <tr key={e.id} data-testid="event-row">
                <td>{e.at}</td>
                <th scope="row">{e.type}</th>
                <td>
                  <code>{e.data}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}

      <h2 id="payments-heading">Payments and refunds</h2>
      {data.payments.length === 0 ? (
        <Empty>No payment was started for this booking.</Empty>
      ) : (
        <ScrollTable id="payments-table" caption="Payments (one per Stripe PaymentIntent), newest first">
          <thead>
            <tr>
              <th scope="col">PaymentIntent</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Captured
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col">Capture</th>
              <th scope="col">Created / updated (UTC)</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {data.payments.map((p) => (
              <tr key={p.id} data-testid="payment-row">
                <th scope="row">
                  <code>{p.intent}</code>
                </th>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                <td className="num">{p.amount}</td>
                <td className="num">{p.captured}</td>
                <td className="num">{p.refunded}</td>
                <td>{p.captureMethod}</td>
                <td>
                  {p.created}
                  <br />
                  <span className="muted small">{p.updated}</span>
                </td>
                <td className="error">{p.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {data.refunds.length > 0 ? (
        <ScrollTable id="refunds-table" caption="Refunds, oldest first">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Stripe refund</th>
            </tr>
          </thead>
          <tbody>
            {data.refunds.map((r) => (
              <tr key={r.id} data-testid="refund-row">
                <th scope="row">{r.created}</th>
                <td className="num">{r.amount}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{r.reason}</td>
                <td>
                  <code>{r.stripeId ?? "—"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}
      {data.disputes.length > 0 ? (
        <ScrollTable id="disputes-table" caption="Card disputes (chargebacks): an open one holds the payout">
          <thead>
            <tr>
              <th scope="col">Opened (UTC)</th>
              <th scope="col" className="num">
                Disputed
              </th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col" className="num">
                Lost
              </th>
              <th scope="col">Closed (UTC)</th>
              <th scope="col">Stripe dispute</th>
            </tr>
          </thead>
          <tbody>
            {data.disputes.map((d) => (
              <tr key={d.id} data-testid="dispute-row">
                <th scope="row">{d.created}</th>
                <td className="num">{d.amount}</td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td>{d.reason}</td>
                <td className="num">{d.lost}</td>
                <td>{d.closed}</td>
                <td>
                  <code>{d.id}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}

      <h2 id="ledger-heading">Ledger entries</h2>
      {data.ledger.length === 0 ? (
        <Empty>No ledger entries for this booking.</Empty>
      ) : (
        <>
          <p className={data.ledgerBalanced ? "ok" : "error"}>{data.ledgerBalanced ? "The booking's entries balance (sum to zero)." : "The booking's entries do not sum to zero."}</p>
          <ScrollTable id="ledger-table" caption="Double-entry lines for this booking, in posting order">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Kind</th>
                <th scope="col">Account</th>
                <th scope="col" className="num">
                  Debit
                </th>
                <th scope="col" className="num">
                  Credit
                </th>
                <th scope="col">Transaction</th>
              </tr>
            </thead>
            <tbody>
              {data.ledger.map((l) => (
                <tr key={l.id} data-testid="ledger-row">
                  <td>{l.at}</td>
                  <td>{l.kind}</td>
                  <th scope="row">
                    <code>{l.account}</code>
                  </th>
                  <td className="num">{l.debit}</td>
                  <td className="num">{l.credit}</td>
                  <td>
                    <code>{l.transaction}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </>
      )}

      <h2 id="payout-heading">Payout</h2>
      {data.payout ? (
        <dl className="details-grid">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={data.payout.status} />
            </dd>
          </div>
          <div>
            <dt>Gross · deduction</dt>
            <dd>
              {data.payout.gross} · {data.payout.deduction}
            </dd>
          </div>
          <div>
            <dt>Payable from</dt>
            <dd>{data.payout.payable}</dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{data.payout.attempts}</dd>
          </div>
          {data.payout.paid ? (
            <div>
              <dt>Paid</dt>
              <dd>
                {data.payout.paid} <code>{data.payout.transfer}</code>
              </dd>
            </div>
          ) : null}
          {data.payout.lastError ? (
            <div>
              <dt>Last error</dt>
              <dd className="error">{data.payout.lastError}</dd>
            </div>
          ) : null}
        </dl>
      ) : (
        <Empty>No payout is scheduled for this booking.</Empty>
      )}

      <h2 id="emails-heading">Emails</h2>
      {data.emails.length === 0 ? (
        <Empty>No emails were queued for this booking.</Empty>
      ) : (
        <ScrollTable id="emails-table" caption="Email outbox rows for this booking, oldest first">
          <thead>
            <tr>
              <th scope="col">Queued (UTC)</th>
              <th scope="col">Kind</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Status</th>
              <th scope="col">Sent (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.emails.map((e) => (
              <tr key={e.id} data-testid="email-row">
                <td>{e.created}</td>
                <td>{e.kind}</td>
                <td>{e.to}</td>
                <th scope="row">{e.subject}</th>
                <td>
                  <StatusBadge status={e.status} />
                  {e.attempts > 1 ? <span className="muted small"> ({e.attempts} attempts)</span> : null}
                  {e.lastError ? <span className="error small"> {e.lastError}</span> : null}
                </td>
                <td>{e.sent}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </article>
  );
}
