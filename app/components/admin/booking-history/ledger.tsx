import { DataTable } from "../data-table";
import type { BookingHistoryView } from "./view";

export function LedgerSection({ ledger, balanced }: { ledger: BookingHistoryView["ledger"]; balanced: boolean }) {
  return (
    <>
      <h2 id="ledger-heading">Ledger entries</h2>
      {ledger.length > 0 ? <p className={balanced ? "ok" : "error"}>{balanced ? "The booking's entries balance (sum to zero)." : "The booking's entries do not sum to zero."}</p> : null}
      <DataTable
        id="ledger-table"
        caption="Double-entry lines for this booking, in posting order"
        empty="No ledger entries for this booking."
        rows={ledger}
        rowKey={(l) => l.id}
        rowTestId="ledger-row"
        columns={[
          { header: "When (UTC)", cell: "at" },
          { header: "Kind", cell: "kind" },
          { header: "Account", cell: (l) => <code>{l.account}</code>, rowHeader: true },
          { header: "Debit", cell: "debit", numeric: true },
          { header: "Credit", cell: "credit", numeric: true },
          { header: "Transaction", cell: (l) => <code>{l.transaction}</code> },
        ]}
      />
    </>
  );
}
