import { DataTable } from "../data-table";
import type { BookingHistoryView } from "./view";

export function EventsSection({ events }: { events: BookingHistoryView["events"] }) {
  return (
    <>
      <h2 id="events-heading">Booking events</h2>
      <DataTable
        id="events-table"
        caption="Domain events, oldest first"
        empty="No events recorded."
        rows={events}
        rowKey={(e) => e.id}
        rowTestId="event-row"
        columns={[
          { header: "When (UTC)", cell: "at" },
          { header: "Type", cell: "type", rowHeader: true },
          { header: "Data", cell: (e) => <code>{e.data}</code> },
        ]}
      />
    </>
  );
}
