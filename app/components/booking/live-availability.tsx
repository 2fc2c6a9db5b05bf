// Progressive enhancement for the slot picker: subscribes to the provider's public availability feed
// (WebSocket, falling back to Server-Sent Events) and re-runs the page's loader when a slot is held,
// released, booked or cancelled, so a slot someone else takes disappears without a reload. The page is
// complete without it.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

type Status = "connecting" | "live" | "offline";

const CHANGE_TYPES = new Set(["slot.held", "slot.released", "slot.booked", "slot.cancelled", "slot.rescheduled", "schedule.changed"]);

export function useLiveAvailability(providerId: string, from: string, to: string): Status {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const [status, setStatus] = useState<Status>("connecting");

  useEffect(() => {
    let closed = false;
    let socket: WebSocket | null = null;
    let source: EventSource | null = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const query = new URLSearchParams({ audience: "public", from, to }).toString();
    // Several changes in a burst cause one reload.
    const onChange = () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        revalidate.current();
      }, 150);
    };
    const handle = (raw: string) => {
      try {
        const message = JSON.parse(raw) as { type?: string };
        if (message.type && CHANGE_TYPES.has(message.type)) onChange();
      } catch {
        // not ours to worry about: the server only sends JSON
      }
    };
    const useSse = () => {
      if (closed || source) return;
      source = new EventSource(`/api/v1/providers/${providerId}/events?${query}`);
      source.onopen = () => setStatus("live");
      source.onerror = () => setStatus("offline");
      for (const type of CHANGE_TYPES) source.addEventListener(type, (event) => handle((event as MessageEvent).data));
    };
    try {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${window.location.host}/api/v1/providers/${providerId}/live?${query}`);
      socket.onopen = () => setStatus("live");
      socket.onmessage = (event) => handle(String(event.data));
      socket.onerror = () => useSse();
      socket.onclose = () => {
        if (!closed) useSse();
      };
    } catch {
      useSse();
    }
    return () => {
      closed = true;
      if (pending) clearTimeout(pending);
      socket?.close();
      source?.close();
    };
  }, [providerId, from, to]);

  return status;
}

export function LiveBadge({ status }: { status: Status }) {
  const label = status === "live" ? "Live: updates as slots are taken" : status === "connecting" ? "Connecting to live updates…" : "Live updates paused; reload to refresh";
  return (
    <p className={`live-badge ${status}`} data-testid="live-status" data-status={status}>
      <span aria-hidden="true">●</span> {label}
    </p>
  );
}
