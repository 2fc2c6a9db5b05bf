// Full-stack load benchmark through HTTP against a running `npm run dev` stack: the Worker (wrangler dev),
// its Durable Objects, Postgres and the Stripe stand-in, exactly as a client sees them.
//
//   npm run dev                        # first, in another terminal (or another network namespace)
//   npm run bench:load                 # full run (a couple of minutes)
//   npm run bench:load -- --smoke      # tiny counts, for CI smoke
//
// Env: BENCH_BASE_URL (http://127.0.0.1:8787), DATABASE_URL (the dev database), BENCH_CONCURRENCY (50),
// BENCH_FLOOR_SERIAL, BENCH_FLOOR_CONCURRENT, BENCH_AVAIL_SERIAL, BENCH_AVAIL_CONCURRENT, BENCH_BOOK_SERIAL,
// BENCH_SPREAD, BENCH_HOT, BENCH_HOLDS (request counts of each phase).
//
// Every figure comes with a ratio to the floor (GET /api/v1/openapi.json, no database) of the same run,
// so runs on different machines or under different load compare. Bookings it makes stay in the dev
// database (guest bookings of bench-load+<run>@example.test), so free slots shrink with every run.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { ALTERNATIVES_HORIZON_DAYS } from "../domain/availability";
import { OCCUPYING_STATUSES } from "../domain/booking-states";

// ---------------------------------------------------------------------------------------------
// Configuration

const SMOKE = process.argv.includes("--smoke");
const BASE_URL = (process.env.BENCH_BASE_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
// The dev stack's embedded Postgres (scripts/lib/local-stack.ts, local-postgres.ts).
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:54329/booking_dev";

function count(name: string, full: number, smoke: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : SMOKE ? smoke : full;
}

const CONCURRENCY = count("BENCH_CONCURRENCY", 50, 5);
const COUNTS = {
  floorSerial: count("BENCH_FLOOR_SERIAL", 200, 10),
  floorConcurrent: count("BENCH_FLOOR_CONCURRENT", 1000, 20),
  availSerial: count("BENCH_AVAIL_SERIAL", 50, 10),
  availConcurrent: count("BENCH_AVAIL_CONCURRENT", 300, 20),
  bookSerial: count("BENCH_BOOK_SERIAL", 30, 3),
  spread: count("BENCH_SPREAD", 1000, 10),
  hot: count("BENCH_HOT", 1000, 10),
  holds: count("BENCH_HOLDS", 200, 5),
};

/**
 * Stay under the per-client limits (workers/auth/client-budget.ts: 40 hold and 20 booking attempts per
 * 600 s; wrangler.toml MAX_HOLDS_PER_CLIENT: 3 live holds per provider per address).
 */
const PER_CLIENT = { booking: 10, hold: 3 } as const;
/** Slots starting sooner may fall under the services' minimum notice (60 min) while the run lasts. */
const NOTICE_MARGIN_MS = 3 * 60 * 60_000;
/** The availability API answers at most 62 days per request; the demo services book 60 days ahead. */
const SEARCH_DAYS = 61;
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

const watchdog = setTimeout(() => {
  console.error("bench-load: watchdog fired after 10 minutes, giving up");
  process.exit(2);
}, 10 * 60_000);
watchdog.unref();

// ---------------------------------------------------------------------------------------------
// HTTP: Node's fetch (undici) keeps connections alive by default; every response is read to the end
// so its connection goes back to the pool.

interface Sample {
  status: number; // 0 = network error
  ms: number;
  body: unknown;
}

/** Every status of the whole run (discovery included), for the final count of 5xx. */
const allStatuses = new Map<number, number>();

async function call(method: string, path: string, options: { ip?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Sample> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.ip) headers["cf-connecting-ip"] = options.ip;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const t0 = performance.now();
  let status = 0;
  let body: unknown = null;
  try {
    const response = await fetch(BASE_URL + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    status = response.status;
    const text = await response.text();
    body = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  } catch (error) {
    body = String(error);
  }
  const ms = performance.now() - t0;
  allStatuses.set(status, (allStatuses.get(status) ?? 0) + 1);
  return { status, ms, body };
}

async function getJson<T>(path: string): Promise<T> {
  const sample = await call("GET", path);
  if (sample.status !== 200) throw new Error(`GET ${path} answered ${sample.status}: ${JSON.stringify(sample.body)}`);
  return sample.body as T;
}

// ---------------------------------------------------------------------------------------------
// Concurrency and statistics

/** Runs task(0..total-1) with at most `concurrency` in flight; results in index order. */
async function pool<T>(total: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) results[i] = await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** Nearest-rank percentile of an ascending array (exact, no interpolation). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

interface PhaseStats {
  label: string;
  requests: number;
  statuses: Map<number, number>;
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
  wallMs: number;
}

async function measure(label: string, total: number, concurrency: number, task: (i: number) => Promise<Sample>): Promise<{ stats: PhaseStats; samples: Sample[] }> {
  const started = performance.now();
  const samples = await pool(total, concurrency, task);
  const wallMs = performance.now() - started;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses = new Map<number, number>();
  for (const s of samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
  const stats = { label, requests: total, statuses, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), perSecond: (total / wallMs) * 1000, wallMs };
  return { stats, samples };
}

// ---------------------------------------------------------------------------------------------
// Output

interface Floor {
  serial: PhaseStats;
  concurrent: PhaseStats;
}

const rows: Array<{ stats: PhaseStats; note: string }> = [];
const ms = (value: number) => `${value.toFixed(1)} ms`;
const statusText = (statuses: Map<number, number>) =>
  [...statuses].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code || "neterr"}:${n}`).join(" ");

function report(stats: PhaseStats, floor: Floor | null, note = "") {
  const ratio = floor
    ? `  p50 ${(stats.p50 / floor.serial.p50).toFixed(1)}x floor-serial, req/s ${(stats.perSecond / floor.concurrent.perSecond).toFixed(2)}x floor-50`
    : "";
  console.log(
    `  ${stats.label.padEnd(34)} n=${String(stats.requests).padEnd(5)} [${statusText(stats.statuses)}]  p50 ${ms(stats.p50)}  p95 ${ms(stats.p95)}  p99 ${ms(stats.p99)}  ${stats.perSecond.toFixed(0)} req/s${ratio}`,
  );
  if (note) console.log(`    ${note}`);
  rows.push({ stats, note });
}

/** The results as a Markdown table, to paste into docs/benchmarks.md. */
function printTable(floor: Floor) {
  console.log("\n| phase | requests | statuses | p50 | p95 | p99 | req/s | p50 / floor serial p50 | req/s / floor 50-in-flight req/s |");
  console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const { stats } of rows) {
    console.log(
      `| ${stats.label} | ${stats.requests} | ${statusText(stats.statuses)} | ${ms(stats.p50)} | ${ms(stats.p95)} | ${ms(stats.p99)} | ${stats.perSecond.toFixed(0)} | ` +
        `${(stats.p50 / floor.serial.p50).toFixed(1)}x | ${(stats.perSecond / floor.concurrent.perSecond).toFixed(2)}x |`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Simulated clients: wrangler dev keeps a client-supplied CF-Connecting-IP, and the rate limits are per
// IP, so each simulated client gets its own 10.x.y.z and is retired before it reaches a limit. The
// addresses start at a random point so a second run within the limits' window meets fresh counters.

class Clients {
  private next = randomBytes(3).readUIntBE(0, 3);
  private current = new Map<string, { ip: string; used: number }>();

  ip(kind: keyof typeof PER_CLIENT): string {
    let client = this.current.get(kind);
    if (!client || client.used >= PER_CLIENT[kind]) {
      const n = this.next++ % 0x1000000;
      client = { ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, used: 0 };
      this.current.set(kind, client);
    }
    client.used++;
    return client.ip;
  }
}

const clients = new Clients();
const token = () => randomBytes(18).toString("base64url"); // 24 chars, what HolderToken accepts

// ---------------------------------------------------------------------------------------------
// Catalog and free slots

interface Service {
  id: string;
  providerId: string;
  providerName: string;
  name: string;
  priceAmount: number;
  requiresApproval: boolean;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

interface Slot {
  service: Service;
  start: string;
  /** [start - buffer before, end + buffer after): what a booking of it blocks. */
  fromMs: number;
  untilMs: number;
}

/** Providers and services through the API; buffers (not in the API) from the database. */
async function loadCatalog(db: pg.Client): Promise<Service[]> {
  const { providers } = await getJson<{ providers: Array<{ id: string; displayName: string }> }>("/api/v1/providers?limit=100");
  const buffers = await db.query<{ id: string; before: number; after: number }>(
    "select id, buffer_before_minutes as before, buffer_after_minutes as after from services",
  );
  const bufferOf = new Map(buffers.rows.map((r) => [r.id, r]));
  const services: Service[] = [];
  for (const provider of providers) {
    const detail = await getJson<{ services: Array<{ id: string; name: string; priceAmount: number; requiresApproval: boolean }> }>(`/api/v1/providers/${provider.id}`);
    for (const s of detail.services) {
      const b = bufferOf.get(s.id);
      services.push({
        id: s.id,
        providerId: provider.id,
        providerName: provider.displayName,
        name: s.name,
        priceAmount: s.priceAmount,
        requiresApproval: s.requiresApproval,
        bufferBeforeMinutes: b?.before ?? 0,
        bufferAfterMinutes: b?.after ?? 0,
      });
    }
  }
  return services;
}

function availabilityPath(service: Service, from: Date, to: Date): string {
  const q = new URLSearchParams({ serviceId: service.id, from: from.toISOString(), to: to.toISOString(), timeZone: "UTC" });
  return `/api/v1/providers/${service.providerId}/availability?${q}`;
}

/** Every free slot of every service over the next SEARCH_DAYS days, through the availability API. */
async function searchSlots(services: Service[]): Promise<Slot[]> {
  const from = new Date(Date.now() + NOTICE_MARGIN_MS);
  const to = new Date(Date.now() + SEARCH_DAYS * 86_400_000);
  const slots: Slot[] = [];
  for (const service of services) {
    const { slots: found } = await getJson<{ slots: Array<{ start: string; end: string }> }>(availabilityPath(service, from, to));
    for (const s of found) {
      slots.push({
        service,
        start: s.start,
        fromMs: Date.parse(s.start) - service.bufferBeforeMinutes * 60_000,
        untilMs: Date.parse(s.end) + service.bufferAfterMinutes * 60_000,
      });
    }
  }
  return slots;
}

/**
 * Per provider, the largest set of slots whose blocked ranges do not overlap (earliest end first is
 * optimal for interval scheduling): bookings of these can all succeed together.
 */
function disjointPerProvider(slots: Slot[]): Map<string, Slot[]> {
  const byProvider = new Map<string, Slot[]>();
  for (const slot of slots) byProvider.set(slot.service.providerId, [...(byProvider.get(slot.service.providerId) ?? []), slot]);
  const chosen = new Map<string, Slot[]>();
  for (const [providerId, list] of byProvider) {
    const picked: Slot[] = [];
    let freeFrom = -Infinity;
    for (const slot of [...list].sort((a, b) => a.untilMs - b.untilMs || a.fromMs - b.fromMs)) {
      if (slot.fromMs < freeFrom) continue;
      picked.push(slot);
      freeFrom = slot.untilMs;
    }
    chosen.set(providerId, picked);
  }
  return chosen;
}

/** Round-robin across providers, so a storm spreads over several Durable Objects at once. */
function interleave(groups: Slot[][]): Slot[] {
  const out: Slot[] = [];
  for (let i = 0; groups.some((g) => i < g.length); i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests of each kind

let bookingSeq = 0;
function book(slot: Slot): Promise<Sample> {
  const n = ++bookingSeq;
  return call("POST", "/api/v1/bookings", {
    ip: clients.ip("booking"),
    headers: { "idempotency-key": `bench-load-${RUN_ID}-${n}` },
    body: {
      serviceId: slot.service.id,
      providerId: slot.service.providerId,
      start: slot.start,
      timeZone: "Europe/Paris",
      customer: { name: "Bench Load", email: `bench-load+${RUN_ID}-${n}@example.test` },
    },
  });
}

function hold(slot: Slot, holderToken: string): Promise<Sample> {
  return call("POST", `/api/v1/providers/${slot.service.providerId}/holds`, {
    ip: clients.ip("hold"),
    body: { serviceId: slot.service.id, start: slot.start, holderToken, ttlSeconds: 120 },
  });
}

function release(providerId: string, holdId: string, holderToken: string): Promise<Sample> {
  return call("DELETE", `/api/v1/providers/${providerId}/holds/${holdId}`, { ip: clients.ip("hold"), headers: { "x-holder-token": holderToken } });
}

const errorOf = (body: unknown) => (body as { error?: { code?: string; alternatives?: unknown } } | null)?.error;

// ---------------------------------------------------------------------------------------------
// Phases

async function floorPhase(): Promise<Floor> {
  await pool(20, 5, () => call("GET", "/api/v1/openapi.json")); // warm the isolate and connections
  const serial = (await measure("floor openapi.json, serial", COUNTS.floorSerial, 1, () => call("GET", "/api/v1/openapi.json"))).stats;
  const concurrent = (await measure(`floor openapi.json, ${CONCURRENCY} in flight`, COUNTS.floorConcurrent, CONCURRENCY, () => call("GET", "/api/v1/openapi.json"))).stats;
  const floor = { serial, concurrent };
  report(serial, floor);
  report(concurrent, floor);
  return floor;
}

async function availabilityPhase(floor: Floor, service: Service) {
  const path = availabilityPath(service, new Date(Date.now() + 86_400_000), new Date(Date.now() + 8 * 86_400_000));
  await pool(10, 5, () => call("GET", path));
  const note = `${service.providerName} / ${service.name}, one week`;
  report((await measure("availability 7 days, serial", COUNTS.availSerial, 1, () => call("GET", path))).stats, floor, note);
  report((await measure(`availability 7 days, ${CONCURRENCY} in flight`, COUNTS.availConcurrent, CONCURRENCY, () => call("GET", path))).stats, floor, note);
}

/** Holds on distinct slots of one provider, then their release (so the slots stay bookable). */
async function holdsPhase(floor: Floor, slots: Slot[]) {
  if (slots.length === 0) return console.log("  holds: no free slot found, skipped");
  const tokens = slots.map(() => token());
  const held = await measure(`holds, ${CONCURRENCY} in flight`, slots.length, CONCURRENCY, (i) => hold(slots[i]!, tokens[i]!));
  report(held.stats, floor, `${slots[0]!.service.providerName}, ${slots.length} distinct slots, one holder token each; holds/s = req/s`);
  const toRelease = held.samples.flatMap((s, i) => (s.status === 201 ? [{ id: (s.body as { hold: { id: string } }).hold.id, token: tokens[i]! }] : []));
  const providerId = slots[0]!.service.providerId;
  const released = await measure(`hold release, ${CONCURRENCY} in flight`, toRelease.length, CONCURRENCY, (i) => release(providerId, toRelease[i]!.id, toRelease[i]!.token));
  report(released.stats, floor);
}

async function serialBookingPhase(floor: Floor, slots: Slot[]) {
  if (slots.length === 0) return console.log("  booking creation (free service): no free slot of a free service found, skipped");
  const result = await measure("create booking (free), serial", slots.length, 1, (i) => book(slots[i]!));
  const confirmed = result.samples.filter((s) => (s.body as { booking?: { status?: string } } | null)?.booking?.status === "confirmed").length;
  report(result.stats, floor, `${slots[0]!.service.providerName} / ${slots[0]!.service.name}, distinct free slots; ${confirmed} confirmed at once`);
}

async function spreadStormPhase(floor: Floor, slots: Slot[]) {
  if (slots.length === 0) return console.log("  spread storm: no free slots left, skipped");
  const result = await measure(`spread storm, ${CONCURRENCY} in flight`, slots.length, CONCURRENCY, (i) => book(slots[i]!));
  const won = result.stats.statuses.get(201) ?? 0;
  const providers = new Set(slots.map((s) => s.service.providerName));
  const verdict = won === slots.length ? "every attempt (none conflicting) succeeded" : `${slots.length - won} NON-CONFLICTING ATTEMPTS FAILED`;
  const failures = result.samples.filter((s) => s.status !== 201).slice(0, 3).map((s) => `${s.status} ${JSON.stringify(errorOf(s.body)?.code ?? s.body)}`);
  report(result.stats, floor, `${won}/${slots.length} created over ${providers.size} providers (${[...providers].join(", ")}); ${verdict}${failures.length ? `; e.g. ${failures.join("; ")}` : ""}`);
  // Where the tail comes from: latency per provider and per kind of service (paid ones start a payment).
  const groups = new Map<string, number[]>();
  result.samples.forEach((sample, i) => {
    const service = slots[i]!.service;
    const key = `${service.providerName}, ${service.priceAmount > 0 ? "paid" : "free"}${service.requiresApproval ? ", approval" : ""}`;
    const latencies = groups.get(key) ?? [];
    latencies.push(sample.ms);
    groups.set(key, latencies);
  });
  for (const [key, list] of [...groups].sort()) {
    const sorted = list.sort((a, b) => a - b);
    console.log(`      ${key}: n=${sorted.length} p50 ${ms(percentile(sorted, 50))} p95 ${ms(percentile(sorted, 95))}`);
  }
}

async function hotSlotPhase(floor: Floor, slot: Slot | undefined) {
  if (!slot) return console.log("  hot-slot storm: no free slot left, skipped");
  const result = await measure(`hot slot, ${CONCURRENCY} in flight`, COUNTS.hot, CONCURRENCY, () => book(slot));
  const winners = result.stats.statuses.get(201) ?? 0;
  const losers = result.samples.filter((s) => s.status !== 201);
  const good = losers.filter((s) => s.status === 409 && Array.isArray(errorOf(s.body)?.alternatives) && (errorOf(s.body)!.alternatives as unknown[]).length > 0).length;
  const ok = winners === 1 && good === losers.length;
  report(
    result.stats,
    floor,
    `${slot.service.providerName} / ${slot.service.name} at ${slot.start}: ${winners} winner(s), ${good}/${losers.length} losers 409 with alternatives, ` +
      `wall ${(result.stats.wallMs / 1000).toFixed(2)} s; ${ok ? "as expected" : "NOT AS EXPECTED"}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Final checks in SQL

async function overlappingBookings(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `select count(*) as n
       from bookings a join bookings b
         on a.provider_id = b.provider_id and a.id < b.id
        and tstzrange(a.occupied_from, a.occupied_until, '[)') && tstzrange(b.occupied_from, b.occupied_until, '[)')
      where a.status::text = any($1) and b.status::text = any($1)`,
    [[...OCCUPYING_STATUSES]],
  );
  return Number(rows[0]!.n);
}

async function bookingsOfRun(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>("select count(*) as n from bookings where customer_email like $1", [`bench-load+${RUN_ID}-%`]);
  return Number(rows[0]!.n);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    console.log(`bench-load ${SMOKE ? "(smoke) " : ""}against ${BASE_URL}, run ${RUN_ID}, ${CONCURRENCY} in flight`);
    console.log("note: bookings made here stay in the dev database and use up its free slots.\n");

    const services = await loadCatalog(db);
    const free = services.filter((s) => s.priceAmount === 0 && !s.requiresApproval);
    if (free.length === 0) console.log("NO FREE SERVICE (price 0, no approval) in the catalog: the free-booking and hot-slot phases are skipped.");
    const searchStarted = performance.now();
    const disjoint = disjointPerProvider(await searchSlots(services));
    const available = [...disjoint.values()].reduce((n, list) => n + list.length, 0);
    console.log(
      `${services.length} services of ${disjoint.size} providers; ${available} free slots that can all be booked together over ${SEARCH_DAYS} days ` +
        `(searched in ${Math.round(performance.now() - searchStarted)} ms)`,
    );

    // Split the disjoint slots: free-service slots for the serial bookings and the hot slot, the rest for the storm.
    const freeIds = new Set(free.map((s) => s.id));
    const freeSlots = [...disjoint.values()].flat().filter((s) => freeIds.has(s.service.id));
    const serialSlots = freeSlots.slice(0, COUNTS.bookSerial);
    const hotSlot = freeSlots[serialSlots.length];
    const taken = new Set([...serialSlots, ...(hotSlot ? [hotSlot] : [])]);
    // The storm leaves the hot slot's provider alone for the days its losers' alternatives come from
    // (domain/availability.ts ALTERNATIVES_HORIZON_DAYS), so "409 with alternatives" can be checked.
    const nearHot = (s: Slot) =>
      hotSlot !== undefined && s.service.providerId === hotSlot.service.providerId && Math.abs(s.fromMs - hotSlot.fromMs) < (ALTERNATIVES_HORIZON_DAYS + 2) * 86_400_000;
    const stormSlots = interleave([...disjoint.values()].map((list) => list.filter((s) => !taken.has(s) && !nearHot(s)))).slice(0, COUNTS.spread);
    if (stormSlots.length < COUNTS.spread) console.log(`only ${stormSlots.length} free slots left for the spread storm (wanted ${COUNTS.spread}); using those`);
    // Holds go first on slots the storm books later: they are released before it starts.
    const holdProvider = [...disjoint.entries()].sort((a, b) => b[1].length - a[1].length)[0];
    const holdSlots = (holdProvider?.[1] ?? []).filter((s) => !taken.has(s)).slice(0, COUNTS.holds);
    if (holdSlots.length < COUNTS.holds) console.log(`only ${holdSlots.length} free slots for holds (wanted ${COUNTS.holds}); using those`);

    console.log("");
    const floor = await floorPhase();
    await availabilityPhase(floor, free[0] ?? services[0]!);
    await holdsPhase(floor, holdSlots);
    await serialBookingPhase(floor, serialSlots);
    await spreadStormPhase(floor, stormSlots);
    await hotSlotPhase(floor, hotSlot);

    const overlaps = await overlappingBookings(db);
    const created = await bookingsOfRun(db);
    const errors = [...allStatuses].filter(([code]) => code >= 500 || code === 0).reduce((n, [, c]) => n + c, 0);
    const total = [...allStatuses.values()].reduce((a, b) => a + b, 0);
    console.log(`\noverlapping occupying bookings in Postgres: ${overlaps}${overlaps ? "  <-- DOUBLE BOOKING" : ""}`);
    console.log(`responses >= 500 (or network errors) over the whole run: ${errors} of ${total} requests [${statusText(allStatuses)}]`);
    console.log(`bookings this run left in the dev database: ${created} (guests bench-load+${RUN_ID}-*@example.test)`);
    printTable(floor);
    return overlaps === 0 && errors === 0 ? 0 : 1;
  } finally {
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
