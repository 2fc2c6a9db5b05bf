// Webhook delivery as Stripe does it: POST the event JSON with a `Stripe-Signature: t=…,v1=…` header
// (HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint secret), asynchronously after the API call,
// retried with backoff until the endpoint answers 2xx. Modes reproduce what Stripe does not promise
// (exactly-once, in-order, prompt delivery) so the product's webhook handler can be tested against it.
import { createHmac } from "node:crypto";
import { nowSeconds } from "./ids";

export type WebhookMode = "normal" | "duplicate" | "reorder" | "delay" | "hold";
export const WEBHOOK_MODES: readonly WebhookMode[] = ["normal", "duplicate", "reorder", "delay", "hold"];

export interface DeliveryRecord {
  event: string;
  type: string;
  attempt: number;
  /** HTTP status, or null when the endpoint could not be reached. */
  status: number | null;
  ok: boolean;
  error?: string;
  at: string;
}

export interface WebhookDispatcherOptions {
  secret: string;
  url?: string;
  /** Delay before each retry; its length is the number of retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
  log?: (line: string) => void;
}

interface Queued {
  id: string;
  type: string;
  payload: string;
}

interface Scheduled {
  item: Queued;
  /** reset() starts a new generation; work left over from an older one is dropped. */
  generation: number;
}

/** The header value Stripe sends; `stripe.webhooks.constructEventAsync` verifies exactly this. */
export function signatureHeader(secret: string, payload: string, timestamp = nowSeconds()): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

const MAX_LOG = 1000;

/** Whether an endpoint subscribed to `enabled` receives `type` (Stripe's enabled_events: exact names, or "*"). */
export function isEnabledEvent(enabled: readonly string[], type: string): boolean {
  return enabled.includes("*") || enabled.includes(type);
}

export class WebhookDispatcher {
  url: string | undefined;
  /** The endpoint's enabled_events, as configured on a Stripe webhook endpoint; ["*"] = every type. */
  enabledEvents: readonly string[] = ["*"];
  private modeValue: WebhookMode = "normal";
  private delayMsValue = 0;
  private held: Queued[] = [];
  // First attempts run one after another so that, in normal mode, events arrive in creation order;
  // retries are scheduled outside this chain so a failing endpoint does not stall later events.
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private timers = new Set<NodeJS.Timeout>();
  private autoFlush: NodeJS.Timeout | undefined;
  private closing = new AbortController();
  private generation = 0;
  readonly deliveries: DeliveryRecord[] = [];

  constructor(private readonly opts: WebhookDispatcherOptions) {
    this.url = opts.url;
  }

  get mode(): WebhookMode {
    return this.modeValue;
  }

  get delayMs(): number {
    return this.delayMsValue;
  }

  get heldCount(): number {
    return this.held.length;
  }

  get pendingCount(): number {
    return this.pending;
  }

  setMode(mode: WebhookMode, delayMs = 0): void {
    this.modeValue = mode;
    this.delayMsValue = delayMs;
  }

  /** Takes a new event; its JSON is fixed now so duplicates and retries carry byte-identical bodies. */
  enqueue(event: { id: string; type: string }): void {
    if (!this.url || !isEnabledEvent(this.enabledEvents, event.type)) return;
    const item: Queued = { id: event.id, type: event.type, payload: JSON.stringify(event, null, 2) };
    switch (this.modeValue) {
      case "normal":
        this.schedule(item, 0);
        break;
      case "duplicate":
        this.schedule(item, 0);
        this.schedule(item, 0);
        break;
      case "delay":
        this.schedule(item, this.delayMsValue);
        break;
      case "hold":
        this.held.push(item);
        break;
      case "reorder":
        this.held.push(item);
        // With a delay, release the batch by itself once events stop arriving for that long.
        if (this.delayMsValue > 0) {
          if (this.autoFlush) this.clearTimer(this.autoFlush);
          this.autoFlush = this.later(this.delayMsValue, () => {
            this.autoFlush = undefined;
            this.flush();
          });
        }
        break;
    }
  }

  /** Releases held events: in reverse order when the mode is "reorder", else in creation order. */
  flush(): number {
    const items = this.modeValue === "reorder" ? [...this.held].reverse() : this.held;
    this.held = [];
    for (const item of items) this.schedule(item, 0);
    return items.length;
  }

  /** Resolves true once nothing is scheduled or in flight (held events excepted), false on timeout. */
  idle(timeoutMs = 5000): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Drops held and scheduled deliveries and the delivery log; in-flight requests are aborted. */
  reset(): void {
    this.cancelAll();
    this.held = [];
    this.deliveries.length = 0;
    this.modeValue = "normal";
    this.delayMsValue = 0;
  }

  close(): void {
    this.cancelAll();
  }

  private cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.autoFlush = undefined;
    this.closing.abort();
    this.closing = new AbortController();
    this.generation++;
    this.chain = Promise.resolve();
    this.pending = 0;
    this.notifyIdle();
  }

  private schedule(item: Queued, delayMs: number): void {
    this.pending++;
    const job: Scheduled = { item, generation: this.generation };
    const start = () => {
      this.chain = this.chain
        .then(() => this.attempt(job, 1))
        .catch((e: unknown) => this.opts.log?.(`webhook delivery crashed: ${String(e)}`));
    };
    // Even with no delay, wait a turn so the API response leaves before the webhook does.
    this.later(delayMs, start);
  }

  private async attempt(job: Scheduled, attempt: number): Promise<void> {
    if (job.generation !== this.generation) return; // reset/close already settled the bookkeeping
    const { item } = job;
    const url = this.url;
    if (!url) return this.finish();
    const signal = this.closing.signal;
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signatureHeader(this.opts.secret, item.payload),
          "Cache-Control": "no-cache",
        },
        body: item.payload,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (signal.aborted || job.generation !== this.generation) return;
    const ok = status !== null && status >= 200 && status < 300;
    this.record({ event: item.id, type: item.type, attempt, status, ok, error, at: new Date().toISOString() });
    if (ok) return this.finish();
    const retryDelay = this.opts.retryDelaysMs[attempt - 1];
    if (retryDelay === undefined) {
      this.opts.log?.(`webhook ${item.type} ${item.id} gave up after ${attempt} attempts (last: ${status ?? error})`);
      return this.finish();
    }
    this.later(retryDelay, () => void this.attempt(job, attempt + 1));
  }

  private record(entry: DeliveryRecord): void {
    this.deliveries.push(entry);
    if (this.deliveries.length > MAX_LOG) this.deliveries.splice(0, this.deliveries.length - MAX_LOG);
  }

  private finish(): void {
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}
