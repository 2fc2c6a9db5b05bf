// Builds the Remix app for the Worker: build/server (imported by workers/entry.ts) and build/client
// (served by wrangler [assets]). There is no Vite dev server in this setup: `npm run dev` builds and
// runs the real Worker under wrangler, Durable Object and cron included.
import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  ssr: {
    resolve: { conditions: ["workerd", "worker", "browser"], externalConditions: ["workerd", "worker"] },
  },
  resolve: { mainFields: ["browser", "module", "main"] },
  build: {
    minify: true,
    rollupOptions: {
      // Resource routes (the .ics files, the release beacon, the payment return) have no client code,
      // so their client chunks are empty by design; saying so on every build only hides real warnings.
      onwarn(warning, warn) {
        if (warning.code === "EMPTY_BUNDLE") return;
        warn(warning);
      },
    },
  },
});
