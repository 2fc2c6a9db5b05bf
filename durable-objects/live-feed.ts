// Live availability fan-out for one provider: hibernatable WebSockets plus in-memory SSE streams.
// No auth here: the audience was decided by the Worker before the request reached the object.
//
// Ordering: every event is appended to the log (SQLite, synchronous) and sent to every matching
// subscriber in the same synchronous turn, and a new subscriber gets its catch-up (replay or
// snapshot) in the turn that accepts it. No await sits between those steps, so no subscriber can
// see an event twice, miss one, or see them out of seq order.
import { z } from "zod";
import { assertNever } from "../domain/errors";
import {
  AUDIENCES,
  type Audience,
  ClientMessage,
  type FeedEvent,
  type LiveMessage,
  MAX_CLIENT_MESSAGE_BYTES,
  type ProviderMessage,
  type PublicMessage,
  publicSnapshotItem,
  toAudience,
} from "./live-messages";
import { type ScheduleStore, isoFromMs } from "./schedule-store";
import { SseStreams } from "./sse-streams";

/** The subscriber's time window: events whose occupied time intersects [fromMs, untilMs) (null = open). */
export interface Window {
  fromMs: number | null;
  untilMs: number | null;
}

interface Attachment extends Window {
  audience: Audience;
}

const encoder = new TextEncoder();
const tagFor = (audience: Audience) => `audience:${audience}`;

function overlapsWindow(fromMs: number, untilMs: number, w: Window): boolean {
  return (w.untilMs === null || fromMs < w.untilMs) && (w.fromMs === null || untilMs > w.fromMs);
}

/** Does the event concern the window? Schedule-wide events concern every window. */
export function eventMatches(event: FeedEvent, w: Window): boolean {
  switch (event.type) {
    case "schedule.changed":
      return true;
    case "slot.held":
    case "slot.released":
    case "slot.booked":
    case "slot.cancelled":
      return overlapsWindow(Date.parse(event.interval.occupiedFrom), Date.parse(event.interval.occupiedUntil), w);
    case "slot.rescheduled":
      return (
        overlapsWindow(Date.parse(event.interval.occupiedFrom), Date.parse(event.interval.occupiedUntil), w) ||
        overlapsWindow(Date.parse(event.previousInterval.occupiedFrom), Date.parse(event.previousInterval.occupiedUntil), w)
      );
    default:
      return assertNever(event, "event");
  }
}

function byteLength(text: string): number {
  // Cheap bounds first: UTF-8 uses 1..3 bytes per UTF-16 unit.
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return text.length;
  if (text.length * 3 <= MAX_CLIENT_MESSAGE_BYTES) return text.length;
  return encoder.encode(text).byteLength;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(message)"}: ${i.message}`).join("; ");
}

interface SseClient {
  audience: Audience;
  window: Window;
}

export class LiveFeed {
  /** Parsed attachments; rebuilt lazily from serializeAttachment() after the object wakes from hibernation. */
  private readonly attachments = new WeakMap<WebSocket, Attachment>();
  private readonly sse = new SseStreams<SseClient>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: ScheduleStore,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Subscribing

  /** Accepts a hibernatable WebSocket and sends its catch-up. Returns the 101 response. */
  acceptWebSocket(audience: Audience, window: Window, since: number | null): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    // The audience tag is fixed for the socket's life; fan-out picks the message form by tag, so a
    // later "subscribe" frame can change the window but never the audience. No date-bucket tags: a
    // subscribe frame moves the window and tags cannot change, so the window lives in the attachment.
    this.ctx.acceptWebSocket(server, [tagFor(audience)]);
    const attachment: Attachment = { audience, ...window };
    server.serializeAttachment(attachment);
    this.attachments.set(server, attachment);
    for (const message of this.catchUp(audience, window, since)) server.send(JSON.stringify(message));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * An SSE stream (./sse-streams.ts: it keeps the object in memory while open, unlike a hibernated
   * WebSocket; a restart drops it and EventSource reconnects with Last-Event-ID, getting exactly what
   * it missed). WebSockets are the efficient path; SSE is there for clients/proxies without them.
   */
  openSse(audience: Audience, window: Window, since: number | null): Response {
    let frames = "";
    for (const message of this.catchUp(audience, window, since)) frames += sseFrame(message);
    return this.sse.open({ audience, window }, frames);
  }

  /** Replay after `since` when the log still has it, otherwise a snapshot of the window. */
  private catchUp(audience: Audience, window: Window, since: number | null): LiveMessage[] {
    if (since !== null) {
      const missed = this.store.eventsAfter(since);
      if (missed) return missed.filter((e) => eventMatches(e, window)).map((e) => toAudience(e, audience));
    }
    return [this.snapshot(audience, window)];
  }

  snapshot(audience: Audience, window: Window): LiveMessage {
    const nowMs = Date.now();
    const holds = this.store.liveHoldsOverlapping(window.fromMs, window.untilMs, nowMs).map((h) => ({
      kind: "hold" as const,
      interval: {
        start: isoFromMs(h.start_ms),
        end: isoFromMs(h.end_ms),
        occupiedFrom: isoFromMs(h.occupied_from_ms),
        occupiedUntil: isoFromMs(h.occupied_until_ms),
      },
      hold: { holdId: h.id, serviceId: h.service_id, expiresAt: isoFromMs(h.expires_at_ms) },
    }));
    const bookings = this.store.bookedOverlapping(window.fromMs, window.untilMs).map((b) => ({
      kind: "booking" as const,
      interval: {
        start: isoFromMs(b.startMs),
        end: isoFromMs(b.endMs),
        occupiedFrom: isoFromMs(b.occupiedFromMs),
        occupiedUntil: isoFromMs(b.occupiedUntilMs),
      },
      booking: b.details,
    }));
    const items = [...holds, ...bookings].sort((a, b) => a.interval.occupiedFrom.localeCompare(b.interval.occupiedFrom));
    const head = {
      type: "snapshot" as const,
      seq: this.store.lastSeq(),
      from: window.fromMs === null ? null : isoFromMs(window.fromMs),
      to: window.untilMs === null ? null : isoFromMs(window.untilMs),
    };
    if (audience === "provider") return { ...head, items } satisfies ProviderMessage;
    return { ...head, items: items.map(publicSnapshotItem) } satisfies PublicMessage;
  }

  // -------------------------------------------------------------------------------------------
  // Fan-out

  /** Sends a logged event to every subscriber whose window it touches, in its audience's form. */
  publish(event: FeedEvent): void {
    const text: Record<Audience, string> = {
      public: JSON.stringify(toAudience(event, "public")),
      provider: JSON.stringify(event),
    };
    for (const audience of AUDIENCES) {
      for (const ws of this.ctx.getWebSockets(tagFor(audience))) {
        if (!eventMatches(event, this.attachment(ws))) continue;
        try {
          ws.send(text[audience]);
        } catch {
          // Closing or closed: webSocketClose cleans up.
        }
      }
    }
    if (this.sse.size === 0) return;
    const frames: Record<Audience, Uint8Array> = {
      public: encoder.encode(sseFrame(toAudience(event, "public"))),
      provider: encoder.encode(sseFrame(event)),
    };
    for (const [id, client] of this.sse.entries()) {
      if (eventMatches(event, client.window)) this.sse.write(id, frames[client.audience]);
    }
  }

  counts(): { webSockets: number; sse: number } {
    return { webSockets: this.ctx.getWebSockets().length, sse: this.sse.size };
  }

  // -------------------------------------------------------------------------------------------
  // WebSocket handlers (called by the object's webSocketMessage/Close/Error)

  onMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const size = typeof message === "string" ? byteLength(message) : message.byteLength;
    if (size > MAX_CLIENT_MESSAGE_BYTES) return this.sendError(ws, `Message too large (max ${MAX_CLIENT_MESSAGE_BYTES} bytes).`);
    if (typeof message !== "string") return this.sendError(ws, "Binary frames are not supported; send JSON text.");
    let data: unknown;
    try {
      data = JSON.parse(message);
    } catch {
      return this.sendError(ws, "Message is not valid JSON.");
    }
    const parsed = ClientMessage.safeParse(data);
    if (!parsed.success) return this.sendError(ws, `Invalid message: ${describeIssues(parsed.error)}`);
    const msg = parsed.data;
    switch (msg.type) {
      case "subscribe": {
        const current = this.attachment(ws);
        const next: Attachment = {
          audience: current.audience,
          fromMs: msg.from ? Date.parse(msg.from) : null,
          untilMs: msg.to ? Date.parse(msg.to) : null,
        };
        ws.serializeAttachment(next);
        this.attachments.set(ws, next);
        // The client knows nothing about the new window yet.
        this.send(ws, this.snapshot(next.audience, next));
        return;
      }
      case "ping":
        return this.send(ws, { type: "pong" });
      default:
        return assertNever(msg);
    }
  }

  onClose(ws: WebSocket, code: number): void {
    // The Hibernation API does not answer a client's Close frame for us; without our reply the
    // client waits in CLOSING until its own timeout and reports 1006 instead of a clean close.
    // 1005/1006/1015 are reserved (must not be sent), so they become a normal 1000.
    const reply = code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code;
    try {
      ws.close(reply, "closing");
    } catch {
      // Already closed.
    }
  }

  onError(ws: WebSocket): void {
    try {
      ws.close(1011, "error");
    } catch {
      // Already closed.
    }
  }

  // -------------------------------------------------------------------------------------------

  private attachment(ws: WebSocket): Attachment {
    let a = this.attachments.get(ws);
    if (!a) {
      const raw = ws.deserializeAttachment() as Partial<Attachment> | null;
      // A socket without a readable attachment is treated as public with no window: never more than public data.
      a = {
        audience: raw?.audience === "provider" ? "provider" : "public",
        fromMs: typeof raw?.fromMs === "number" ? raw.fromMs : null,
        untilMs: typeof raw?.untilMs === "number" ? raw.untilMs : null,
      };
      this.attachments.set(ws, a);
    }
    return a;
  }

  private send(ws: WebSocket, message: LiveMessage): void {
    try {
      ws.send(JSON.stringify(message));
    } catch {
      // Closed meanwhile.
    }
  }

  private sendError(ws: WebSocket, message: string): void {
    this.send(ws, { type: "error", message });
  }
}

function sseFrame(message: LiveMessage): string {
  const id = "seq" in message ? `id: ${message.seq}\n` : "";
  return `${id}event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
}
