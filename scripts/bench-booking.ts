// Benchmark of the booking engine's adapters against a real Postgres:
//   1. availability over 31 days for a provider with 2,000 past bookings, through the service layer
//      (window-bounded loads), next to a naive baseline measured in the same run: load ALL the
//      provider's bookings, rules and overrides, and recompute with the same engine;
//      then the engine alone (computeSlots, isSlotBookable, nearestAlternatives) on the loaded data;
//   2. booking creation through the service layer (idempotency lookup, checks, guest session, booking,
//      transition, event in one transaction), next to a bare insert of the same row (no checks, no
//      audit) and a naive check-then-insert (load all bookings, check in JS, insert).
// Measurements alternate between the variants so drift (cache warm-up, autovacuum) hits both alike.
//
//   npx tsx scripts/bench-booking.ts            uses DATABASE_URL + NEON_WS_PROXY when set,
//                                               otherwise starts (and removes) its own Postgres + proxy
//   BENCH_ITERATIONS=100 npx tsx scripts/bench-booking.ts
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, inArray, sql } from "drizzle-orm";
import ws from "ws";
import { configureNeon, openRequestDatabase, type Database } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { loadOverrides, loadWeeklyRules } from "../db/queries/availability";
import { availabilityRules, bookings, providers, services, users } from "../db/schema";
import { computeSlots, isSlotBookable, nearestAlternatives } from "../domain/availability";
import { OCCUPYING_STATUSES } from "../domain/booking-states";
import { DEFAULT_CANCELLATION_POLICY } from "../domain/cancellation-policy";
import { overlaps } from "../domain/intervals";
import { getAvailability, loadEngineData, timingOf } from "../workers/services/availability";
import { noopSchedulePort } from "../workers/services/ports";
import { createBooking } from "../workers/services/create-booking";
import { startLocalPostgres } from "./lib/local-postgres";
import { startNeonWsProxy } from "./lib/neon-ws-proxy";

const ITERATIONS = Math.min(Math.max(Number(process.env.BENCH_ITERATIONS ?? 60) || 60, 5), 500);
const WARMUP = 5;
const HISTORY = 2_000;
const UPCOMING = 40;
const ZONE = "America/New_York";
// Five non-overlapping starts a day for a 60 min service with a 15 min buffer inside 09:00–17:00.
const DAILY_STARTS = ["09:00", "10:30", "12:00", "13:30", "15:00"];

// ---------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function connect(): Promise<{ url: string; proxy: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL && process.env.NEON_WS_PROXY) {
    return { url: process.env.DATABASE_URL, proxy: process.env.NEON_WS_PROXY, stop: async () => {} };
  }
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "edge-booking-bench-pg-"));
  console.log("starting a throw-away Postgres + Neon proxy …");
  const pg = await startLocalPostgres({ dataDir, port: await freePort(), database: "bench", fast: true });
  const proxy = await startNeonWsProxy(0);
  await migrateDatabase(pg.url);
  return {
    url: pg.url,
    proxy: proxy.proxyAddress,
    stop: async () => {
      await proxy.close().catch(() => {});
      await pg.stop().catch(() => {});
      await fs.rm(dataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

function localStart(daysAhead: number, time: string): Temporal.Instant {
  return Temporal.Now.zonedDateTimeISO(ZONE)
    .toPlainDate()
    .add({ days: daysAhead })
    .toZonedDateTime({ timeZone: ZONE, plainTime: Temporal.PlainTime.from(time) })
    .toInstant();
}

let seq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

function bookingRow(fixture: Fixture, start: Temporal.Instant, status: "completed" | "confirmed" | "pending") {
  const end = start.add({ minutes: 60 });
  return {
    confirmationCode: uniq("B"),
    idempotencyKey: uniq("bench"),
    requestHash: "bench",
    providerId: fixture.providerId,
    serviceId: fixture.serviceId,
    customerId: fixture.customerId,
    status,
    startsAt: new Date(start.epochMilliseconds),
    endsAt: new Date(end.epochMilliseconds),
    timeZone: "UTC",
    providerTimeZone: ZONE,
    occupiedFrom: new Date(start.epochMilliseconds),
    occupiedUntil: new Date(end.add({ minutes: 15 }).epochMilliseconds),
    customerName: "Bench",
    customerEmail: "bench@example.test",
    currency: "usd",
    totalAmount: 10_000,
    platformFeeAmount: 1_000,
    providerAmount: 9_000,
    platformFeeBps: 1000,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
  };
}

interface Fixture {
  providerId: string;
  serviceId: string;
  customerId: string;
}

async function seed(db: Database): Promise<Fixture> {
  const slug = uniq("bench-provider");
  const [user] = await db.insert(users).values({ email: `${slug}@example.test`, name: slug, role: "provider" }).returning();
  const [customer] = await db.insert(users).values({ email: `${uniq("bench-customer")}@example.test`, name: "Bench" }).returning();
  const [provider] = await db.insert(providers).values({ userId: user!.id, slug, displayName: "Bench provider", timeZone: ZONE }).returning();
  const [service] = await db
    .insert(services)
    .values({
      providerId: provider!.id,
      name: "Bench service",
      category: "Bench",
      durationMinutes: 60,
      priceAmount: 10_000,
      bufferAfterMinutes: 15,
      slotIntervalMinutes: 30,
      minNoticeMinutes: 0,
      bookingWindowDays: 365,
      cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    })
    .returning();
  await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId: provider!.id, weekday, startTime: "09:00", endTime: "17:00" })));
  const fixture = { providerId: provider!.id, serviceId: service!.id, customerId: customer!.id };

  // History: 2,000 served bookings, one a day for ~5.5 years back; plus some in the coming month.
  const rows = Array.from({ length: HISTORY }, (_, i) => bookingRow(fixture, localStart(-(i + 1), DAILY_STARTS[i % DAILY_STARTS.length]!), "completed"));
  for (let i = 0; i < UPCOMING; i++) rows.push(bookingRow(fixture, localStart(1 + (i % 30), DAILY_STARTS[Math.floor(i / 30)]!), "confirmed"));
  for (let i = 0; i < rows.length; i += 500) await db.insert(bookings).values(rows.slice(i, i + 500));
  await db.execute(sql`analyze bookings`);
  return fixture;
}

// ---------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

function timeSync(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;

function printRow(label: string, s: ReturnType<typeof summary>) {
  console.log(`  ${label.padEnd(44)} p50 ${fmt(s.p50)}   p95 ${fmt(s.p95)}   p99 ${fmt(s.p99)}`);
}

function printRatio(label: string, a: ReturnType<typeof summary>, b: ReturnType<typeof summary>) {
  const r = (x: number, y: number) => `${(x / y).toFixed(2).padStart(7)} x  `;
  console.log(`  ${label.padEnd(44)} p50 ${r(a.p50, b.p50)}   p95 ${r(a.p95, b.p95)}   p99 ${r(a.p99, b.p99)}`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const stack = await connect();
  configureNeon({ wsProxy: stack.proxy, webSocketConstructor: ws });
  const handle = openRequestDatabase({ DATABASE_URL: stack.url, NEON_WS_PROXY: stack.proxy }, { maxConnections: 4 });
  const db = handle.db;
  try {
    console.log(`seeding one provider with ${HISTORY} past bookings and ${UPCOMING} upcoming …`);
    const fixture = await seed(db);
    const from = localStart(1, "00:00");
    const to = localStart(32, "00:00");
    const query = { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to, customerZone: "Europe/Paris" };

    // Naive baseline: everything the provider ever had, then the same engine.
    const naiveLoad = async () => {
      const [provider] = await db.select().from(providers).where(eq(providers.id, fixture.providerId));
      const [service] = await db.select().from(services).where(eq(services.id, fixture.serviceId));
      const [weekly, overrides, all] = await Promise.all([
        loadWeeklyRules(db, fixture.providerId),
        loadOverrides(db, fixture.providerId, "0001-01-01", "9999-12-31"),
        db
          .select({ from: bookings.occupiedFrom, until: bookings.occupiedUntil })
          .from(bookings)
          .where(and(eq(bookings.providerId, fixture.providerId), inArray(bookings.status, [...OCCUPYING_STATUSES]))),
      ]);
      const occupied = all.map((b) => ({ start: Temporal.Instant.fromEpochMilliseconds(b.from.getTime()), end: Temporal.Instant.fromEpochMilliseconds(b.until.getTime()) }));
      return { providerZone: provider!.timeZone, weekly, overrides, service: timingOf(service!), occupied };
    };
    const naiveAvailability = async () => computeSlots({ ...(await naiveLoad()), now: Temporal.Now.instant(), from, to, customerZone: "Europe/Paris" });
    // What the service loads for the same query (the same calls getAvailability makes before the engine).
    const [providerRow] = await db.select().from(providers).where(eq(providers.id, fixture.providerId));
    const [serviceRow] = await db.select().from(services).where(eq(services.id, fixture.serviceId));
    const serviceLoad = () => loadEngineData(db, noopSchedulePort, { provider: providerRow!, timing: timingOf(serviceRow!), from, to });

    // Same answer first, or the comparison means nothing.
    const a = await getAvailability(db, query);
    const b = await naiveAvailability();
    if (a.slots.length !== b.length || a.slots.some((s, i) => s.start !== b[i]!.start.toString())) {
      throw new Error(`service and naive baseline disagree: ${a.slots.length} vs ${b.length} slots`);
    }
    console.log(`\navailability over 31 days (${a.slots.length} slots), ${ITERATIONS} runs each after ${WARMUP} warm-up`);
    const serviceSamples: number[] = [];
    const naiveSamples: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const s = await time(() => getAvailability(db, query));
      const n = await time(naiveAvailability);
      if (i >= WARMUP) {
        serviceSamples.push(s);
        naiveSamples.push(n);
      }
    }
    const availService = summary(serviceSamples);
    const availNaive = summary(naiveSamples);
    printRow("service (loads only the window)", availService);
    printRow("naive (loads all 2,040 bookings, recomputes)", availNaive);
    printRatio("ratio naive / service", availNaive, availService);

    // The engine's CPU time is the same for both and dominates above; the adapter's share is the load.
    const loadSamples: number[] = [];
    const naiveLoadSamples: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const s = await time(serviceLoad);
      const n = await time(naiveLoad);
      if (i >= WARMUP) {
        loadSamples.push(s);
        naiveLoadSamples.push(n);
      }
    }
    const loadService = summary(loadSamples);
    const loadNaive = summary(naiveLoadSamples);
    console.log(`  -- data loading only (${(await serviceLoad()).occupied.length} vs ${(await naiveLoad()).occupied.length} occupied intervals) --`);
    printRow("service (window: GiST overlap)", loadService);
    printRow("naive (every booking of the provider)", loadNaive);
    printRatio("ratio naive / service", loadNaive, loadService);

    // The engine alone on the data the service loaded (no I/O): the CPU part of an availability check.
    const engineData = await serviceLoad();
    const engineNow = Temporal.Now.instant();
    const engineInput = { ...engineData, now: engineNow, from, to, customerZone: "Europe/Paris" };
    const someStart = computeSlots(engineInput)[Math.floor(a.slots.length / 2)]?.start ?? from;
    const engineSamples: number[] = [];
    const bookableSamples: number[] = [];
    const alternativesSamples: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const e = timeSync(() => computeSlots(engineInput));
      const k = timeSync(() => isSlotBookable(engineInput, someStart));
      const n = timeSync(() => nearestAlternatives(engineInput, someStart, 5));
      if (i >= WARMUP) {
        engineSamples.push(e);
        bookableSamples.push(k);
        alternativesSamples.push(n);
      }
    }
    console.log(`  -- engine only, no I/O (${engineData.occupied.length} occupied intervals, ${a.slots.length} slots) --`);
    printRow("computeSlots over the 31 days", summary(engineSamples));
    printRow("isSlotBookable (one start)", summary(bookableSamples));
    printRow("nearestAlternatives (5)", summary(alternativesSamples));

    // Creation: distinct free slots for every attempt, days 40+ (past the seeded upcoming month).
    const slots: Temporal.Instant[] = [];
    for (let d = 40; slots.length < 3 * (WARMUP + ITERATIONS); d++) for (const t of DAILY_STARTS) slots.push(localStart(d, t));
    let next = 0;
    const createSamples: number[] = [];
    const bareSamples: number[] = [];
    const naiveCreateSamples: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const serviceStart = slots[next++]!;
      const c = await time(() =>
        createBooking(db, {
          body: {
            serviceId: fixture.serviceId,
            providerId: fixture.providerId,
            start: serviceStart.toString(),
            timeZone: "Europe/Paris",
            customer: { name: "Bench Guest", email: "guest@example.test" },
            idempotencyKey: uniq("bench-create"),
          },
        }),
      );
      const bareStart = slots[next++]!;
      const bare = await time(() => db.insert(bookings).values(bookingRow(fixture, bareStart, "pending")));
      const naiveStart = slots[next++]!;
      const naive = await time(() =>
        db.transaction(async (tx) => {
          const all = await tx
            .select({ from: bookings.occupiedFrom, until: bookings.occupiedUntil })
            .from(bookings)
            .where(and(eq(bookings.providerId, fixture.providerId), inArray(bookings.status, [...OCCUPYING_STATUSES])));
          const row = bookingRow(fixture, naiveStart, "pending");
          const wanted = { start: Temporal.Instant.fromEpochMilliseconds(row.occupiedFrom.getTime()), end: Temporal.Instant.fromEpochMilliseconds(row.occupiedUntil.getTime()) };
          const clash = all.some((o) => overlaps(wanted, { start: Temporal.Instant.fromEpochMilliseconds(o.from.getTime()), end: Temporal.Instant.fromEpochMilliseconds(o.until.getTime()) }));
          if (clash) throw new Error("naive baseline found a clash on a slot chosen free");
          await tx.insert(bookings).values(row);
        }),
      );
      if (i >= WARMUP) {
        createSamples.push(c);
        bareSamples.push(bare);
        naiveCreateSamples.push(naive);
      }
    }
    const create = summary(createSamples);
    const bare = summary(bareSamples);
    const naiveCreate = summary(naiveCreateSamples);
    console.log(`\nbooking creation against the local Postgres, ${ITERATIONS} runs each after ${WARMUP} warm-up`);
    printRow("service createBooking (checks + audit)", create);
    printRow("bare insert of the same row (no checks)", bare);
    printRow("naive check-then-insert (all bookings)", naiveCreate);
    printRatio("ratio service / bare insert", create, bare);
    printRatio("ratio service / naive check-then-insert", create, naiveCreate);
  } finally {
    await handle.close();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
