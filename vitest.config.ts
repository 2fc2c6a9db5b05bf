// Node-side tests: the pure domain core (tests/unit), integration against real Postgres (tests/db),
// and the Stripe stand-in (tests/stripe). Workerd tests live in vitest.workers.config.mts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/db/**/*.test.ts", "tests/stripe/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: DB suites share one Postgres; files run in parallel, tests inside a file in order.
    maxWorkers: 2,
  },
});
