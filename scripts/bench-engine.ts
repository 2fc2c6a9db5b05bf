// Benchmark of the pure availability engine (no database): a New York provider, one month
// (March 2026, so one DST change is inside), 2,000 busy intervals, computeSlots timed for the
// current engine and, alternating in the same run, for the previous implementation kept in
// domain/availability-reference.ts, with the ratio. Also timed, to show where the floor is: the
// engine fed no busy intervals, and reading the 4,000 input Instants alone (polyfill getters).
// The numeric path (the same busy time as epoch milliseconds in occupiedMs, as the provider object
// passes it) is timed with and without busy intervals too; its slots must equal the Instant path's.
//
//   npm run bench:engine
//   BENCH_ITERATIONS=500 npm run bench:engine
import { Temporal } from "@js-temporal/polyfill";
import { type AvailabilityInput, type Slot, computeSlots } from "../domain/availability";
import { previousEngine } from "../domain/availability-reference";

const ITERATIONS = Math.min(Math.max(Number(process.env.BENCH_ITERATIONS ?? 200) || 200, 10), 5000);
const WARMUP = 30;
const ZONE = "America/New_York";
const BUSY = 2_000;

/** Deterministic pseudo-random numbers, so every run measures the same input. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function scenario(): AvailabilityInput {
  const from = Temporal.PlainDate.from("2026-03-01").toZonedDateTime(ZONE).toInstant();
  const to = Temporal.PlainDate.from("2026-04-01").toZonedDateTime(ZONE).toInstant();
  const rnd = lcg(42);
  // External calendar events and bookings: mostly inside the month, some around it, 15-120 min,
  // any time of day, so working hours are neither empty nor fully booked.
  const occupied = Array.from({ length: BUSY }, () => {
    const start = from.add({ minutes: Math.floor((rnd() * 120 - 45) * 1440 / 5) * 5 });
    return { start, end: start.add({ minutes: 15 * (1 + Math.floor(rnd() * 8)) }) };
  });
  return {
    providerZone: ZONE,
    weekly: [1, 2, 3, 4, 5, 6].map((weekday) => ({
      weekday: weekday as 1 | 2 | 3 | 4 | 5 | 6,
      ranges: [
        { start: "09:00", end: "12:30" },
        { start: "13:30", end: "18:00" },
      ],
    })),
    overrides: [{ date: "2026-03-14", ranges: [{ start: "10:00", end: "14:00" }] }],
    service: {
      durationMinutes: 45,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 15,
      slotIntervalMinutes: 15,
      minNoticeMinutes: 120,
      bookingWindowDays: 60,
    },
    occupied,
    now: from.subtract({ hours: 5 }),
    from,
    to,
    customerZone: "Europe/Paris",
  };
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

interface Summary {
  min: number;
  p50: number;
  p95: number;
  p99: number;
}

function summary(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0]!, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

function timeSync(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Times the variants alternately, so drift (GC, JIT, a busy machine) hits all of them alike. */
function measure(variants: Record<string, () => unknown>): Record<string, Summary> {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const n of names) {
      const t = timeSync(variants[n]!);
      if (i >= WARMUP) samples[n]!.push(t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summary(samples[n]!)]));
}

const fmt = (ms: number) => `${ms.toFixed(3).padStart(8)} ms`;
const row = (label: string, s: Summary) =>
  console.log(`  ${label.padEnd(40)} min ${fmt(s.min)}  p50 ${fmt(s.p50)}  p95 ${fmt(s.p95)}  p99 ${fmt(s.p99)}`);
const ratio = (label: string, a: Summary, b: Summary) => {
  const r = (x: number, y: number) => `${(x / y).toFixed(2).padStart(8)} x `;
  console.log(`  ${label.padEnd(40)} min ${r(a.min, b.min)}  p50 ${r(a.p50, b.p50)}  p95 ${r(a.p95, b.p95)}  p99 ${r(a.p99, b.p99)}`);
};

const keys = (slots: Slot[]) =>
  slots.map((s) => [s.start, s.end, s.startUtc, s.endUtc, s.startCustomer, s.startProvider, s.endCustomer, s.endProvider].join(" "));

function main() {
  const input = scenario();
  const current = computeSlots(input);
  if (keys(current).join("\n") !== keys(previousEngine.computeSlots(input)).join("\n")) {
    throw new Error("the current and the previous engine disagree on the benchmark input");
  }
  const idle = { ...input, occupied: [] };
  const numeric: AvailabilityInput = {
    ...idle,
    occupiedMs: input.occupied.map((o) => ({ startMs: o.start.epochMilliseconds, endMs: o.end.epochMilliseconds })),
  };
  if (keys(computeSlots(numeric)).join("\n") !== keys(current).join("\n")) {
    throw new Error("the numeric path and the Instant path disagree on the benchmark input");
  }
  console.log(
    `computeSlots, ${ZONE}, ${input.from} .. ${input.to}, ${BUSY} busy intervals, ${current.length} slots ` +
      `(${computeSlots(idle).length} with none busy); ${ITERATIONS} runs each, node ${process.version}`
  );
  const r = measure({
    current: () => computeSlots(input),
    previous: () => previousEngine.computeSlots(input),
    currentIdle: () => computeSlots(idle),
    numeric: () => computeSlots(numeric),
    numericIdle: () => computeSlots({ ...idle, occupiedMs: [] }),
    previousIdle: () => previousEngine.computeSlots(idle),
    read: () => {
      let x = 0;
      for (const o of input.occupied) x += o.start.epochMilliseconds + o.end.epochMilliseconds;
      return x;
    },
  });
  row("current engine", r.current!);
  row("previous engine (baseline)", r.previous!);
  ratio("previous / current", r.previous!, r.current!);
  console.log("");
  row("current engine, no busy intervals", r.currentIdle!);
  row("previous engine, no busy intervals", r.previousIdle!);
  ratio("previous / current", r.previousIdle!, r.currentIdle!);
  console.log("");
  row("numeric path (occupiedMs)", r.numeric!);
  ratio("previous / numeric path", r.previous!, r.numeric!);
  row("numeric path, no busy intervals", r.numericIdle!);
  ratio("previous / numeric path, no busy", r.previousIdle!, r.numericIdle!);
  console.log("");
  row(`reading ${2 * BUSY} Instants (epochMilliseconds)`, r.read!);
}

main();
