// The browser side of a provider's live feed, shared by the slot picker and the provider calendar:
// a WebSocket to /api/v1/providers/:id/live (reconnecting with backoff and `since`, so missed events
// are replayed), falling back to Server-Sent Events at /events when WebSockets cannot be opened.
//
// Messages are typed by the feed's own union (durable-objects/live-messages.ts, imported for its
// types only: its zod schemas and Temporal stay out of the browser bundle) and narrowed on `type` by
// readLiveMessage, which checks the shape each handler relies on instead of trusting a cast.
import type { Audience, LiveMessage, SlotInterval } from "../../durable-objects/live-messages";

export type FeedState = "connecting" | "live" | "reconnecting" | "offline";
export type FeedTransport = "websocket" | "sse";

const SEQUENCED_TYPES = new Set(["slot.held", "slot.released", "slot.booked", "slot.cancelled", "slot.rescheduled", "schedule.changed"]);
const SSE_TYPES = [...SEQUENCED_TYPES, "snapshot", "error"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInterval(value: unknown): value is SlotInterval {
  return (
    isRecord(value) &&
    typeof value.start === "string" &&
    typeof value.end === "string" &&
    typeof value.occupiedFrom === "string" &&
    typeof value.occupiedUntil === "string"
  );
}

/** The message in a frame, or null for anything that is not a well-formed feed message. */
export function readLiveMessage(raw: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null; // the auto-response to "ping" is the plain text "pong"
  }
  if (!isRecord(value) || typeof value.type !== "string") return null;
  const message = value as { type: string } & Record<string, unknown>;
  switch (message.type) {
    case "pong":
      return { type: "pong" };
    case "error":
      return typeof message.message === "string" ? { type: "error", message: message.message } : null;
    case "snapshot":
      if (typeof message.seq !== "number" || !Array.isArray(message.items)) return null;
      if (!message.items.every((item) => isRecord(item) && isInterval(item.interval))) return null;
      return message as unknown as LiveMessage;
    case "schedule.changed":
      return typeof message.seq === "number" ? (message as unknown as LiveMessage) : null;
    case "slot.rescheduled":
      return typeof message.seq === "number" && isInterval(message.interval) && isInterval(message.previousInterval)
        ? (message as unknown as LiveMessage)
        : null;
    case "slot.held":
    case "slot.released":
    case "slot.booked":
    case "slot.cancelled":
      return typeof message.seq === "number" && isInterval(message.interval) ? (message as unknown as LiveMessage) : null;
    default:
      return null;
  }
}

export interface LiveFeedOptions {
  providerId: string;
  audience: Audience;
  from: string;
  to: string;
  onMessage(message: LiveMessage): void;
  onState(state: FeedState, transport: FeedTransport): void;
}

/** Opens the feed; returns the function that closes it for good. */
export function openLiveFeed(options: LiveFeedOptions): () => void {
  const { providerId, audience, from, to, onMessage, onState } = options;
  let disposed = false;
  let socket: WebSocket | null = null;
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let lastSeq: number | null = null;
  let connectedOnce = false;
  let wsFailures = 0;
  let backoffMs = 1000;

  const receive = (raw: string) => {
    const message = readLiveMessage(raw);
    if (!message) return;
    if ("seq" in message) lastSeq = Math.max(lastSeq ?? 0, message.seq);
    onMessage(message);
  };

  const feedUrl = (path: "live" | "events") => {
    const url = new URL(`/api/v1/providers/${encodeURIComponent(providerId)}/${path}`, window.location.href);
    if (path === "live") url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("audience", audience);
    url.searchParams.set("from", from);
    url.searchParams.set("to", to);
    if (lastSeq !== null) url.searchParams.set("since", String(lastSeq));
    return url.toString();
  };

  const openSse = () => {
    if (disposed) return;
    if (typeof EventSource === "undefined") return onState("offline", "sse");
    onState("connecting", "sse");
    source = new EventSource(feedUrl("events"));
    source.onopen = () => onState("live", "sse");
    for (const type of SSE_TYPES) {
      source.addEventListener(type, (event) => {
        const data = (event as MessageEvent).data;
        if (typeof data === "string") receive(data);
        else if (type === "error") onState(source?.readyState === EventSource.CLOSED ? "offline" : "reconnecting", "sse");
      });
    }
  };

  const openWebSocket = () => {
    if (disposed) return;
    if (typeof WebSocket === "undefined") return openSse();
    onState(connectedOnce ? "reconnecting" : "connecting", "websocket");
    let opened = false;
    try {
      socket = new WebSocket(feedUrl("live"));
    } catch {
      return openSse();
    }
    socket.onopen = () => {
      opened = true;
      connectedOnce = true;
      wsFailures = 0;
      backoffMs = 1000;
      onState("live", "websocket");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send("ping"), 30_000);
    };
    socket.onmessage = (event) => {
      if (typeof event.data === "string") receive(event.data);
    };
    socket.onclose = () => {
      clearInterval(pingTimer);
      socket = null;
      if (disposed) return;
      if (!opened) wsFailures++;
      // WebSockets blocked (proxy, extension, policy): use Server-Sent Events instead.
      if (!opened && wsFailures >= 2) return openSse();
      onState("reconnecting", "websocket");
      retryTimer = setTimeout(openWebSocket, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    };
  };

  openWebSocket();
  return () => {
    disposed = true;
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    socket?.close(1000, "page left");
    source?.close();
  };
}
