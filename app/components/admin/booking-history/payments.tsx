// Payments, then refunds and disputes under the same heading; the latter two only when there are any.
import { DataTable } from "../data-table";
import { StatusBadge } from "../status-badge";
import type { BookingHistoryView } from "./view";

export function PaymentsSection({ payments, refunds, disputes }: Pick<BookingHistoryView, "payments" | "refunds" | "disputes">) {
  return (
    <>
      <h2 id="payments-heading">Payments and refunds</h2>
      <DataTable
        id="payments-table"
        caption="Payments (one per Stripe PaymentIntent), newest first"
        empty="No payment was started for this booking."
        rows={payments}
        rowKey={(p) => p.id}
        rowTestId="payment-row"
        columns={[
          { header: "PaymentIntent", cell: (p) => <code>{p.intent}</code>, rowHeader: true },
          { header: "Status", cell: (p) => <StatusBadge status={p.status} /> },
          { header: "Amount", cell: "amount", numeric: true },
          { header: "Captured", cell: "captured", numeric: true },
          { header: "Refunded", cell: "refunded", numeric: true },
          { header: "Capture", cell: "captureMethod" },
          {
            header: "Created / updated (UTC)",
            cell: (p) => (
              <>
                {p.created}
                <br />
                <span className="muted small">{p.updated}</span>
              </>
            ),
          },
          { header: "Last error", cell: (p) => p.lastError ?? "", cellClassName: "error" },
        ]}
      />
      <DataTable
        id="refunds-table"
        caption="Refunds, oldest first"
        rows={refunds}
        rowKey={(r) => r.id}
        rowTestId="refund-row"
        columns={[
          { header: "When (UTC)", cell: "created", rowHeader: true },
          { header: "Amount", cell: "amount", numeric: true },
          { header: "Status", cell: (r) => <StatusBadge status={r.status} /> },
          { header: "Reason", cell: "reason" },
          { header: "Stripe refund", cell: (r) => <code>{r.stripeId ?? "—"}</code> },
        ]}
      />
      <DataTable
        id="disputes-table"
        caption="Card disputes (chargebacks): an open one holds the payout"
        rows={disputes}
        rowKey={(d) => d.id}
        rowTestId="dispute-row"
        columns={[
          { header: "Opened (UTC)", cell: "created", rowHeader: true },
          { header: "Disputed", cell: "amount", numeric: true },
          { header: "Status", cell: (d) => <StatusBadge status={d.status} /> },
          { header: "Reason", cell: "reason" },
          { header: "Lost", cell: "lost", numeric: true },
          { header: "Closed (UTC)", cell: "closed" },
          { header: "Stripe dispute", cell: (d) => <code>{d.id}</code> },
        ]}
      />
    </>
  );
}
