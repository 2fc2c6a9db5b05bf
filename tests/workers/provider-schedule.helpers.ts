/// <reference types="@cloudflare/vitest-plugin/types" />
// Shared helpers for the provider-schedule workerd tests: provider stubs, a WebSocket client and an
// SSE reader that collect raw frames (privacy assertions look at the raw text), and the Worker's fetch.
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { AUDIENCE_HEADER, type Audience } from "../../durable-objects/live-messages";
import type { ProviderSchedule } from "../../durable-objects/provider-schedule";
import worker from "../../workers/entry";
import type { Env } from "../../workers/env";

export const testEnv = env as unknown as Env;

/**
 * A fresh provider object. With Postgres configured, the object re-reads booked time from Postgres
 * before a snapshot and drops bookings Postgres does not have; the tests announce bookings through
 * bookingChanged only, so the mirror is marked as just synced (skips that re-read for 5 minutes).
 */
export async function newProvider(): Promise<{ id: string; stub: DurableObjectStub<ProviderSchedule> }> {
  const id = crypto.randomUUID();
  const stub = testEnv.PROVIDER_SCHEDULE.get(testEnv.PROVIDER_SCHEDULE.idFromName(id));
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('mirror_synced_at', ?)", String(Date.now()));
  });
  return { id, stub };
}

/**
 * The Worker's own fetch handler. With DATABASE_URL set this is exports.default.fetch. Without it
 * loadConfig refuses to start (DATABASE_URL is required), so the same handler is called with a
 * placeholder URL: the live/holds routes under test never open a connection (the pool is lazy).
 */
export async function workerFetch(input: Request | string, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (testEnv.DATABASE_URL) return (exports as unknown as { default: Fetcher }).default.fetch(request);
  const ctx = createExecutionContext();
  const handler = worker.fetch as unknown as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>;
  const response = await handler(request, { ...testEnv, DATABASE_URL: "postgres://unused:unused@127.0.0.1:9/unused" }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns true (the feed is asynchronous across the object boundary). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = any;

/** Collects raw frames; take(n) waits for the next n (parsed as JSON when possible). */
export class SocketClient {
  readonly raw: string[] = [];
  private read = 0;
  closeEvent: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      this.raw.push(typeof e.data === "string" ? e.data : "<binary>");
    });
    ws.addEventListener("close", (e) => {
      this.closeEvent = { code: e.code, reason: e.reason };
    });
    ws.accept();
  }

  static async open(response: Response): Promise<SocketClient> {
    if (response.status !== 101 || !response.webSocket) {
      throw new Error(`expected 101 with a WebSocket, got ${response.status}: ${await response.text()}`);
    }
    return new SocketClient(response.webSocket);
  }

  async take(n: number, timeoutMs = 5_000): Promise<Frame[]> {
    await eventually(() => this.raw.length >= this.read + n, timeoutMs);
    const out = this.raw.slice(this.read, this.read + n).map(parse);
    this.read += n;
    return out;
  }

  /** Everything unread so far after a short settle time (to assert that nothing else arrived). */
  async rest(settleMs = 100): Promise<Frame[]> {
    await sleep(settleMs);
    const out = this.raw.slice(this.read).map(parse);
    this.read = this.raw.length;
    return out;
  }

  send(data: unknown): void {
    this.ws.send(typeof data === "string" || data instanceof ArrayBuffer ? data : JSON.stringify(data));
  }

  close(code = 1000): void {
    try {
      this.ws.close(code, "bye");
    } catch {
      // already closed
    }
  }
}

function parse(text: string): Frame {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Opens the object's WebSocket feed directly (as the Worker would after authorizing). */
export async function connectDirect(
  stub: DurableObjectStub<ProviderSchedule>,
  audience: Audience,
  query: Record<string, string | number> = {},
): Promise<SocketClient> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const response = await stub.fetch(`https://provider-schedule/ws?${qs}`, {
    headers: { Upgrade: "websocket", [AUDIENCE_HEADER]: audience },
  });
  return SocketClient.open(response);
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads an SSE response body into events; comments (heartbeats) and `retry:` lines are skipped. */
export class SseReader {
  readonly rawText: string[] = [];
  readonly events: SseEvent[] = [];
  private read = 0;
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private done = false;

  constructor(response: Response) {
    if (!response.body) throw new Error("SSE response has no body");
    this.reader = response.body.getReader();
    void this.pump();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.rawText.push(text);
        this.buffer += text;
        let cut: number;
        while ((cut = this.buffer.indexOf("\n\n")) >= 0) {
          const block = this.buffer.slice(0, cut);
          this.buffer = this.buffer.slice(cut + 2);
          const event: SseEvent = { data: "" };
          let hasData = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const [field, ...rest] = line.split(":");
            const value = rest.join(":").replace(/^ /, "");
            if (field === "id") event.id = value;
            else if (field === "event") event.event = value;
            else if (field === "data") {
              event.data += value;
              hasData = true;
            }
          }
          if (hasData) this.events.push(event);
        }
      }
    } catch {
      // cancelled
    } finally {
      this.done = true;
    }
  }

  async take(n: number, timeoutMs = 5_000): Promise<Frame[]> {
    await eventually(() => this.events.length >= this.read + n, timeoutMs);
    const out = this.events.slice(this.read, this.read + n).map((e) => ({ ...JSON.parse(e.data), _sse: { id: e.id, event: e.event } }));
    this.read += n;
    return out;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }

  get finished(): boolean {
    return this.done;
  }
}

export const T0 = Date.parse("2031-05-05T09:00:00Z");
/** An ISO instant `minutes` after 2031-05-05T09:00Z (far enough in the future to stay valid). */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace(".000Z", "Z");

export function holdInput(holder: string, startMinutes: number, extra: Partial<{ duration: number; before: number; after: number; ttl: number; serviceId: string }> = {}) {
  return {
    holder,
    serviceId: extra.serviceId ?? "svc-1",
    start: at(startMinutes),
    durationMinutes: extra.duration ?? 60,
    bufferBeforeMinutes: extra.before ?? 0,
    bufferAfterMinutes: extra.after ?? 0,
    ttlSeconds: extra.ttl,
  };
}

export const SECRET = {
  customerName: "Zelda Privatename",
  confirmationCode: "CONFSECRET42",
  serviceName: "Deep Tissue Massage",
  email: "zelda@example.com",
};

export function bookingChange(
  kind: "booked" | "cancelled" | "rescheduled" | "expired" | "payment_failed" | "confirmed" | "completed",
  bookingId: string,
  startMinutes: number,
  opts: { duration?: number; status?: string; previousStart?: number } = {},
) {
  const duration = opts.duration ?? 60;
  const interval = (s: number) => ({ start: at(s), end: at(s + duration), occupiedFrom: at(s), occupiedUntil: at(s + duration) });
  return {
    kind,
    bookingId,
    interval: interval(startMinutes),
    previousInterval: opts.previousStart === undefined ? undefined : interval(opts.previousStart),
    details: {
      confirmationCode: SECRET.confirmationCode,
      customerName: SECRET.customerName,
      serviceName: SECRET.serviceName,
      status: opts.status ?? (kind === "cancelled" ? "cancelled" : kind === "expired" ? "expired" : kind === "payment_failed" ? "payment_failed" : kind === "completed" ? "completed" : "confirmed"),
    },
  };
}
