// App-recorded metrics against the real Postgres: recording never throws and writes what it was given;
// aggregation over a known set of events gives exact funnel counts, percentiles and per-day sums.
// Aggregation fixtures live in a random window of days around the year 2000 (with explicit
// created_at), so other suites writing "now" rows on the same database cannot change the numbers.
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../db/client";
import { ledgerEntries, metricEvents } from "../../db/schema";
import { DomainError } from "../../domain/errors";
import {
  errorsByDay,
  funnel,
  lastDays,
  latencyPercentiles,
  periodDays,
  revenueByDay,
  revenueFromMetrics,
  type Period,
} from "../../workers/metrics/aggregate";
import {
  errorKindOf,
  MetricBuffer,
  normalizeEvent,
  recordMetric,
  recordMetrics,
  recordTiming,
  withTiming,
  type MetricEvent,
} from "../../workers/metrics/record";
import { openTestDatabase, unique } from "../support/db";

const handle = openTestDatabase(4);
const db = handle.db;
const DAY = 86_400_000;

// Day 0 of this run's private window: a random UTC midnight in 1995–2010.
const base = Date.UTC(1995, 0, 1) + Math.floor(Math.random() * 5000) * DAY;
const day = (n: number, hours = 12, ms = 0) => new Date(base + n * DAY + hours * 3_600_000 + ms);
const iso = (n: number) => new Date(base + n * DAY).toISOString().slice(0, 10);
/** Metrics window: days 0–2. Ledger window: days 10–12 (no metric revenue there). */
const metricsPeriod: Period = { from: new Date(base), to: new Date(base + 3 * DAY) };
const ledgerPeriod: Period = { from: new Date(base + 10 * DAY), to: new Date(base + 13 * DAY) };
const testName = unique("test.metric");

async function clean() {
  const from = new Date(base - DAY);
  const to = new Date(base + 20 * DAY);
  await db.delete(metricEvents).where(and(gte(metricEvents.createdAt, from), lt(metricEvents.createdAt, to)));
  await db.delete(ledgerEntries).where(and(gte(ledgerEntries.createdAt, from), lt(ledgerEntries.createdAt, to)));
  await db.delete(metricEvents).where(sql`${metricEvents.name} like ${`${testName}%`}`);
}

function ev(name: string, at: Date, value = 1, labels: Record<string, string> = {}): MetricEvent {
  return { name, value, labels, at };
}

beforeAll(async () => {
  await clean();
  const events: MetricEvent[] = [];
  // Funnel: 10 searches, 6 slot views, 4 holds, payment started 3× for 2 bookings, confirmed 2× for 1.
  for (let i = 0; i < 10; i++) events.push(ev("funnel.search", day(i % 3, 1 + i)));
  for (let i = 0; i < 6; i++) events.push(ev("funnel.slot_view", day(i % 3)));
  for (let i = 0; i < 4; i++) events.push(ev("funnel.hold", day(1)));
  events.push(ev("funnel.payment_started", day(1), 1, { bookingId: "b1" }));
  events.push(ev("funnel.payment_started", day(1, 13), 1, { bookingId: "b1" }));
  events.push(ev("funnel.payment_started", day(2), 1, { bookingId: "b2" }));
  events.push(ev("funnel.confirmed", day(2), 1, { bookingId: "b1" }));
  events.push(ev("funnel.confirmed", day(2, 14), 1, { bookingId: "b1" }));
  // Just outside the half-open window on both sides: never counted.
  events.push(ev("funnel.search", new Date(metricsPeriod.from.getTime() - 1)));
  events.push(ev("funnel.search", metricsPeriod.to));
  // Latencies: availability 1..100 ms, booking creation 10, 20, 30, 40 ms.
  for (let v = 1; v <= 100; v++) events.push(ev("latency.availability_ms", day(v % 3), v));
  for (const v of [40, 10, 30, 20]) events.push(ev("latency.booking_create_ms", day(0), v));
  // Errors: day 0 validation ×2 + conflict, day 1 payment_declined + internal (value 3) + unlabelled.
  events.push(ev("error", day(0), 1, { kind: "validation" }), ev("error", day(0, 23), 1, { kind: "validation" }), ev("error", day(0), 1, { kind: "conflict" }));
  events.push(ev("error", day(1, 0), 1, { kind: "payment_declined" }), ev("error", day(1), 3, { kind: "internal" }), ev("error", day(1)));
  // Revenue as metrics (the ledger has nothing in this window).
  events.push(ev("revenue.captured", day(0), 5000, { currency: "usd" }), ev("revenue.platform_fee", day(0), 500, { currency: "usd" }));
  events.push(ev("revenue.captured", day(0), 3000, { currency: "eur" }), ev("revenue.platform_fee", day(0), 300, { currency: "eur" }));
  events.push(ev("revenue.captured", day(1), 2500, { currency: "usd" }), ev("revenue.captured", day(1), 2500, { currency: "usd" }));
  events.push(ev("revenue.platform_fee", day(1), 250, { currency: "usd" }), ev("revenue.platform_fee", day(1), 250, { currency: "usd" }));
  expect(await recordMetrics(db, events)).toBe(true);

  // Ledger window: a 10000 capture with a 1000 fee on day 10, a 5000 refund (500 of it fee) on day 11,
  // and a metric event that must be ignored because the ledger has entries.
  const line = (kind: string, account: string, amount: number, at: Date, key: string, currency = "usd") => ({
    transactionId: crypto.randomUUID(),
    kind,
    account,
    currency,
    amount,
    idempotencyKey: key,
    createdAt: at,
  });
  const k = unique("metrics-ledger");
  const capture = crypto.randomUUID();
  const fee = crypto.randomUUID();
  const refund = crypto.randomUUID();
  await db.insert(ledgerEntries).values([
    { ...line("capture", "platform:stripe_balance", 10_000, day(10), `${k}:capture`), transactionId: capture },
    { ...line("capture", "provider:test:escrow", -10_000, day(10), `${k}:capture`), transactionId: capture },
    { ...line("fee", "provider:test:escrow", 1000, day(10), `${k}:fee`), transactionId: fee },
    { ...line("fee", "platform:fees", -1000, day(10), `${k}:fee`), transactionId: fee },
    { ...line("refund", "platform:stripe_balance", -5000, day(11), `${k}:refund`), transactionId: refund },
    { ...line("refund", "platform:fees", 500, day(11), `${k}:refund`), transactionId: refund },
    { ...line("refund", "provider:test:escrow", 4500, day(11), `${k}:refund`), transactionId: refund },
  ]);
  await recordMetrics(db, [ev("revenue.captured", day(10), 999_999, { currency: "usd" })]);
});

afterAll(async () => {
  await clean();
  await handle.close();
});

describe("recording", () => {
  it("writes name, integer value and labels; value defaults to 1", async () => {
    const name = `${testName}.record`;
    expect(await recordMetric(db, name, { value: 12.6, labels: { kind: "validation", n: 2, skip: undefined as unknown as string } })).toBe(true);
    expect(await recordMetric(db, name)).toBe(true);
    expect(await recordTiming(db, name, -5)).toBe(true);
    const rows = await db.select().from(metricEvents).where(eq(metricEvents.name, name)).orderBy(metricEvents.id);
    expect(rows.map((r) => r.value)).toEqual([13, 1, 0]);
    expect(rows[0]!.labels).toEqual({ kind: "validation", n: 2 });
    expect(rows[1]!.labels).toEqual({});
    expect(Date.now() - rows[0]!.createdAt.getTime()).toBeLessThan(60_000);
  });

  it("never throws: a failing database resolves to false and logs", async () => {
    const broken = {
      insert() {
        throw new Error("connection refused");
      },
    } as unknown as Queryable;
    const rejecting = {
      insert: () => ({ values: () => Promise.reject(new Error("timeout")) }),
    } as unknown as Queryable;
    await expect(recordMetric(broken, "error", { labels: { kind: "internal" } })).resolves.toBe(false);
    await expect(recordMetric(rejecting, "funnel.search")).resolves.toBe(false);
    await expect(recordTiming(rejecting, "latency.availability_ms", 12)).resolves.toBe(false);
    const buffer = new MetricBuffer();
    buffer.add("funnel.search");
    await expect(buffer.flush(rejecting)).resolves.toBe(false);
  });

  it("drops what cannot be stored instead of failing", () => {
    expect(normalizeEvent("", {})).toBeNull();
    expect(normalizeEvent("x", { value: Number.NaN })).toBeNull();
    expect(normalizeEvent("x", { value: 1e12 })!.value).toBe(2_147_483_647);
    expect(normalizeEvent("x", { labels: { note: "y".repeat(500) } })!.labels.note).toHaveLength(200);
  });

  it("a MetricBuffer writes a request's events in one insert, and touches no database when empty", async () => {
    const name = `${testName}.buffer`;
    const buffer = new MetricBuffer();
    let asked = 0;
    await expect(buffer.flush(() => (asked++, db))).resolves.toBe(true);
    expect(asked).toBe(0);
    buffer.add(name, { labels: { step: "a" } });
    buffer.timing(name, 42.4);
    buffer.add(name, { value: Number.POSITIVE_INFINITY }); // dropped
    expect(buffer.size).toBe(2);
    let inserts = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === "insert") inserts++;
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(buffer.flush(() => counting)).resolves.toBe(true);
    expect(inserts).toBe(1);
    expect(buffer.size).toBe(0);
    const rows = await db.select().from(metricEvents).where(eq(metricEvents.name, name)).orderBy(metricEvents.id);
    expect(rows.map((r) => r.value)).toEqual([1, 42]);
  });

  it("withTiming records the duration with the outcome and passes results and errors through", async () => {
    const buffer = new MetricBuffer();
    const name = `${testName}.timing`;
    await expect(withTiming(name, async () => "slots", buffer, { route: "availability" })).resolves.toBe("slots");
    await expect(
      withTiming(name, async () => {
        await new Promise((r) => setTimeout(r, 25));
        throw new Error("boom");
      }, buffer),
    ).rejects.toThrow("boom");
    await buffer.flush(db);
    const rows = await db.select().from(metricEvents).where(eq(metricEvents.name, name)).orderBy(metricEvents.id);
    expect(rows.map((r) => r.labels)).toEqual([{ route: "availability", outcome: "ok" }, { outcome: "error" }]);
    expect(rows[1]!.value).toBeGreaterThanOrEqual(20);

    const own = new MetricBuffer();
    await expect(own.withTiming("latency.availability_ms", async () => 7)).resolves.toBe(7);
    expect(own.size).toBe(1);

    const seen: Array<[string, number, unknown]> = [];
    await withTiming("latency.booking_create_ms", async () => 1, (n, ms, labels) => seen.push([n, ms, labels]));
    expect(seen).toEqual([["latency.booking_create_ms", expect.any(Number), { outcome: "ok" }]]);
  });

  it("maps thrown errors to error kinds", () => {
    expect(errorKindOf(new DomainError("VALIDATION", "x"))).toBe("validation");
    expect(errorKindOf(new DomainError("SLOT_UNAVAILABLE", "x"))).toBe("conflict");
    expect(errorKindOf(new DomainError("PAYMENT_FAILED", "x"))).toBe("payment_declined");
    expect(errorKindOf(new DomainError("RATE_LIMITED", "x"))).toBe("rate_limited");
    expect(errorKindOf(z.object({ a: z.string() }).safeParse({}).error)).toBe("validation");
    expect(errorKindOf(new Error("db down"))).toBe("internal");
    expect(errorKindOf(null)).toBe("internal");
  });
});

describe("aggregation", () => {
  it("counts funnel steps (a booking once per step) with step and overall conversion", async () => {
    const rows = await funnel(db, metricsPeriod);
    expect(rows.map((r) => [r.step, r.count])).toEqual([
      ["funnel.search", 10],
      ["funnel.slot_view", 6],
      ["funnel.hold", 4],
      ["funnel.payment_started", 2],
      ["funnel.confirmed", 1],
    ]);
    expect(rows.map((r) => r.conversionFromPrevious)).toEqual([null, 0.6, 4 / 6, 0.5, 0.5]);
    expect(rows.map((r) => r.conversionFromStart)).toEqual([1, 0.6, 0.4, 0.2, 0.1]);
  });

  it("gives no conversion above 100 %: a step counting more than the one before enters directly", async () => {
    // Day 15 of this run's window (cleaned by clean(), used by no other test here).
    const period: Period = { from: new Date(base + 15 * DAY), to: new Date(base + 16 * DAY) };
    // 2 searches, 5 slot views (links straight to a service), 1 hold.
    const names: string[] = [...Array(2).fill("funnel.search"), ...Array(5).fill("funnel.slot_view"), "funnel.hold"];
    await db.insert(metricEvents).values(names.map((name) => ({ name, value: 1, labels: {}, createdAt: day(15) })));
    const rows = await funnel(db, period);
    expect(rows.map((r) => [r.step, r.count, r.conversionFromPrevious, r.conversionFromStart, r.entersDirectly])).toEqual([
      ["funnel.search", 2, null, 1, false],
      ["funnel.slot_view", 5, null, null, true],
      ["funnel.hold", 1, 0.2, 0.5, false],
      ["funnel.payment_started", 0, 0, 0, false],
      ["funnel.confirmed", 0, null, 0, false],
    ]);
  });

  it("gives an empty funnel without division by zero", async () => {
    const empty = await funnel(db, { from: new Date(base - 5 * DAY), to: new Date(base - 4 * DAY) });
    expect(empty.every((r) => r.count === 0 && r.conversionFromPrevious === null && r.conversionFromStart === null)).toBe(true);
  });

  it("computes p50/p95/p99 with percentile_cont (linear interpolation)", async () => {
    const [availability, create] = await latencyPercentiles(db, metricsPeriod);
    expect(availability).toEqual({ name: "latency.availability_ms", count: 100, p50: 50.5, p95: expect.closeTo(95.05, 9), p99: expect.closeTo(99.01, 9), max: 100 });
    expect(create).toEqual({ name: "latency.booking_create_ms", count: 4, p50: 25, p95: expect.closeTo(38.5, 9), p99: expect.closeTo(39.7, 9), max: 40 });
    const [none] = await latencyPercentiles(db, ledgerPeriod, ["latency.availability_ms"]);
    expect(none).toEqual({ name: "latency.availability_ms", count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it("sums errors per UTC day and kind", async () => {
    expect(await errorsByDay(db, metricsPeriod)).toEqual([
      { day: iso(0), kind: "conflict", count: 1 },
      { day: iso(0), kind: "validation", count: 2 },
      { day: iso(1), kind: "internal", count: 3 },
      { day: iso(1), kind: "payment_declined", count: 1 },
      { day: iso(1), kind: "unknown", count: 1 },
    ]);
  });

  it("sums revenue and platform fees per day and currency from metric events when the ledger is empty", async () => {
    const expected = [
      { day: iso(0), currency: "eur", captured: 3000, refunded: 0, platformFee: 300 },
      { day: iso(0), currency: "usd", captured: 5000, refunded: 0, platformFee: 500 },
      { day: iso(1), currency: "usd", captured: 5000, refunded: 0, platformFee: 500 },
    ];
    expect(await revenueByDay(db, metricsPeriod)).toEqual({ source: "metrics", rows: expected });
    expect(await revenueFromMetrics(db, metricsPeriod)).toEqual(expected);
  });

  it("reads revenue from the ledger when it has entries: captures, refunds, fees net of fee refunds", async () => {
    expect(await revenueByDay(db, ledgerPeriod)).toEqual({
      source: "ledger",
      rows: [
        { day: iso(10), currency: "usd", captured: 10_000, refunded: 0, platformFee: 1000 },
        { day: iso(11), currency: "usd", captured: 0, refunded: 5000, platformFee: -500 },
      ],
    });
  });

  it("names every UTC day of a period", () => {
    expect(periodDays(metricsPeriod)).toEqual([iso(0), iso(1), iso(2)]);
    const p = lastDays(7, new Date("2026-03-10T23:59:00Z"));
    expect(p).toEqual({ from: new Date("2026-03-04T00:00:00Z"), to: new Date("2026-03-11T00:00:00Z") });
    expect(periodDays(p)).toHaveLength(7);
  });
});
