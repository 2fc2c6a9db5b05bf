// The per-booking status channel's ordering (durable-objects/booking-status-feed.ts), over SSE with a
// stand-in for the object's state (the SSE path uses none of it): a subscriber gets the newer of the
// Worker's read and what the mirror applied meanwhile, then only newer states of its own booking.
import { describe, expect, it } from "vitest";
import { BookingStatusFeed, type BookingState } from "../../durable-objects/booking-status-feed";

const ctx = { getWebSockets: () => [], getTags: () => [], acceptWebSocket: () => {} } as unknown as DurableObjectState;

const state = (version: number | null, status: string, bookingId = "b1"): BookingState => ({
  bookingId,
  confirmationCode: `CODE-${bookingId}`,
  status,
  start: "2030-01-07T10:00:00Z",
  end: "2030-01-07T11:00:00Z",
  version,
});

/** Reads the stream's frames as they come; `next()` waits for one more status (or times out as null). */
function reader(response: Response) {
  const stream = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(timeoutMs = 200): Promise<{ status: string; version: number | null } | null> {
      for (;;) {
        const frame = /event: booking\.status\ndata: (.*)\n\n/.exec(buffer);
        if (frame) {
          buffer = buffer.slice(frame.index + frame[0].length);
          const data = JSON.parse(frame[1]!) as { status: string; version: number | null };
          return { status: data.status, version: data.version };
        }
        const chunk = await Promise.race([stream.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
        if (chunk === null || chunk.done) return null;
        buffer += chunk.value;
      }
    },
    cancel: () => stream.cancel(),
  };
}

describe("BookingStatusFeed over SSE", () => {
  it("starts from the Worker's read when nothing newer was applied, then sends each newer state once", async () => {
    const feed = new BookingStatusFeed(ctx);
    const sub = reader(feed.openSse(state(4, "awaiting_approval")));
    expect(await sub.next()).toEqual({ status: "awaiting_approval", version: 4 });
    feed.publish(state(5, "confirmed"));
    expect(await sub.next()).toEqual({ status: "confirmed", version: 5 });
    feed.publish(state(5, "confirmed")); // a repeated notice
    feed.publish(state(3, "pending")); // an older one, late
    feed.publish(state(9, "confirmed", "b2")); // another booking
    expect(await sub.next()).toBeNull();
    await sub.cancel();
  });

  it("starts from the applied state when it is newer than the Worker's read (a change between read and subscribe)", async () => {
    const feed = new BookingStatusFeed(ctx);
    feed.publish(state(6, "cancelled"));
    const sub = reader(feed.openSse(state(5, "confirmed")));
    expect(await sub.next()).toEqual({ status: "cancelled", version: 6 });
    expect(await sub.next()).toBeNull();
    await sub.cancel();
  });

  it("trusts the Worker's read when the applied state is older", async () => {
    const feed = new BookingStatusFeed(ctx);
    feed.publish(state(2, "pending"));
    const sub = reader(feed.openSse(state(5, "confirmed")));
    expect(await sub.next()).toEqual({ status: "confirmed", version: 5 });
    feed.publish(state(4, "awaiting_approval")); // older than what this subscriber was sent
    expect(await sub.next()).toBeNull();
    await sub.cancel();
  });

  it("states without a change number are sent when they differ", async () => {
    const feed = new BookingStatusFeed(ctx);
    const sub = reader(feed.openSse(state(null, "pending")));
    expect(await sub.next()).toEqual({ status: "pending", version: null });
    feed.publish(state(null, "pending"));
    feed.publish(state(null, "confirmed"));
    expect(await sub.next()).toEqual({ status: "confirmed", version: null });
    await sub.cancel();
  });
});
