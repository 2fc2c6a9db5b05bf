import { DataTable } from "../data-table";
import { StatusBadge } from "../status-badge";
import type { BookingHistoryView } from "./view";

export function EmailsSection({ emails }: { emails: BookingHistoryView["emails"] }) {
  return (
    <>
      <h2 id="emails-heading">Emails</h2>
      <DataTable
        id="emails-table"
        caption="Email outbox rows for this booking, oldest first"
        empty="No emails were queued for this booking."
        rows={emails}
        rowKey={(e) => e.id}
        rowTestId="email-row"
        columns={[
          { header: "Queued (UTC)", cell: "created" },
          { header: "Kind", cell: "kind" },
          { header: "To", cell: "to" },
          { header: "Subject", cell: "subject", rowHeader: true },
          {
            header: "Status",
            cell: (e) => (
              <>
                <StatusBadge status={e.status} />
                {e.attempts > 1 ? <span className="muted small"> ({e.attempts} attempts)</span> : null}
                {e.lastError ? <span className="error small"> {e.lastError}</span> : null}
              </>
            ),
          },
          { header: "Sent (UTC)", cell: "sent" },
        ]}
      />
    </>
  );
}
