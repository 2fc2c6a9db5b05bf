// Aggregations over metric_events (and the ledger, for money) for the admin metrics dashboard. Periods
// are half-open [from, to); days are UTC calendar days ("YYYY-MM-DD"), the convention of every admin
// page, so numbers line up whatever zone the admin sits in. All arithmetic happens in Postgres; counts
// and sums come back as text and are converted here so bigint sums never lose precision silently.
import { sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { ERROR_METRIC, FUNNEL_STEPS, LATENCY_METRICS, REVENUE_METRICS, type FunnelStep } from "./record";

export interface Period {
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;

/** The last `days` UTC days including today: [midnight of the first day, midnight after today). */
export function lastDays(days: number, now: Date = new Date()): Period {
  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: new Date(todayStart - (Math.max(1, days) - 1) * DAY_MS), to: new Date(todayStart + DAY_MS) };
}

/** Every UTC day the period touches, so charts show gaps as zeros instead of skipping them. */
export function periodDays(period: Period): string[] {
  const out: string[] = [];
  const first = Date.UTC(period.from.getUTCFullYear(), period.from.getUTCMonth(), period.from.getUTCDate());
  for (let t = first; t < period.to.getTime() && out.length < 366; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const utcDay = (column: ReturnType<typeof sql>) => sql`to_char(date_trunc('day', ${column} at time zone 'UTC'), 'YYYY-MM-DD')`;
const inPeriod = (period: Period) => sql`created_at >= ${period.from.toISOString()}::timestamptz and created_at < ${period.to.toISOString()}::timestamptz`;
const nameList = (names: readonly string[]) => sql.join(names.map((n) => sql`${n}`), sql`, `);

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

// ---------------------------------------------------------------------------------------------
// Funnel

export interface FunnelRow {
  step: FunnelStep;
  count: number;
  /**
   * count / previous step's count; null for the first step, when the previous step is 0, or when this
   * step counts more than the one before (people also arrive here directly: a link to a service, the
   * JSON API), where a ratio above 100 % would claim a conversion that did not happen.
   */
  conversionFromPrevious: number | null;
  /** count / first step's count; null when the first step is 0 or this step counts more. */
  conversionFromStart: number | null;
  /** This step counts more than the step before: some arrive here without passing through it. */
  entersDirectly: boolean;
}

/** A conversion is a share of those who reached the base step: undefined without any, or beyond it. */
function conversion(count: number, base: number | null): number | null {
  return base && count <= base ? count / base : null;
}

/**
 * Counts per funnel step. An event labelled with a bookingId counts once per booking and step, so a
 * retried payment or a webhook delivered twice does not inflate the later steps.
 */
export async function funnel(db: Queryable, period: Period): Promise<FunnelRow[]> {
  const result = await db.execute<{ name: string; n: string }>(sql`
    select name, count(distinct coalesce(labels->>'bookingId', id::text))::text as n
    from metric_events
    where name in (${nameList(FUNNEL_STEPS)}) and ${inPeriod(period)}
    group by name`);
  const counts = new Map(result.rows.map((r) => [r.name, num(r.n)] as const));
  const first = counts.get(FUNNEL_STEPS[0]) ?? 0;
  return FUNNEL_STEPS.map((step, i) => {
    const count = counts.get(step) ?? 0;
    const previous = i === 0 ? null : (counts.get(FUNNEL_STEPS[i - 1]!) ?? 0);
    return {
      step,
      count,
      conversionFromPrevious: conversion(count, previous),
      conversionFromStart: conversion(count, first),
      entersDirectly: previous !== null && count > previous,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Latency percentiles

export interface LatencyRow {
  name: string;
  count: number;
  /** Continuous percentiles (linear interpolation between samples), in ms; null without samples. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export async function latencyPercentiles(db: Queryable, period: Period, names: readonly string[] = LATENCY_METRICS): Promise<LatencyRow[]> {
  if (names.length === 0) return [];
  const result = await db.execute<{ name: string; n: string; p50: number | null; p95: number | null; p99: number | null; max: number | null }>(sql`
    select name,
      count(*)::text as n,
      percentile_cont(0.5) within group (order by value) as p50,
      percentile_cont(0.95) within group (order by value) as p95,
      percentile_cont(0.99) within group (order by value) as p99,
      max(value) as max
    from metric_events
    where name in (${nameList(names)}) and ${inPeriod(period)}
    group by name`);
  const byName = new Map(result.rows.map((r) => [r.name, r] as const));
  return names.map((name) => {
    const r = byName.get(name);
    return { name, count: num(r?.n), p50: numOrNull(r?.p50), p95: numOrNull(r?.p95), p99: numOrNull(r?.p99), max: numOrNull(r?.max) };
  });
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface ErrorDayRow {
  day: string;
  kind: string;
  count: number;
}

/** `error` events per UTC day and labels.kind ("unknown" when unlabelled); value = occurrences. */
export async function errorsByDay(db: Queryable, period: Period): Promise<ErrorDayRow[]> {
  const result = await db.execute<{ day: string; kind: string; n: string }>(sql`
    select ${utcDay(sql`created_at`)} as day, coalesce(labels->>'kind', 'unknown') as kind, sum(value)::text as n
    from metric_events
    where name = ${ERROR_METRIC} and ${inPeriod(period)}
    group by 1, 2
    order by 1, 2`);
  return result.rows.map((r) => ({ day: r.day, kind: r.kind, count: num(r.n) }));
}

// ---------------------------------------------------------------------------------------------
// Revenue

export interface RevenueDayRow {
  day: string;
  currency: string;
  /** Charged and captured, minor units. */
  captured: number;
  /** Refunded to customers (ledger only; 0 from metrics). */
  refunded: number;
  /** The platform's fee, net of fee refunds when read from the ledger. */
  platformFee: number;
}

export interface RevenueResult {
  /** Where the numbers came from: the double-entry ledger when it has entries in the period. */
  source: "ledger" | "metrics";
  rows: RevenueDayRow[];
}

/**
 * From ledger_entries (domain/ledger.ts): captured = capture lines on platform:stripe_balance, refunded
 * = refund lines on it (sign flipped), fee = the platform:fees account's credit balance movement.
 */
export async function revenueFromLedger(db: Queryable, period: Period): Promise<RevenueDayRow[]> {
  const result = await db.execute<{ day: string; currency: string; captured: string | null; refunded: string | null; fee: string | null }>(sql`
    select ${utcDay(sql`created_at`)} as day, currency,
      sum(amount) filter (where kind = 'capture' and account = 'platform:stripe_balance')::text as captured,
      (-sum(amount) filter (where kind = 'refund' and account = 'platform:stripe_balance'))::text as refunded,
      (-sum(amount) filter (where account = 'platform:fees'))::text as fee
    from ledger_entries
    where account in ('platform:stripe_balance', 'platform:fees') and ${inPeriod(period)}
    group by 1, 2
    order by 1, 2`);
  return result.rows
    .map((r) => ({ day: r.day, currency: r.currency, captured: num(r.captured), refunded: num(r.refunded), platformFee: num(r.fee) }))
    .filter((r) => r.captured !== 0 || r.refunded !== 0 || r.platformFee !== 0);
}

/** From revenue.captured / revenue.platform_fee events (labels.currency, lowercased). */
export async function revenueFromMetrics(db: Queryable, period: Period): Promise<RevenueDayRow[]> {
  const result = await db.execute<{ day: string; currency: string; captured: string | null; fee: string | null }>(sql`
    select ${utcDay(sql`created_at`)} as day, lower(coalesce(labels->>'currency', 'xxx')) as currency,
      sum(value) filter (where name = ${REVENUE_METRICS[0]})::text as captured,
      sum(value) filter (where name = ${REVENUE_METRICS[1]})::text as fee
    from metric_events
    where name in (${nameList(REVENUE_METRICS)}) and ${inPeriod(period)}
    group by 1, 2
    order by 1, 2`);
  return result.rows.map((r) => ({ day: r.day, currency: r.currency, captured: num(r.captured), refunded: 0, platformFee: num(r.fee) }));
}

/** The ledger is the source of truth for money; metric events are the fallback when it has nothing. */
export async function revenueByDay(db: Queryable, period: Period): Promise<RevenueResult> {
  const probe = await db.execute<{ found: boolean }>(sql`
    select exists (
      select 1 from ledger_entries where account in ('platform:stripe_balance', 'platform:fees') and ${inPeriod(period)}
    ) as found`);
  if (probe.rows[0]?.found) return { source: "ledger", rows: await revenueFromLedger(db, period) };
  return { source: "metrics", rows: await revenueFromMetrics(db, period) };
}
