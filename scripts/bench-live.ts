// Benchmark of the provider Durable Object: hold throughput under contention, and the latency from a
// booking change to its arrival at many subscribed WebSockets, each with a baseline from the same run.
//
//   npx tsx scripts/bench-live.ts                 # mirror-only object (no Postgres)
//   npx tsx scripts/bench-live.ts --postgres      # with the local stack: holds also ask Postgres
//   options: --sockets 1000 --changes 20 --holds 2000 --clients 50 --receiver-threads 2
//
// How it runs: wrangler bundles the Worker (`wrangler deploy --dry-run --outdir`), Miniflare runs the
// bundle on loopback with in-memory storage next to a tiny gateway Worker. Clients speak HTTP and
// WebSocket over 127.0.0.1 (fetch, `ws`): POST /bench/:provider/rpc/:method makes the gateway call
// that RPC method on the object (client -> Worker -> object, as the real routes do).
// Without Postgres the app Worker refuses to start (DATABASE_URL is required) while the object must
// run mirror-only, so sockets then connect through the gateway, which forwards to the object the way
// workers/api/live.ts does after authorizing. With --postgres they use the real route.
// Bounded: a watchdog ends the process after 5 minutes whatever happens.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Miniflare, supportedCompatibilityDate } from "miniflare";
import { AUDIENCE_HEADER } from "../durable-objects/live-messages";
import type { HoldResult, ProviderSchedule } from "../durable-objects/provider-schedule";
import { SocketReceivers, wallNow } from "./lib/socket-receivers";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const num = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};
const SOCKETS = num("sockets", 1000);
const CHANGES = num("changes", 20);
const HOLDS = num("holds", 2000);
const CLIENTS = num("clients", 50);
// Receivers: the sockets are spread over this many Node worker threads (one thread's parse backlog is not the object's latency).
const RECEIVER_THREADS = num("receiver-threads", Math.max(2, Math.min(4, os.availableParallelism())));
const WITH_POSTGRES = flag("postgres");

const watchdog = setTimeout(() => {
  console.error("bench-live: watchdog fired after 5 minutes, giving up");
  process.exit(2);
}, 5 * 60_000);
watchdog.unref();

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------
// Start

function bundleWorker(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-live-"));
  const started = performance.now();
  // wrangler needs Node >= 22; run it with the Node running this script (npx puts the project's first).
  const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const result = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  if (result.status !== 0) throw new Error(`wrangler bundle failed:\n${result.stdout}\n${result.stderr}`);
  log(`bundled the Worker in ${Math.round(performance.now() - started)} ms`);
  return path.join(outdir, "entry.js");
}

function tomlVars(): Record<string, string> {
  const text = fs.readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const vars: Record<string, string> = {};
  const section = text.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  for (const m of section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)) vars[m[1]!] = m[2]!;
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  if (date) vars.__compatibility_date = date;
  return vars;
}

const GATEWAY = `
const RPC = new Set(["hold", "bookingChanged", "liveSubscriberCount", "liveHoldCount"]);
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const rpc = url.pathname.match(/^\\/bench\\/([^/]+)\\/rpc\\/(\\w+)$/);
    if (rpc && RPC.has(rpc[2])) {
      const stub = env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(rpc[1]));
      try {
        return Response.json(await stub[rpc[2]](...(await request.json())));
      } catch (error) {
        return Response.json({ error: String(error) }, { status: 500 });
      }
    }
    const ws = url.pathname.match(/^\\/bench\\/([^/]+)\\/ws$/);
    if (!ws) return env.APP.fetch(request);
    const headers = new Headers(request.headers);
    headers.set(${JSON.stringify(AUDIENCE_HEADER)}, "public");
    const stub = env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(ws[1]));
    return stub.fetch(new Request("https://provider-schedule/ws" + url.search, { headers }));
  },
};`;

// ---------------------------------------------------------------------------------------------
// Helpers

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const T0 = Date.parse("2031-06-02T08:00:00Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type Stub = Pick<ProviderSchedule, "hold" | "bookingChanged" | "liveSubscriberCount">;

/** The object's RPC methods, called through the gateway Worker over loopback HTTP. */
function rpcClient(origin: string, providerId: string): Stub {
  const call = async (method: string, ...params: unknown[]) => {
    const response = await fetch(`${origin}/bench/${providerId}/rpc/${method}`, { method: "POST", body: JSON.stringify(params) });
    const body = (await response.json()) as { error?: string };
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    return body;
  };
  return {
    hold: (input) => call("hold", input) as never,
    bookingChanged: (input) => call("bookingChanged", input) as never,
    liveSubscriberCount: () => call("liveSubscriberCount") as never,
  };
}

async function holdBench(stub: Stub, contention: boolean, total = HOLDS): Promise<{ perSecond: number; counts: Record<string, number>; ms: number }> {
  // "granted" counts distinct holds; "repeat" is a holder re-asking for the slot it already holds
  // (answered with its existing hold, by design).
  const counts: Record<string, number> = { granted: 0, repeat: 0, HELD: 0, BOOKED: 0, LIMIT: 0, error: 0 };
  const holdIds = new Set<string>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        // Contention: 40 start times 15 minutes apart, 60-minute slots (each overlaps 7 others),
        // 300 holders (so the per-holder limit also bites). Baseline: every request its own slot and holder.
        const start = contention ? (i * 7919) % 40 * 15 : i * 60;
        const holder = contention ? `bench-holder-${(i * 31) % 300}` : `bench-solo-${i}`;
        try {
          const r: HoldResult = await stub.hold({
            holder,
            serviceId: "bench-service",
            start: iso(start),
            durationMinutes: 60,
            bufferBeforeMinutes: 0,
            bufferAfterMinutes: 0,
          });
          if (!r.ok) counts[r.reason]!++;
          else if (holdIds.has(r.hold.id)) counts.repeat!++;
          else {
            holdIds.add(r.hold.id);
            counts.granted!++;
          }
        } catch {
          counts.error!++;
        }
      }
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: (total / ms) * 1000, counts, ms };
}

async function fanOutBench(stub: Stub, socketUrl: string, n: number): Promise<{ all: number[]; last: number[]; lost: number }> {
  const receivers = await SocketReceivers.open(socketUrl, n, RECEIVER_THREADS);
  try {
    const subscribers = await stub.liveSubscriberCount();
    if (subscribers.webSockets !== n) throw new Error(`expected ${n} subscribers, object has ${subscribers.webSockets}`);
    const all: number[] = [];
    const last: number[] = [];
    let lost = 0;
    const WARMUP = 3;
    for (let c = 0; c < WARMUP + CHANGES; c++) {
      const change = {
        kind: c % 2 === 0 ? ("booked" as const) : ("cancelled" as const),
        bookingId: "bench-booking",
        interval: { start: iso(600), end: iso(660), occupiedFrom: iso(600), occupiedUntil: iso(660) },
        details: { confirmationCode: "BENCH", customerName: "Bench Customer", serviceName: "Bench", status: c % 2 === 0 ? "confirmed" : "cancelled" },
      };
      // From just before the call that makes the change to each socket's arrival, on one wall clock.
      const t0 = wallNow();
      const { seq } = await stub.bookingChanged(change);
      const got = await receivers.arrivals(seq, 10_000);
      if (c >= WARMUP) {
        lost += n - got.length;
        const latencies = got.map((t) => t - t0);
        all.push(...latencies);
        last.push(Math.max(...latencies));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return { all: all.sort((a, b) => a - b), last: last.sort((a, b) => a - b), lost };
  } finally {
    await receivers.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const vars = tomlVars();
  const wanted = vars.__compatibility_date ?? supportedCompatibilityDate;
  delete vars.__compatibility_date;
  // The Miniflare package may ship an older workerd than wrangler.toml asks for; use the nearest date it supports.
  const compatibilityDate = wanted > supportedCompatibilityDate ? supportedCompatibilityDate : wanted;

  let stack: { vars: Record<string, string>; stop(): Promise<void> } | undefined;
  if (WITH_POSTGRES) {
    const { startLocalStack } = await import("./lib/local-stack");
    stack = await startLocalStack({ mode: "test", projectRoot: root, log });
  }
  const script = bundleWorker();
  const bindings: Record<string, string> = {
    ...vars,
    APP_ENV: "test",
    SESSION_SECRET: "bench-session-secret-bench-session-secret",
    STRIPE_SECRET_KEY: "sk_test_bench",
    STRIPE_WEBHOOK_SECRET: "whsec_bench",
    DATABASE_URL: "",
    ...(stack?.vars ?? {}),
  };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "gateway",
        modules: true,
        script: GATEWAY,
        compatibilityDate,
        serviceBindings: { APP: "app" },
        durableObjects: { PROVIDER_SCHEDULE: { className: "ProviderSchedule", scriptName: "app", useSQLite: true } },
      },
      {
        name: "app",
        // Listed explicitly: the bundle is self-contained, and Miniflare's import walker refuses its dynamic import()s.
        modules: [{ type: "ESModule", path: script }],
        modulesRoot: path.dirname(script),
        compatibilityDate,
        compatibilityFlags: ["nodejs_compat"],
        bindings,
        durableObjects: { PROVIDER_SCHEDULE: { className: "ProviderSchedule", useSQLite: true } },
      },
    ],
  });
  try {
    const url = await mf.ready;
    log(`worker on ${url.origin} (compatibility date ${compatibilityDate}; Postgres: ${WITH_POSTGRES ? "yes" : "no, mirror only"})`);
    const stubFor = (id: string) => rpcClient(url.origin, id);
    const socketUrl = (id: string) =>
      WITH_POSTGRES
        ? `ws://127.0.0.1:${url.port}/api/v1/providers/${id}/live`
        : `ws://127.0.0.1:${url.port}/bench/${id}/ws`;
    const fanOut = (n: number) => {
      const id = crypto.randomUUID();
      return fanOutBench(stubFor(id), socketUrl(id), n);
    };

    // Warm both paths once (isolate start, Temporal polyfill, SQLite schema).
    await holdBench(stubFor(crypto.randomUUID()), false, 200);

    log(`\nholds: ${HOLDS} requests from ${CLIENTS} concurrent clients`);
    const baseline = await holdBench(stubFor(crypto.randomUUID()), false);
    const contended = await holdBench(stubFor(crypto.randomUUID()), true);
    log(`  baseline (no contention)   ${baseline.perSecond.toFixed(0)} holds/s  ${JSON.stringify(baseline.counts)}`);
    log(`  overlapping slots          ${contended.perSecond.toFixed(0)} holds/s  ${JSON.stringify(contended.counts)}`);
    log(`  contention / baseline      ${(contended.perSecond / baseline.perSecond).toFixed(2)}x throughput`);

    log(`\nfan-out: booking change -> arrival at subscribed WebSockets (${CHANGES} changes after 3 warm-up; receivers on ${RECEIVER_THREADS} threads)`);
    const one = await fanOut(1);
    const many = await fanOut(SOCKETS);
    const line = (label: string, r: { all: number[]; last: number[]; lost: number }) =>
      `  ${label.padEnd(13)} p50 ${fmt(percentile(r.all, 50))}  p95 ${fmt(percentile(r.all, 95))}  p99 ${fmt(percentile(r.all, 99))}` +
      `  last socket p50 ${fmt(percentile(r.last, 50))}  lost ${r.lost}`;
    log(line("1 socket", one));
    log(line(`${SOCKETS} sockets`, many));
    log(
      `  ratio ${SOCKETS}/1        p50 ${(percentile(many.all, 50) / percentile(one.all, 50)).toFixed(1)}x  p99 ${(percentile(many.all, 99) / percentile(one.all, 99)).toFixed(1)}x`,
    );
  } finally {
    await mf.dispose();
    await stack?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
