import { StatusBadge } from "../status-badge";
import type { BookingHistoryView } from "./view";

export function PayoutSection({ payout }: { payout: BookingHistoryView["payout"] }) {
  return (
    <>
      <h2 id="payout-heading">Payout</h2>
      {payout ? (
        <dl className="details-grid">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={payout.status} />
            </dd>
          </div>
          <div>
            <dt>Gross · deduction</dt>
            <dd>
              {payout.gross} · {payout.deduction}
            </dd>
          </div>
          <div>
            <dt>Payable from</dt>
            <dd>{payout.payable}</dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{payout.attempts}</dd>
          </div>
          {payout.paid ? (
            <div>
              <dt>Paid</dt>
              <dd>
                {payout.paid} <code>{payout.transfer}</code>
              </dd>
            </div>
          ) : null}
          {payout.lastError ? (
            <div>
              <dt>Last error</dt>
              <dd className="error">{payout.lastError}</dd>
            </div>
          ) : null}
        </dl>
      ) : (
        <p className="muted">No payout is scheduled for this booking.</p>
      )}
    </>
  );
}
