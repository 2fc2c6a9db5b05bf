// The open Server-Sent Event streams of one object, for its feeds (./live-feed.ts, ./booking-status-feed.ts):
// the response each stream is, a comment heartbeat while any is open (proxies and browsers drop idle
// streams after ~30-100 s), and dropping a stream whose reader went away or fell too far behind.
//
// SSE cannot hibernate: the response body is an open stream owned by this instance, so while any stream
// is open the object stays in memory, and a restart drops it (EventSource reconnects by itself).

const HEARTBEAT_MS = 25_000;
/** A reader that has not taken this many frames is gone or too slow: drop it instead of buffering forever. */
const MAX_QUEUED_FRAMES = 1_000;
/** Sent first: how long EventSource waits before reconnecting. */
const RETRY = "retry: 3000\n\n";

const encoder = new TextEncoder();

interface Stream<Meta> {
  meta: Meta;
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

export class SseStreams<Meta> {
  private readonly streams = new Map<number, Stream<Meta>>();
  private nextId = 1;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  /** A new stream with `meta` (what fan-out needs to know about it), starting with `first` (frames, may be empty). */
  open(meta: Meta, first: string): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const id = this.nextId++;
    this.streams.set(id, { meta, writer });
    // The client going away cancels the readable side, which errors the writer.
    writer.closed.then(
      () => this.drop(id),
      () => this.drop(id),
    );
    this.write(id, encoder.encode(RETRY + first));
    this.ensureHeartbeat();
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
    });
  }

  get size(): number {
    return this.streams.size;
  }

  /** Every open stream's id and meta, for fan-out. */
  *entries(): IterableIterator<[number, Meta]> {
    for (const [id, stream] of this.streams) yield [id, stream.meta];
  }

  /** Queues `chunk` on the stream. Not awaited: one slow reader must not hold up the others. */
  write(id: number, chunk: Uint8Array): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    // desiredSize counts queued frames (negative: that many beyond the high-water mark of 1).
    if ((stream.writer.desiredSize ?? 0) < -MAX_QUEUED_FRAMES) {
      stream.writer.abort("subscriber too slow").catch(() => {});
      this.drop(id);
      return;
    }
    stream.writer.write(chunk).catch(() => this.drop(id));
  }

  private drop(id: number): void {
    if (!this.streams.delete(id)) return;
    if (this.streams.size === 0 && this.heartbeat !== undefined) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private ensureHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    const beat = encoder.encode(": keepalive\n\n");
    this.heartbeat = setInterval(() => {
      for (const id of this.streams.keys()) this.write(id, beat);
    }, HEARTBEAT_MS);
  }
}
