// What every Remix loader and action receives from the Worker entry (workers/entry.ts).
import type { DatabaseHandle } from "../db/client";
import type { AppConfig, Env } from "../workers/env";
import type { TransientFailure } from "../workers/http/transient-failure";
import type { MetricBuffer } from "../workers/metrics/record";

declare module "@remix-run/cloudflare" {
  /** Single fetch is on (vite.config.ts): loaders' data() results are typed as such. */
  interface Future {
    v3_singleFetch: true;
  }
  interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext; config: AppConfig };
    /** Per-request database; connects on first use, closed by the entry when the request ends. */
    database: DatabaseHandle;
    /** Per-request Content-Security-Policy nonce for Remix's inline scripts. */
    cspNonce?: string;
    /** Funnel steps and latencies recorded by this request, flushed by the Worker entry. */
    metrics: MetricBuffer;
    /** Set by handleError (entry.server) when a loader or action failed for a passing reason (Postgres or Stripe unreachable). */
    transientFailure?: TransientFailure;
  }
}

export {};
