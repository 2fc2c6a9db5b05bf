// `npm test`: one command for every suite. Starts its own Postgres (unless DATABASE_URL is set), the
// Neon WebSocket proxy and the Stripe stand-in, migrates, then runs in order:
//   1. Node tests (domain core, Postgres integration, Stripe stand-in)   vitest.config.ts
//   2. the Remix build, then tests inside workerd (Worker, DO, cron)      vitest.workers.config.mts
//   3. end-to-end tests in headless Chromium                              tests/e2e (when present)
// Extra arguments are passed to vitest, e.g. `npm test -- tests/unit`.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "./lib/local-stack";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv.slice(2);

function run(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

const stack = await startLocalStack({ mode: "test", projectRoot: root });
let failed = 0;
const suites: Array<[string, () => Promise<number>]> = [
  ["node", () => run(bin("vitest"), ["run", ...only], stack.vars)],
];
if (only.length === 0) {
  suites.push(
    ["build", () => run(bin("remix"), ["vite:build", "--logLevel", "warn"], stack.vars)],
    ["workerd", () => run(bin("vitest"), ["run", "--config", "vitest.workers.config.mts"], stack.vars)],
  );
}
try {
  for (const [name, suite] of suites) {
    console.log(`\n=== ${name} ===`);
    const code = await suite();
    if (code !== 0) {
      console.error(`=== ${name} failed (exit ${code}) ===`);
      failed++;
      if (name === "build") break;
    }
  }
} finally {
  await stack.stop();
}
console.log(failed === 0 ? "\nall suites passed" : `\n${failed} suite(s) failed`);
process.exit(failed === 0 ? 0 : 1);
