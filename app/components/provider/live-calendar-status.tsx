// Progressive enhancement for the provider calendar: once the page has hydrated, subscribe to the
// provider's live feed (WebSocket /api/v1/providers/:id/live?audience=provider, falling back to
// Server-Sent Events at /events when a WebSocket cannot be opened) for the calendar's window, and on
// any booking, hold or schedule message re-run the page's loader (useRevalidator), so the
// server-rendered calendar stays the single source of what is shown. The status line is a polite live
// region: it says whether the page is live and announces what changed ("New booking: …").
// Without JavaScript the line says the calendar is not live and offers a refresh link.
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { LiveMessage } from "../../../durable-objects/live-messages";
import { openLiveFeed, type FeedState, type FeedTransport } from "../../utils/live-feed-connection";

type ConnectionState = "static" | FeedState;

function describe(message: LiveMessage, timeZone: string): string | null {
  const time = (iso: string | undefined) => {
    if (!iso) return "";
    try {
      return new Intl.DateTimeFormat("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(iso));
    } catch {
      return iso;
    }
  };
  const who = "booking" in message ? `${message.booking.customerName}, ${message.booking.serviceName}` : "";
  const at = "interval" in message ? time(message.interval.start) : "";
  const change = "change" in message ? message.change : null;
  switch (message.type) {
    case "slot.booked": {
      const verb = change === "confirmed" ? "Booking confirmed" : change === "completed" ? "Booking completed" : change === "booked" ? "New booking" : "Booking updated";
      return `${verb}: ${who} at ${at}`;
    }
    case "slot.cancelled": {
      const verb = change === "expired" ? "Booking expired" : change === "payment_failed" ? "Payment failed" : "Booking cancelled";
      return `${verb}: ${who} at ${at}`;
    }
    case "slot.rescheduled":
      return `Booking moved: ${who} now at ${at}`;
    case "slot.held":
      return `Someone is booking ${at}`;
    case "slot.released":
      if (!("reason" in message)) return `Hold on ${at} released`;
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
  const [transport, setTransport] = useState<FeedTransport | null>(null);
  const [lastChange, setLastChange] = useState<string | null>(null);

  useEffect(() => {
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let snapshots = 0;
    const scheduleRefresh = () => {
      // Several messages often arrive together (hold released + booking created): one reload for all.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => revalidate.current(), 250);
    };
    const close = openLiveFeed({
      providerId,
      audience: "provider",
      from,
      to,
      onState: (next, via) => {
        setState(next);
        setTransport(via);
      },
      onMessage: (message) => {
        if (message.type === "snapshot") {
          // A reconnect the log could not replay may have missed events: reload once. The first
          // connection follows the page render.
          if (snapshots++ > 0) scheduleRefresh();
          return;
        }
        if (message.type === "error" || message.type === "pong") return;
        snapshots = Math.max(snapshots, 1);
        const text = describe(message, timeZone);
        if (text) setLastChange(text);
        scheduleRefresh();
      },
    });
    return () => {
      clearTimeout(refreshTimer);
      close();
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
