// Booking statuses as providers read them, and the badge that shows one (text, never colour alone).
const LABELS: Record<string, string> = {
  pending: "Awaiting payment",
  awaiting_approval: "Needs your approval",
  payment_failed: "Payment failed",
  confirmed: "Confirmed",
  in_progress: "In progress",
  completed: "Completed",
  cancelled: "Cancelled",
  no_show: "No-show",
  refunded: "Refunded",
  expired: "Expired",
  held: "Held",
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, " ");
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`status-badge status-${status}`}>{statusLabel(status)}</span>;
}

/** Shown when an admin works in the provider area: whose data this is, and a way to switch. */
export function AdminScopeNote({ providerName, providerId, choices }: { providerName: string; providerId: string; choices: Array<{ id: string; displayName: string }> }) {
  return (
    <form method="get" className="admin-scope">
      <label htmlFor="admin-provider-select">
        <span>
          Admin view of <strong>{providerName}</strong>. Show provider:
        </span>
      </label>
      <select id="admin-provider-select" name="provider" defaultValue={providerId}>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.displayName}
          </option>
        ))}
      </select>
      <button type="submit" className="secondary small">
        Show
      </button>
    </form>
  );
}
