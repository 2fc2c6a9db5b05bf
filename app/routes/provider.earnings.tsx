// /provider/earnings — money from the ledger (escrowed, payable, paid, owed back, per currency; the
// payments work's providerBalances) and the provider's payouts (payout_schedules): upcoming ones
// (scheduled / processing / failed and waiting for support) and past ones (paid / cancelled).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { providerEarnings } from "../../db/queries/provider-admin";
import { formatMoney, money } from "../../domain/money";
import { PAYOUT_WAIT_REASONS } from "../../workers/payments/payouts";
import { AdminScopeNote } from "../components/provider/booking-status";
import providerStyles from "../styles/provider.css?url";
import { formatDateTimeWithZone } from "../utils/format";
import { adminChoices, requireProviderScope, scopedHref } from "../utils/provider-scope.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "Earnings · Edge Booking" }];

const PAYOUT_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  processing: "Being paid",
  paid: "Paid",
  failed: "Failed (support will retry)",
  cancelled: "Cancelled",
};
const UPCOMING = new Set(["scheduled", "processing", "failed"]);
/** Our own reasons a due payout waits; other last errors (Stripe messages) are for admins, not shown here. */
const WAIT_REASONS: ReadonlySet<string> = new Set(Object.values(PAYOUT_WAIT_REASONS));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const { provider } = scope;
  const zone = provider.timeZone;
  const [{ balances, payouts }, choices] = await Promise.all([providerEarnings(context.database.db, provider.id), adminChoices(scope, context)]);
  const fmt = (amount: number, currency: string) => formatMoney(money(amount, currency));
  const rows = payouts.map((p) => ({
    id: p.id,
    status: p.status,
    statusLabel: PAYOUT_LABELS[p.status] ?? p.status,
    // Why a due payout waits (a dispute, a refund in progress, no payout account): the provider should know.
    note: p.status === "scheduled" && WAIT_REASONS.has(p.lastError ?? "") ? p.lastError : null,
    booking: p.confirmationCode ? { code: p.confirmationCode, href: scopedHref(scope, `/provider/bookings/${p.confirmationCode}`), service: p.serviceName } : null,
    gross: fmt(p.grossAmount, p.currency),
    deduction: p.deductionAmount > 0 ? fmt(p.deductionAmount, p.currency) : null,
    net: fmt(Math.max(0, p.grossAmount - p.deductionAmount), p.currency),
    payableAt: formatDateTimeWithZone(p.payableAt, zone),
    paidAt: p.paidAt ? formatDateTimeWithZone(p.paidAt, zone) : null,
    payableAtMs: p.payableAt.getTime(),
  }));
  return {
    provider: { id: provider.id, displayName: provider.displayName, timeZone: zone, payoutsEnabled: provider.payoutsEnabled && Boolean(provider.stripeAccountId) },
    admin: scope.isAdmin ? { choices } : null,
    balances: balances.map((b) => ({
      currency: b.currency.toUpperCase(),
      escrowed: fmt(b.escrowed, b.currency),
      payable: fmt(b.payable, b.currency),
      paid: fmt(b.paid, b.currency),
      owedBack: b.owedBack > 0 ? fmt(b.owedBack, b.currency) : null,
    })),
    // Upcoming: soonest first; past: newest first (listPayouts returns newest due date first).
    upcoming: rows.filter((r) => UPCOMING.has(r.status)).sort((a, b) => a.payableAtMs - b.payableAtMs),
    past: rows.filter((r) => !UPCOMING.has(r.status)),
  };
}

type PayoutRowView = ReturnType<typeof useLoaderData<typeof loader>>["upcoming"][number];

function PayoutTable({ rows, caption, past }: { rows: PayoutRowView[]; caption: string; past: boolean }) {
  return (
    <div className="table-scroll">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{past ? "Paid" : "Due"}</th>
            <th scope="col">Booking</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="payout-row">
              <td>{past ? (r.paidAt ?? r.payableAt) : r.payableAt}</td>
              <td>{r.booking ? <Link to={r.booking.href}>{r.booking.service ? `${r.booking.service} · ${r.booking.code}` : r.booking.code}</Link> : "—"}</td>
              <td>
                {r.net}
                {r.deduction ? (
                  <span className="muted">
                    {" "}
                    ({r.gross} less {r.deduction} owed back)
                  </span>
                ) : null}
              </td>
              <td>
                {r.statusLabel}
                {r.note ? <span className="muted small" data-testid="payout-note">{` · ${r.note}`}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function ProviderEarnings() {
  const { provider, admin, balances, upcoming, past } = useLoaderData<typeof loader>();
  return (
    <section className="provider-page" aria-labelledby="earnings-heading">
      <header className="page-header">
        <div>
          <h1 id="earnings-heading">Earnings</h1>
          <p className="muted">
            {provider.displayName} · dates in {provider.timeZone}
          </p>
        </div>
      </header>
      {admin ? <AdminScopeNote providerName={provider.displayName} providerId={provider.id} choices={admin.choices} /> : null}
      {!provider.payoutsEnabled ? (
        <p className="notice" role="note">
          Payouts are not enabled for this account yet: payable money waits until a payout account is connected.
        </p>
      ) : null}

      <section aria-labelledby="balances-heading">
        <h2 id="balances-heading">Balances</h2>
        {balances.length === 0 ? (
          <p>No money has moved yet. Your share of each paid booking appears here.</p>
        ) : (
          <ul className="balance-cards">
            {balances.map((b) => (
              <li key={b.currency} className="panel" data-testid="balance">
                <h3>{b.currency}</h3>
                <dl className="details">
                  <dt>In escrow</dt>
                  <dd>{b.escrowed}</dd>
                  <dt>Payable</dt>
                  <dd>{b.payable}</dd>
                  <dt>Paid out</dt>
                  <dd>{b.paid}</dd>
                  {b.owedBack ? (
                    <>
                      <dt>Owed back</dt>
                      <dd>{b.owedBack}</dd>
                    </>
                  ) : null}
                </dl>
              </li>
            ))}
          </ul>
        )}
        <p className="muted">
          In escrow: your share of paid bookings, held until a few days after the service. Payable: due and waiting for the next payout run. Owed back: refunds of
          money already paid out, deducted from the next payouts.
        </p>
      </section>

      <section aria-labelledby="upcoming-heading">
        <h2 id="upcoming-heading">Upcoming payouts</h2>
        {upcoming.length === 0 ? <p>No upcoming payouts.</p> : <PayoutTable rows={upcoming} caption="Upcoming payouts, soonest first" past={false} />}
      </section>

      <section aria-labelledby="past-heading">
        <h2 id="past-heading">Past payouts</h2>
        {past.length === 0 ? <p>No payouts yet.</p> : <PayoutTable rows={past} caption="Past payouts, newest first" past />}
      </section>
    </section>
  );
}
