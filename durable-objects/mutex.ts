// The provider's hold lock: an async lock keyed by time range. Durable Object input gates only hold
// other events back while the object awaits its own storage; once it awaits anything else (the
// Postgres query, fetch, a timer) the gate opens and the next request runs inside the gap. A
// check-then-insert that spans such an await is therefore not atomic on its own, so hold() and
// claimForBooking() run their check+insert inside run(): requests whose ranges OVERLAP are queued
// in arrival order (exactly one of two competing holds can win, and the loser is decided without
// asking Postgres again), while requests for disjoint times proceed side by side, so a Postgres
// round trip for 10:00 does not stall a hold for 15:00.
// https://developers.cloudflare.com/durable-objects/api/state/#blockconcurrencywhile
// https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/
// (blockConcurrencyWhile would also serialize, but it stalls EVERY event of the object, WebSocket
// messages included, for the whole query.)
interface Entry {
  fromMs: number;
  untilMs: number;
  done: Promise<void>;
}

export class RangeLock {
  private readonly entries: Entry[] = [];

  /**
   * Runs `fn` once every earlier run() whose [fromMs, untilMs) overlaps this one has settled.
   * The entry is registered before waiting, so later overlapping callers queue behind it (FIFO, and
   * no cycles: each waits only for earlier arrivals). A throwing `fn` releases the range too.
   */
  async run<T>(fromMs: number, untilMs: number, fn: () => Promise<T> | T): Promise<T> {
    const earlier = this.entries.filter((e) => e.fromMs < untilMs && fromMs < e.untilMs).map((e) => e.done);
    let release!: () => void;
    const entry: Entry = { fromMs, untilMs, done: new Promise<void>((resolve) => (release = resolve)) };
    this.entries.push(entry);
    try {
      await Promise.all(earlier);
      return await fn();
    } finally {
      this.entries.splice(this.entries.indexOf(entry), 1);
      release();
    }
  }

  /** Callers holding or waiting for a range (for tests and metrics). */
  get pending(): number {
    return this.entries.length;
  }
}
