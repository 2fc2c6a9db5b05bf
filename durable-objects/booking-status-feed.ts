// Live status of single bookings, for their customer's confirmation and manage pages: a channel per
// booking on the provider's object (hibernatable WebSockets tagged `booking:<id>`, plus SSE streams).
// No auth here: workers/api/booking-events.ts decided who may listen and passed the state it read.
//
// No change can fall between that read and the subscription: the mirror hands every booking state it
// applies to `publish` (in Postgres's change order, ./booking-mirror.ts), which also remembers the last
// one per booking; a subscriber is sent whichever of the Worker's read and that memory is newer, in
// the same synchronous turn that registers it, and afterwards only states newer than what it was sent.
import type { BookingChannelMessage, BookingStatusMessage } from "./live-messages";
import { SseStreams } from "./sse-streams";

/** A booking's state as the mirror applied it. */
export type BookingState = Omit<BookingStatusMessage, "type">;

/** Bookings whose last state is remembered (a subscription starts within a second of its read). */
const REMEMBERED = 2_000;
const TAG_PREFIX = "booking:";
const encoder = new TextEncoder();

const tagOf = (bookingId: string) => `${TAG_PREFIX}${bookingId}`;

/** Whether `next` should replace `current` for a subscriber (a state without a number always does: no order to keep). */
function isNewer(next: BookingState, current: BookingState | undefined): boolean {
  if (!current) return true;
  if (next.version === null || current.version === null) return next.status !== current.status || next.start !== current.start;
  return next.version > current.version;
}

interface SseSubscriber {
  bookingId: string;
  /** The newest state this stream was sent. */
  sent: BookingState;
}

export class BookingStatusFeed {
  private readonly last = new Map<string, BookingState>();
  private readonly sse = new SseStreams<SseSubscriber>();
  /** What each socket was last sent (lost on hibernation; then the remembered state decides). */
  private readonly sentToSocket = new WeakMap<WebSocket, BookingState>();

  constructor(private readonly ctx: DurableObjectState) {}

  static isBookingSocket(ctx: DurableObjectState, ws: WebSocket): boolean {
    return ctx.getTags(ws).some((tag) => tag.startsWith(TAG_PREFIX));
  }

  /** The newer of what the Worker read and what the mirror applied since. */
  private current(read: BookingState): BookingState {
    const known = this.last.get(read.bookingId);
    return known && isNewer(known, read) ? known : read;
  }

  openSse(read: BookingState): Response {
    const sent = this.current(read);
    return this.sse.open({ bookingId: read.bookingId, sent }, frame(message(sent)));
  }

  acceptWebSocket(read: BookingState): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [tagOf(read.bookingId)]);
    const sent = this.current(read);
    this.sentToSocket.set(server, sent);
    server.send(JSON.stringify(message(sent)));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A state the mirror applied: remembered, and sent to the booking's subscribers that have an older one. */
  publish(state: BookingState): void {
    const previous = this.last.get(state.bookingId);
    if (previous && !isNewer(state, previous)) return;
    this.last.delete(state.bookingId); // re-inserted last: the map's order is recency
    this.last.set(state.bookingId, state);
    if (this.last.size > REMEMBERED) this.last.delete(this.last.keys().next().value!);

    // Encoded only once someone listens: this runs for every booking change the mirror applies, and
    // most bookings have nobody watching.
    let text: string | undefined;
    for (const ws of this.ctx.getWebSockets(tagOf(state.bookingId))) {
      if (!isNewer(state, this.sentToSocket.get(ws))) continue;
      this.sentToSocket.set(ws, state);
      try {
        ws.send((text ??= JSON.stringify(message(state))));
      } catch {
        // Closing: webSocketClose cleans up.
      }
    }
    let bytes: Uint8Array | undefined;
    for (const [id, subscriber] of this.sse.entries()) {
      if (subscriber.bookingId !== state.bookingId || !isNewer(state, subscriber.sent)) continue;
      subscriber.sent = state;
      this.sse.write(id, (bytes ??= encoder.encode(frame(message(state)))));
    }
  }

  /** A booking channel takes only pings; everything else is answered with an error. */
  onMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const reply: BookingChannelMessage = data === '{"type":"ping"}' ? { type: "pong" } : { type: "error", message: 'This channel only sends; the only message it takes is {"type":"ping"}.' };
    try {
      ws.send(JSON.stringify(reply));
    } catch {
      // Closed meanwhile.
    }
  }
}

function message(state: BookingState): BookingStatusMessage {
  return { type: "booking.status", ...state };
}

function frame(m: BookingStatusMessage): string {
  return `${m.version === null ? "" : `id: ${m.version}\n`}event: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`;
}
