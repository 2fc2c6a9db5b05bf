// Tests that run inside workerd through Cloudflare's vitest plugin (the renamed successor of
// @cloudflare/vitest-pool-workers): the Worker's fetch and scheduled handlers and the Durable Object.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          APP_ENV: "test",
          DATABASE_URL: process.env.DATABASE_URL ?? "",
          NEON_WS_PROXY: process.env.NEON_WS_PROXY ?? "",
          SESSION_SECRET: "test-session-secret-test-session-secret",
          STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? "sk_test_standin",
          STRIPE_API_BASE: process.env.STRIPE_API_BASE ?? "",
          STRIPE_WEBHOOK_SECRET: process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_test_standin",
          // tests/workers/faults.test.ts: Postgres through a relay it can cut (started by scripts/test.ts).
          FAULT_DATABASE_URL: process.env.FAULT_DATABASE_URL ?? "",
          FAULT_CONTROL_URL: process.env.FAULT_CONTROL_URL ?? "",
          REQUIRE_POSTGRES: process.env.REQUIRE_POSTGRES ?? "",
          // tests/workers/api-fuzz.test.ts: another seed or more runs, e.g. FUZZ_SEED=7 FUZZ_RUNS=200.
          FUZZ_SEED: process.env.FUZZ_SEED ?? "",
          FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
        },
      },
    }),
  ],
  test: {
    include: ["tests/workers/**/*.test.ts"],
    // Remix's Cloudflare adapter is CommonJS with a require cycle that the module runner cannot
    // evaluate lazily; pre-bundling it with esbuild (as wrangler does for the real Worker) fixes that.
    deps: {
      optimizer: {
        ssr: { enabled: true, include: ["@remix-run/cloudflare", "@remix-run/server-runtime", "cookie", "set-cookie-parser"] },
      },
    },
    testTimeout: 60_000,
  },
});
