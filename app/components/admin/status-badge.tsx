// Status shown as text with a coloured outline: the word carries the meaning, colour only helps.
const TONE: Record<string, "ok" | "warn" | "bad" | "neutral"> = {
  confirmed: "ok",
  completed: "ok",
  in_progress: "ok",
  paid: "ok",
  succeeded: "ok",
  sent: "ok",
  pending: "warn",
  awaiting_approval: "warn",
  scheduled: "warn",
  processing: "warn",
  queued: "warn",
  requires_capture: "warn",
  payment_failed: "bad",
  failed: "bad",
  no_show: "bad",
  cancelled: "neutral",
  refunded: "neutral",
  expired: "neutral",
  canceled: "neutral",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONE[status] ?? "neutral"}`}>{status.replace(/_/g, " ")}</span>;
}
