// Progressive enhancement for the provider calendar: once the page has hydrated, subscribe to the
// provider's live feed (WebSocket /api/v1/providers/:id/live?audience=provider, falling back to
// Server-Sent Events at /events when a WebSocket cannot be opened) for the calendar's window, and on
// any booking, hold or schedule message re-run the page's loader (useRevalidator), so the
// server-rendered calendar stays the single source of what is shown. The status line is a polite live
// region: it says whether the page is live and announces what changed ("New booking: …").
// Without JavaScript the line says the calendar is not live and offers a refresh link.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

type ConnectionState = "static" | "connecting" | "live" | "reconnecting" | "offline";

const FEED_TYPES = ["snapshot", "slot.held", "slot.released", "slot.booked", "slot.cancelled", "slot.rescheduled", "schedule.changed", "error"] as const;

interface Interval {
  start: string;
  end: string;
}
interface BookingDetails {
  customerName: string;
  serviceName: string;
  status: string;
}
interface FeedMessage {
  type: string;
  seq?: number;
  change?: string;
  interval?: Interval;
  booking?: BookingDetails;
  reason?: string;
  message?: string;
}

function describe(message: FeedMessage, timeZone: string): string | null {
  const time = (iso: string | undefined) => {
    if (!iso) return "";
    try {
      return new Intl.DateTimeFormat("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(iso));
    } catch {
      return iso;
    }
  };
  const who = message.booking ? `${message.booking.customerName}, ${message.booking.serviceName}` : "";
  const at = time(message.interval?.start);
  switch (message.type) {
    case "slot.booked": {
      const verb = message.change === "confirmed" ? "Booking confirmed" : message.change === "completed" ? "Booking completed" : message.change === "booked" ? "New booking" : "Booking updated";
      return `${verb}: ${who} at ${at}`;
    }
    case "slot.cancelled": {
      const verb = message.change === "expired" ? "Booking expired" : message.change === "payment_failed" ? "Payment failed" : "Booking cancelled";
      return `${verb}: ${who} at ${at}`;
    }
    case "slot.rescheduled":
      return `Booking moved: ${who} now at ${at}`;
    case "slot.held":
      return `Someone is booking ${at}`;
    case "slot.released":
      return message.reason === "claimed" ? null : `Hold on ${at} ${message.reason === "expired" ? "expired" : "released"}`;
    case "schedule.changed":
      return "Working hours or services changed";
    default:
      return null;
  }
}

const LABELS: Record<ConnectionState, string> = {
  static: "Not live: refresh to see changes.",
  connecting: "Connecting to live updates…",
  live: "Live: changes appear automatically.",
  reconnecting: "Connection lost, reconnecting…",
  offline: "Live updates are unavailable: refresh to see changes.",
};

export function LiveCalendarStatus({ providerId, from, to, timeZone, refreshHref }: { providerId: string; from: string; to: string; timeZone: string; refreshHref: string }) {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const [state, setState] = useState<ConnectionState>("static");
  const [transport, setTransport] = useState<"websocket" | "sse" | null>(null);
  const [lastChange, setLastChange] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let socket: WebSocket | null = null;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let lastSeq: number | null = null;
    let connectedOnce = false;
    let wsFailures = 0;
    let backoffMs = 1000;

    const scheduleRefresh = () => {
      // Several messages often arrive together (hold released + booking created): one reload for all.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => revalidate.current(), 250);
    };

    const onMessage = (raw: string) => {
      let message: FeedMessage;
      try {
        message = JSON.parse(raw) as FeedMessage;
      } catch {
        return; // "pong" keep-alive answers are plain text
      }
      if (!message || typeof message.type !== "string") return;
      if (typeof message.seq === "number") lastSeq = Math.max(lastSeq ?? 0, message.seq);
      if (message.type === "snapshot") {
        // A reconnect may have missed events: reload once. The first connection follows the page render.
        if (connectedOnce) scheduleRefresh();
        connectedOnce = true;
        return;
      }
      if (message.type === "error" || message.type === "pong") return;
      connectedOnce = true;
      const text = describe(message, timeZone);
      if (text) setLastChange(text);
      scheduleRefresh();
    };

    const feedUrl = (path: "live" | "events", protocol?: string) => {
      const url = new URL(`/api/v1/providers/${encodeURIComponent(providerId)}/${path}`, window.location.href);
      if (protocol) url.protocol = protocol;
      url.searchParams.set("audience", "provider");
      url.searchParams.set("from", from);
      url.searchParams.set("to", to);
      if (lastSeq !== null && path === "live") url.searchParams.set("since", String(lastSeq));
      return url.toString();
    };

    const openSse = () => {
      if (disposed || typeof EventSource === "undefined") {
        setState("offline");
        return;
      }
      setTransport("sse");
      setState("connecting");
      const url = new URL(feedUrl("events"));
      if (lastSeq !== null) url.searchParams.set("since", String(lastSeq));
      source = new EventSource(url.toString());
      source.onopen = () => setState("live");
      for (const type of FEED_TYPES) {
        source.addEventListener(type, (event) => {
          const data = (event as MessageEvent).data;
          if (typeof data === "string") onMessage(data);
          else if (type === "error") setState(source?.readyState === EventSource.CLOSED ? "offline" : "reconnecting");
        });
      }
    };

    const openWebSocket = () => {
      if (disposed) return;
      if (typeof WebSocket === "undefined") return openSse();
      setTransport("websocket");
      setState(connectedOnce ? "reconnecting" : "connecting");
      let opened = false;
      try {
        socket = new WebSocket(feedUrl("live", window.location.protocol === "https:" ? "wss:" : "ws:"));
      } catch {
        return openSse();
      }
      socket.onopen = () => {
        opened = true;
        wsFailures = 0;
        backoffMs = 1000;
        setState("live");
        clearInterval(pingTimer);
        pingTimer = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send("ping"), 30_000);
      };
      socket.onmessage = (event) => {
        if (typeof event.data === "string") onMessage(event.data);
      };
      socket.onclose = () => {
        clearInterval(pingTimer);
        socket = null;
        if (disposed) return;
        if (!opened) wsFailures++;
        // WebSockets blocked (proxy, extension, policy): use Server-Sent Events instead.
        if (!opened && wsFailures >= 2) return openSse();
        setState("reconnecting");
        retryTimer = setTimeout(openWebSocket, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      };
    };

    openWebSocket();
    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      clearTimeout(refreshTimer);
      clearInterval(pingTimer);
      socket?.close(1000, "page left");
      source?.close();
    };
  }, [providerId, from, to, timeZone]);

  return (
    <div className={`live-status live-${state}`} role="status" aria-live="polite" data-testid="live-status" data-state={state} data-transport={transport ?? ""}>
      <span className="live-dot" aria-hidden="true" />
      <span>{LABELS[state]}</span>
      {state === "static" || state === "offline" ? (
        <>
          {" "}
          <a href={refreshHref}>Refresh</a>
        </>
      ) : null}
      {lastChange ? <span className="live-change"> Latest: {lastChange}</span> : null}
    </div>
  );
}
