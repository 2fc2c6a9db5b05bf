// `npm test`: one command for every suite. Starts its own Postgres (unless DATABASE_URL is set), the
// Neon WebSocket proxy and the Stripe stand-in, migrates, then runs in order:
//   0. the type check (tsc, strict, no unused code)
//   1. Node tests: domain core, Postgres integration, Stripe stand-in     (vitest.config.ts)
//   2. the Remix build, then tests inside workerd: Worker, DO, cron        (vitest.workers.config.mts)
//   3. end-to-end tests in headless Chromium against `wrangler dev`       (vitest.e2e.config.ts)
//      with demo data in a database of their own.
// Extra arguments run only the node suites with those vitest filters, e.g. `npm test -- tests/unit`.
// TEST_STAGES=build,e2e (any of types, node, build, workerd, e2e) runs only those stages; E2E_FILTER narrows
// the end-to-end files, e.g. TEST_STAGES=build,e2e E2E_FILTER=booking npm test, and WORKERD_FILTER the workerd ones.
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ws from "ws";
import { configureNeon, withDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { seedDemoData } from "../db/seed";
import { startFaultRelay } from "./lib/fault-relay";
import { startLocalStack } from "./lib/local-stack";
import { createFreshSiblingDatabase } from "./lib/sibling-database";
import { freePort, startWranglerDev } from "./lib/wrangler-dev";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv.slice(2);
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

function run(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const stack = await startLocalStack({ mode: "test", projectRoot: root });
// Each vitest stage also writes a JSON report here, so the last lines of a long log can name what failed.
const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), "edge-booking-test-reports-"));
const reportArgs = (stage: string) => ["--reporter=default", "--reporter=json", `--outputFile.json=${path.join(reportDir, `${stage}.json`)}`];
const testVars = { ...stack.vars, APP_ENV: "test", SESSION_SECRET: "test-session-secret-test-session-secret" };

const CHROMIUM = "/usr/bin/chromium";

/**
 * The end-to-end tests drive the machine's Chromium (Playwright cannot download browsers offline).
 * On a fresh Debian machine, as root, install it from Debian's packages; otherwise say what to do.
 */
async function ensureChromium(): Promise<void> {
  if (process.env.CHROMIUM_PATH || (await fs.access(CHROMIUM).then(() => true, () => false))) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (sudo apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  console.log("installing chromium from Debian's packages for the end-to-end tests …");
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if ((await run("apt-get", ["update", "-qq"], env)) !== 0 || (await run("apt-get", ["install", "-y", "-qq", "chromium"], env)) !== 0) {
    throw new Error("apt-get could not install chromium");
  }
}

async function endToEnd(): Promise<number> {
  await ensureChromium();
  const databaseUrl = await createFreshSiblingDatabase(stack.vars.DATABASE_URL, "booking_e2e");
  await migrateDatabase(databaseUrl);
  const port = await freePort();
  const vars = { ...testVars, DATABASE_URL: databaseUrl, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` };
  configureNeon({ wsProxy: vars.NEON_WS_PROXY, webSocketConstructor: ws });
  await withDatabase(vars, (db) => seedDemoData(db));
  stack.setWebhookUrl(`http://127.0.0.1:${port}/api/v1/webhooks/stripe`);
  const persistTo = await fs.mkdtemp(path.join(os.tmpdir(), "edge-booking-e2e-state-"));
  const worker = await startWranglerDev({ root, port, vars, persistTo });
  try {
    const filter = process.env.E2E_FILTER ? [process.env.E2E_FILTER] : [];
    return await run(bin("vitest"), ["run", "--config", "vitest.e2e.config.ts", ...reportArgs("e2e"), ...filter], { ...vars, E2E_BASE_URL: worker.url });
  } finally {
    await worker.stop();
    await fs.rm(persistTo, { recursive: true, force: true });
  }
}

/** The workerd suites, with a Postgres relay the fault suite can cut (scripts/lib/fault-relay.ts). */
async function workerd(): Promise<number> {
  const postgres = new URL(stack.vars.DATABASE_URL);
  const relay = await startFaultRelay({ host: postgres.hostname, port: Number(postgres.port) });
  const viaRelay = new URL(postgres);
  viaRelay.port = String(relay.port);
  try {
    const filter = process.env.WORKERD_FILTER ? [process.env.WORKERD_FILTER] : [];
    return await run(bin("vitest"), ["run", "--config", "vitest.workers.config.mts", ...reportArgs("workerd"), ...filter], {
      ...testVars,
      FAULT_DATABASE_URL: viaRelay.toString(),
      FAULT_CONTROL_URL: relay.controlUrl,
      // tests/workers/suite-guard.test.ts: under npm test the Postgres-backed suites must run, not skip.
      REQUIRE_POSTGRES: "1",
    });
  } finally {
    await relay.close();
  }
}

const suites: Array<[string, () => Promise<number>]> = [["node", () => run(bin("vitest"), ["run", ...reportArgs("node"), ...only], testVars)]];
if (only.length === 0) {
  suites.unshift(["types", () => run(bin("tsc"), ["--noEmit", "-p", "."], testVars)]);
  suites.push(
    ["build", () => run(bin("remix"), ["vite:build", "--logLevel", "warn"], testVars)],
    ["workerd", workerd],
    ["e2e", endToEnd],
  );
}

const stages = process.env.TEST_STAGES?.split(",").map((stage: string) => stage.trim());
if (stages) suites.splice(0, suites.length, ...suites.filter(([name]) => stages.includes(name)));

/** The parts of vitest's JSON report read here. */
interface Report {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: Array<{ name: string; message?: string; assertionResults?: Array<{ fullName: string; status: string; failureMessages?: string[] }> }>;
}

/** A stage's JSON report, or null when it wrote none (not a vitest stage, or it stopped before the end). */
function readReport(stage: string): Promise<Report | null> {
  return fs.readFile(path.join(reportDir, `${stage}.json`), "utf8").then((text) => JSON.parse(text) as Report, () => null);
}

/** "file › test: first line of the error" for every failed test in a stage's JSON report. */
async function failedTests(stage: string): Promise<string[]> {
  const report = await readReport(stage);
  if (!report) return [`(no report: the ${stage} stage stopped before vitest finished)`];
  return (report.testResults ?? []).flatMap((file) => {
    const name = path.relative(root, file.name);
    const failures = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    if (failures.length === 0 && file.message) return [`${name}: ${file.message.split("\n")[0]}`];
    return failures.map((test) => `${name} › ${test.fullName}: ${(test.failureMessages?.[0] ?? "").split("\n")[0]}`);
  });
}

/**
 * Tests over all stages that ran, from their JSON reports. A failed stage without tests of its own
 * (types, build) or without a report (it stopped before vitest finished) counts as one failure, so the
 * line says "0 failed" only when everything passed.
 */
async function countTests(ran: string[], failedStageNames: string[]): Promise<{ passed: number; failed: number; skipped: number }> {
  const count = { passed: 0, failed: 0, skipped: 0 };
  for (const stage of ran) {
    const report = await readReport(stage);
    if (report) {
      count.passed += report.numPassedTests ?? 0;
      count.failed += report.numFailedTests ?? 0;
      count.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      if (failedStageNames.includes(stage) && (report.numFailedTests ?? 0) === 0) count.failed++; // e.g. a file that failed to load
    } else if (failedStageNames.includes(stage)) {
      count.failed++;
    }
  }
  return count;
}

const failedStages: string[] = [];
let failed = 0;
try {
  for (const [name, suite] of suites) {
    console.log(`\n=== ${name} ===`);
    const code = await suite().catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      return 1;
    });
    if (code !== 0) {
      console.error(`=== ${name} failed (exit ${code}) ===`);
      failedStages.push(name);
      failed++;
      if (name === "build") break; // later stages need the build
    }
  }
} finally {
  await stack.stop();
}
for (const stage of failedStages.filter((name) => name !== "build" && name !== "types")) {
  console.error(`\nfailed in ${stage}:`);
  for (const line of await failedTests(stage)) console.error(`  ${line}`);
}
const count = await countTests(suites.map(([name]) => name), failedStages);
await fs.rm(reportDir, { recursive: true, force: true });
console.log(failed === 0 ? "\nall suites passed" : `\n${failed} suite(s) failed: ${failedStages.join(", ")}`);
// The last line, for any CI to read: every stage's tests, counted from vitest's JSON reports.
console.log(`${count.passed} passed, ${count.failed} failed${count.skipped > 0 ? `, ${count.skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
