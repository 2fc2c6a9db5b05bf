// Keeps a booking's page current (the confirmation page and the manage page): once hydrated, listens
// to the booking's status channel (Server-Sent Events at /api/v1/bookings/:code/events, which
// EventSource reconnects by itself) and, when the status differs from what the page shows, re-runs
// the page's loader so the server-rendered page stays the one source of what is shown. The line is a
// polite live region, so a screen reader hears "Accepted by the provider" without looking.
// Without JavaScript nothing changes: the page is as current as its last load.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { BookingStatusMessage } from "../../durable-objects/live-messages";

const ANNOUNCE: Record<string, string> = {
  confirmed: "Your booking is confirmed.",
  cancelled: "This booking was cancelled.",
  refunded: "This booking was refunded.",
  expired: "This booking expired.",
  payment_failed: "The payment did not go through.",
  in_progress: "Your appointment has started.",
  completed: "Your appointment is complete.",
  no_show: "This booking was marked as missed.",
};

function isStatusMessage(value: unknown): value is BookingStatusMessage {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "booking.status" && typeof (value as { status?: unknown }).status === "string";
}

export function LiveBookingStatus({ code, token, status, start }: { code: string; token: string | null; status: string; start: string }) {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  // What the page shows now; the loader's next answer updates it.
  const shown = useRef({ status, start });
  shown.current = { status, start };
  const [notice, setNotice] = useState<string | null>(null);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/v1/bookings/${encodeURIComponent(code)}/events${token ? `?token=${encodeURIComponent(token)}` : ""}`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener("booking.status", (event) => {
      let message: unknown;
      try {
        message = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return;
      }
      if (!isStatusMessage(message)) return;
      const moved = message.start !== shown.current.start;
      if (message.status === shown.current.status && !moved) return;
      setNotice(moved && message.status === shown.current.status ? "This booking was moved to a new time." : (ANNOUNCE[message.status] ?? `Status: ${message.status.replace(/_/g, " ")}.`));
      revalidate.current();
    });
    return () => source.close();
  }, [code, token]);

  return (
    <p className="muted live-booking-status" role="status" data-testid="live-booking-status" data-state={connected ? "live" : "static"}>
      {notice}
    </p>
  );
}
