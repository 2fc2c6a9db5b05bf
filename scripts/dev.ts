// `npm run dev`: everything on a fresh machine with no configuration. Starts the embedded Postgres
// (data kept in .data/postgres between runs), the Neon WebSocket proxy and the Stripe stand-in,
// migrates, seeds demo data on first run, builds the Remix app, and serves the Worker with its Durable
// Object and cron triggers through `wrangler dev --test-scheduled`. Ctrl-C stops all of it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ws from "ws";
import { configureNeon, withDatabase } from "../db/client";
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemoData } from "../db/seed";
import { loadConfig } from "../workers/env";
import { startLocalStack } from "./lib/local-stack";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8787);
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const children = new Set<ChildProcess>();

const stack = await startLocalStack({ mode: "dev", projectRoot: root });
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGINT");
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const vars = {
    ...stack.vars,
    APP_ENV: "development",
    SESSION_SECRET: process.env.SESSION_SECRET ?? "dev-only-session-secret-change-me-in-production",
  };
  // Same validation the Worker does, before anything else starts.
  loadConfig(vars);
  stack.setWebhookUrl(`http://127.0.0.1:${port}/api/v1/webhooks/stripe`);

  configureNeon({ wsProxy: vars.NEON_WS_PROXY, webSocketConstructor: ws });
  const { seeded } = await withDatabase(vars, (db) => seedDemoData(db));
  console.log(seeded ? "demo data seeded" : "database already has data; seed skipped");

  await new Promise<void>((resolve, reject) => {
    const build = spawn(bin("remix"), ["vite:build", "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
    children.add(build);
    build.on("exit", (code) => (children.delete(build), code === 0 ? resolve() : reject(new Error(`build failed (${code})`))));
  });

  const varArgs = Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  const wrangler = spawn(
    bin("wrangler"),
    ["dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...varArgs],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  children.add(wrangler);
  let announced = false;
  wrangler.stdout!.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!announced && /Ready on/i.test(chunk.toString())) {
      announced = true;
      console.log(`\n  Edge Booking is running at http://127.0.0.1:${port}/`);
      console.log(`  Demo logins (password "${DEMO_PASSWORD}"):`);
      for (const login of DEMO_LOGINS) console.log(`    ${login.role.padEnd(9)} ${login.email}`);
      console.log(`  Cron: curl "http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*"  (housekeeping)`);
      console.log(`  Stripe stand-in: ${vars.STRIPE_API_BASE}   Ctrl-C stops everything.\n`);
    }
  });
  wrangler.on("exit", (code) => void shutdown(code ?? 0));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
}
