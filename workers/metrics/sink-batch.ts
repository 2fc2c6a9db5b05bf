// Metrics of requests that never opened Postgres go to a MetricsSink object (durable-objects/
// metrics-sink.ts). One RPC per request cost the hot paths more than their metrics are worth, so the
// isolate gathers them for a moment and sends one batch: the request that starts a batch keeps itself
// alive (waitUntil) until the batch is sent. An isolate that dies within that moment loses those
// metrics, never anything a booking or money depends on.
import type { MetricEvent } from "./record";

/** How long a batch gathers before it is sent. */
export const SINK_BATCH_DELAY_MS = 250;
/** A batch this big is sent at once (the sink takes up to 1,000 rows per call). */
export const SINK_BATCH_MAX = 500;

export type SendBatch = (events: MetricEvent[]) => Promise<void>;

export class SinkBatcher {
  private pending: MetricEvent[] = [];
  private timer: Promise<void> | null = null;

  constructor(
    private readonly delayMs = SINK_BATCH_DELAY_MS,
    private readonly max = SINK_BATCH_MAX,
  ) {}

  /**
   * Adds a request's events (stamped now: the sink would otherwise stamp them when the batch
   * arrives). Returns the promise the request must keep alive (waitUntil) when this call started a
   * batch or sent one, otherwise null (an earlier request's promise sends these too).
   */
  add(events: readonly MetricEvent[], send: SendBatch): Promise<void> | null {
    const at = new Date();
    for (const event of events) this.pending.push(event.at ? event : { ...event, at });
    if (this.pending.length >= this.max) return send(this.take());
    if (this.timer) return null;
    this.timer = new Promise<void>((resolve) => setTimeout(resolve, this.delayMs)).then(() => {
      this.timer = null;
      const batch = this.take();
      return batch.length > 0 ? send(batch) : undefined;
    });
    return this.timer;
  }

  private take(): MetricEvent[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }
}
