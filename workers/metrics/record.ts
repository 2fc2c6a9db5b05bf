// App-recorded metrics: rows in metric_events (name, integer value, jsonb labels, created_at), read back
// by workers/metrics/aggregate.ts for the admin dashboard.
//
// Two rules every function here keeps:
//  * a metric never fails a request: every write catches, logs one line and resolves to false;
//  * a metric never delays a response: callers hand the promise to ctx.waitUntil(). The cheapest way
//    inside one request is a MetricBuffer: add() is synchronous and in-memory, flush() writes every
//    event of the request in ONE multi-row insert, and must run before the request's database is
//    closed (the entry closes it in `finally`), e.g.
//      ctx.waitUntil(metrics.flush(() => database.db).finally(() => database.close()))
import type { Queryable } from "../../db/client";
import { metricEvents } from "../../db/schema";
import { describeFailure } from "../../db/unreachable";

/** The booking funnel, in order: each step is a subset of the one before it. */
export const FUNNEL_STEPS = ["funnel.search", "funnel.slot_view", "funnel.hold", "funnel.payment_started", "funnel.confirmed"] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** Latencies in whole milliseconds. */
export const LATENCY_METRICS = ["latency.availability_ms", "latency.booking_create_ms"] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Money in integer minor units, labels { currency }. */
export const REVENUE_METRICS = ["revenue.captured", "revenue.platform_fee"] as const;
export type RevenueMetric = (typeof REVENUE_METRICS)[number];

export const ERROR_METRIC = "error";
/** Known error kinds; anything else is accepted too (the dashboard groups by whatever was recorded). */
export type ErrorKind = "validation" | "conflict" | "payment_declined" | "not_found" | "forbidden" | "rate_limited" | "internal";

export type MetricName = FunnelStep | LatencyMetric | RevenueMetric | typeof ERROR_METRIC;

export type LabelValue = string | number | boolean | null;
export type MetricLabels = Record<string, LabelValue>;

export interface MetricInput {
  /** Integer; defaults to 1 (a count). Fractions are rounded, non-finite values dropped. */
  value?: number;
  labels?: MetricLabels;
}

export interface MetricEvent {
  name: string;
  value: number;
  labels: MetricLabels;
  /** Set by tests and backfills; the database clock otherwise. */
  at?: Date;
}

// metric_events.value is a Postgres integer: clamp rather than let one odd value fail the insert.
const INT_MAX = 2_147_483_647;
const MAX_NAME = 100;
const MAX_LABELS = 16;
const MAX_LABEL_CHARS = 200;

function log(eventName: string, fields: Record<string, unknown>): void {
  console.warn(JSON.stringify({ eventName, ...fields }));
}

/** A row that fits the table whatever the caller passed, or null when there is nothing sensible to write. */
export function normalizeEvent(name: string, input: MetricInput = {}, at?: Date): MetricEvent | null {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME) return null;
  const raw = input.value ?? 1;
  if (typeof raw !== "number" || !Number.isFinite(raw)) return null;
  const value = Math.max(-INT_MAX, Math.min(INT_MAX, Math.round(raw)));
  const labels: MetricLabels = {};
  // Labels are for grouping (kind, currency, provider), never for free text or personal data: keep
  // them few and short so a careless caller cannot bloat the table.
  for (const [key, v] of Object.entries(input.labels ?? {}).slice(0, MAX_LABELS)) {
    if (v === undefined) continue;
    labels[key.slice(0, 50)] = typeof v === "string" ? v.slice(0, MAX_LABEL_CHARS) : v;
  }
  return at ? { name, value, labels, at } : { name, value, labels };
}

/** Writes events in one insert. Never throws: resolves to false (and logs) when the write failed. */
export async function recordMetrics(db: Queryable, events: ReadonlyArray<MetricEvent | null>): Promise<boolean> {
  const rows = events.filter((e): e is MetricEvent => e !== null);
  if (rows.length === 0) return true;
  try {
    await db.insert(metricEvents).values(
      rows.map((e) => (e.at ? { name: e.name, value: e.value, labels: e.labels, createdAt: e.at } : { name: e.name, value: e.value, labels: e.labels })),
    );
    return true;
  } catch (error) {
    log("metrics.write_failed", { count: rows.length, names: [...new Set(rows.map((e) => e.name))], ...describeFailure(error) });
    return false;
  }
}

/**
 * Records one metric. Never throws. Meant for `ctx.waitUntil(recordMetric(db, ...))` where the database
 * outlives the response (a cron job, withDatabase()); inside a request prefer a MetricBuffer.
 */
export function recordMetric(db: Queryable, name: MetricName | (string & {}), input: MetricInput = {}): Promise<boolean> {
  try {
    return recordMetrics(db, [normalizeEvent(name, input)]);
  } catch (error) {
    log("metrics.write_failed", { names: [name], ...describeFailure(error) });
    return Promise.resolve(false);
  }
}

/** Records a duration in whole milliseconds (negative clock skew → 0). Never throws. */
export function recordTiming(db: Queryable, name: LatencyMetric | (string & {}), ms: number, labels?: MetricLabels): Promise<boolean> {
  return recordMetric(db, name, { value: Math.max(0, ms), labels });
}

/** Anything that collects metrics synchronously (a MetricBuffer, or a test's array). */
export interface MetricSink {
  add(name: MetricName | (string & {}), input?: MetricInput): void;
}

/**
 * Per-request collector: add() costs an array push, flush() writes everything in one insert. Flush
 * with a function returning the database so a request that recorded nothing opens no connection
 * (the request database connects on first use). Never throws.
 */
export class MetricBuffer implements MetricSink {
  private events: MetricEvent[] = [];

  add(name: MetricName | (string & {}), input: MetricInput = {}): void {
    try {
      const event = normalizeEvent(name, input);
      if (event) this.events.push(event);
    } catch {
      // a malformed label object must not break the caller
    }
  }

  timing(name: LatencyMetric | (string & {}), ms: number, labels?: MetricLabels): void {
    this.add(name, { value: Math.max(0, ms), labels });
  }

  /** `await metrics.withTiming("latency.availability_ms", () => getAvailability(...))`: see withTiming below. */
  withTiming<T>(name: LatencyMetric | (string & {}), fn: () => Promise<T>, labels: MetricLabels = {}): Promise<T> {
    return withTiming(name, fn, this, labels);
  }

  get size(): number {
    return this.events.length;
  }

  /** Hands the collected events over (and forgets them): for a sink that writes them later. */
  take(): MetricEvent[] {
    const batch = this.events;
    this.events = [];
    return batch;
  }

  async flush(db: Queryable | (() => Queryable)): Promise<boolean> {
    if (this.events.length === 0) return true;
    const batch = this.events;
    this.events = [];
    try {
      return await recordMetrics(typeof db === "function" ? db() : db, batch);
    } catch (error) {
      log("metrics.write_failed", { count: batch.length, ...describeFailure(error) });
      return false;
    }
  }
}

/**
 * Runs `fn` and records how long it took under `name` (labels.outcome = "ok" | "error"); the result
 * or the error passes through untouched. Note: in workerd the clock only moves across I/O, so this
 * measures time spent waiting on Postgres / the Durable Object, which is what dominates these calls.
 */
export async function withTiming<T>(
  name: LatencyMetric | (string & {}),
  fn: () => Promise<T>,
  sink: MetricSink | ((name: string, ms: number, labels: MetricLabels) => void),
  labels: MetricLabels = {},
): Promise<T> {
  const started = Date.now();
  let outcome: "ok" | "error" = "ok";
  try {
    return await fn();
  } catch (error) {
    outcome = "error";
    throw error;
  } finally {
    const ms = Date.now() - started;
    try {
      if (typeof sink === "function") sink(name, ms, { ...labels, outcome });
      else sink.add(name, { value: Math.max(0, ms), labels: { ...labels, outcome } });
    } catch (error) {
      log("metrics.sink_failed", { metric: name, ...describeFailure(error) });
    }
  }
}

/**
 * The `error` metric's kind for anything an API handler throws: DomainError codes and zod errors by
 * name (duck-typed so this module stays free of the domain and zod imports).
 */
export function errorKindOf(error: unknown): ErrorKind | string {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "ZodError") return "validation";
  if (name === "DomainError" && typeof code === "string") {
    switch (code) {
      case "VALIDATION":
        return "validation";
      case "SLOT_UNAVAILABLE":
      case "HOLD_EXPIRED":
      case "ILLEGAL_TRANSITION":
      case "STALE_VERSION":
      case "IDEMPOTENCY_MISMATCH":
      case "POLICY_FORBIDS":
        return "conflict";
      case "PAYMENT_FAILED":
        return "payment_declined";
      case "NOT_FOUND":
        return "not_found";
      case "UNAUTHENTICATED":
      case "FORBIDDEN":
      case "HOLD_NOT_OWNED":
        return "forbidden";
      case "RATE_LIMITED":
      case "HOLD_LIMIT_REACHED":
        return "rate_limited";
      default:
        return code.toLowerCase();
    }
  }
  return "internal";
}
