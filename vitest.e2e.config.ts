// End-to-end tests: a real headless Chromium (the machine's, driven by playwright-core) against the
// Worker served by `wrangler dev`. `npm test` starts the Worker and sets E2E_BASE_URL.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.e2e.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // One browser at a time: two cores are shared with the Worker and Postgres.
    fileParallelism: false,
  },
});
