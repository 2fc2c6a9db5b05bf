import { DataTable } from "../data-table";
import { humanStatus } from "../format";
import type { BookingHistoryView } from "./view";

export function StateHistorySection({ transitions }: { transitions: BookingHistoryView["transitions"] }) {
  return (
    <>
      <h2 id="history-heading">State history</h2>
      <DataTable
        id="history-table"
        caption="Audit trail: every status change, oldest first"
        empty="No state changes recorded."
        rows={transitions}
        rowKey={(t) => t.id}
        rowTestId="audit-row"
        columns={[
          { header: "When (UTC)", cell: "at" },
          { header: "From → to", cell: (t) => `${t.from} → ${humanStatus(t.to)}`, rowHeader: true },
          { header: "Actor", cell: "actor" },
          { header: "Reason", cell: "reason" },
          { header: "Details", cell: (t) => <code>{t.details}</code> },
        ]}
      />
    </>
  );
}
