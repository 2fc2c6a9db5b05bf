// `npm run dev`: everything on a fresh machine with no configuration. Starts the embedded Postgres
// (data kept in .data/postgres between runs), the Neon WebSocket proxy and the Stripe stand-in,
// migrates, seeds demo data on first run, builds the Remix app, and serves the Worker with its Durable
// Object through `wrangler dev --test-scheduled`, and fires wrangler.toml's Cron Triggers on their
// schedule (scripts/lib/dev-cron.ts; DEV_CRONS=off leaves them to be fired by hand). Ctrl-C stops all of it.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ws from "ws";
import { configureNeon, withDatabase } from "../db/client";
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemoData } from "../db/seed";
import { loadConfig } from "../workers/env";
import { fireScheduled, startDevCrons, type DevCrons } from "./lib/dev-cron";
import { startLocalStack } from "./lib/local-stack";
import { startWranglerDev, type RunningWorker } from "./lib/wrangler-dev";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8787);

const stack = await startLocalStack({ mode: "dev", projectRoot: root });
let worker: RunningWorker | undefined;
let crons: DevCrons | undefined;
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  crons?.stop();
  await worker?.stop();
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const vars = {
    ...stack.vars,
    APP_ENV: "development",
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SESSION_SECRET: process.env.SESSION_SECRET ?? "dev-only-session-secret-change-me-in-production",
  };
  loadConfig(vars); // the Worker's own validation, before anything else starts
  stack.setWebhookUrl(`http://127.0.0.1:${port}/api/v1/webhooks/stripe`);

  configureNeon({ wsProxy: vars.NEON_WS_PROXY, webSocketConstructor: ws });
  const { seeded } = await withDatabase(vars, (db) => seedDemoData(db));
  console.log(seeded ? "demo data seeded" : "database already has data; seed skipped");

  await new Promise<void>((resolve, reject) => {
    const build = spawn(path.join(root, "node_modules", ".bin", "remix"), ["vite:build", "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
    build.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`build failed (exit ${code})`))));
  });

  worker = await startWranglerDev({ root, port, vars, onOutput: (text) => process.stdout.write(text) });
  worker.process.once("exit", (code) => void shutdown(code ?? 0));
  const url = worker.url;
  if (process.env.DEV_CRONS !== "off") crons = startDevCrons(path.join(root, "wrangler.toml"), (cron) => fireScheduled(url, cron));
  console.log(`\n  Edge Booking is running at ${worker.url}/`);
  console.log(`  Demo logins (password "${DEMO_PASSWORD}"):`);
  for (const login of DEMO_LOGINS) console.log(`    ${login.role.padEnd(9)} ${login.email}`);
  console.log(
    crons
      ? `  Cron Triggers run on their schedule (UTC): ${crons.crons.join(", ")}; DEV_CRONS=off turns that off.`
      : "  Cron Triggers are off (DEV_CRONS=off).",
  );
  console.log(`  Fire one now: curl "${worker.url}/__scheduled?cron=*+*+*+*+*"  (housekeeping; */15 for payouts)`);
  console.log(`  Stripe stand-in: ${vars.STRIPE_API_BASE}   Ctrl-C stops everything.\n`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
}
