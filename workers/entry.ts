// The Worker: Remix pages, the JSON API, and the cron handler. Static assets are served by wrangler
// [assets] before this code runs. The provider Durable Object class is exported from here.
import { Temporal } from "@js-temporal/polyfill";
import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/cloudflare";
// The Remix server build is produced by `remix vite:build` (npm run build) before wrangler bundles this file.
// @ts-ignore -- generated JavaScript without type declarations
import * as remixBuild from "../build/server/index.js";
import { type DatabaseHandle, openRequestDatabase, withDatabase } from "../db/client";
import { METRIC_SINK_SHARDS } from "../durable-objects/metrics-sink";
import { MetricBuffer } from "./metrics/record";
import { SinkBatcher } from "./metrics/sink-batch";
import { handleApi } from "./api";
import { refuseCrossSitePost } from "./auth/csrf";
import { createNonce, withSecurityHeaders } from "./http/security-headers";
import type { TransientFailure } from "./http/transient-failure";
import { findUnstorableField, unstorableFieldResponse } from "./http/input-guard";
import { JOBS, jobForCron, runRecordedJob } from "./cron";
import { ConfigError, loadConfig, type Env } from "./env";

export { ClientBudget } from "../durable-objects/client-budget";
export { MetricsSink } from "../durable-objects/metrics-sink";
export { ProviderSchedule } from "../durable-objects/provider-schedule";

const handleRemixRequest = createRequestHandler(remixBuild as unknown as ServerBuild);
/** Per isolate: the sink's batches gather metrics across requests (workers/metrics/sink-batch.ts). */
const sinkBatch = new SinkBatcher();

function misconfigured(error: ConfigError): Response {
  console.error(JSON.stringify({ eventName: "config.invalid", issues: error.issues }));
  return new Response(`Server misconfigured: ${error.issues.join("; ")}`, { status: 500 });
}

/**
 * A request that used Postgres writes its metrics in one insert on its open connection, before it
 * closes; one that did not (the hot paths) hands them to a MetricsSink object rather than open a
 * connection for them, batched with the isolate's other requests (decision 0010).
 */
async function writeMetrics(env: Env, metrics: MetricBuffer, database: DatabaseHandle): Promise<void> {
  if (metrics.size === 0) return;
  if (database.opened) {
    await metrics.flush(database.db);
    return;
  }
  const sending = sinkBatch.add(metrics.take(), async (events) => {
    const shard = Math.floor(Math.random() * METRIC_SINK_SHARDS);
    try {
      await env.METRICS_SINK.get(env.METRICS_SINK.idFromName(`metrics:${shard}`)).record(events);
    } catch (error) {
      console.warn(JSON.stringify({ eventName: "metrics.sink_failed", count: events.length, message: error instanceof Error ? error.message : String(error) }));
    }
  });
  // The request that starts a batch (already inside waitUntil) stays alive until it is sent.
  if (sending) await sending;
}

/**
 * A page whose loader or action failed for a passing reason (Postgres or Stripe unreachable): its
 * status (503/502/409) with Retry-After. A browser asking for a document gets a short page that says
 * so and tries again by itself; Remix's own data requests and form posts keep their body (the router
 * shows the error boundary) with the status corrected.
 */
function transientFailurePage(request: Request, response: Response, failure: TransientFailure): Response {
  const headers = new Headers(response.headers);
  headers.set("Retry-After", String(failure.retryAfterSeconds));
  headers.set("Cache-Control", "no-store");
  const wantsDocument = request.method === "GET" && !new URL(request.url).pathname.endsWith(".data");
  if (!wantsDocument) return new Response(response.body, { status: failure.status, headers });
  headers.set("Content-Type", "text/html; charset=utf-8");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${failure.retryAfterSeconds}"><title>Back in a moment · Edge Booking</title></head>
<body><h1>Back in a moment</h1><p role="status">${failure.message} This page tries again by itself.</p>
<p><a href="/">Home</a></p></body></html>`;
  return new Response(html, { status: failure.status, headers });
}

export default {
  async fetch(request, env, ctx) {
    let config;
    try {
      config = loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return misconfigured(error);
      throw error;
    }
    const database = openRequestDatabase(config);
    // Metrics are collected in memory and written after the response (see writeMetrics).
    const metrics = new MetricBuffer();
    const url = new URL(request.url);
    const nonce = createNonce();
    const secure = (response: Response) =>
      withSecurityHeaders(response, { url, nonce, formActionOrigins: [config.STRIPE_API_BASE ?? "https://checkout.stripe.com"] });
    try {
      const unstorable = await findUnstorableField(request, url);
      if (unstorable) return secure(unstorableFieldResponse(url, unstorable));
      if (url.pathname.startsWith("/api/")) return secure(await handleApi({ request, env, ctx, config, database, url, metrics }));
      // Remix answers a cross-site form POST with a bare 500; refuse it first with a 403 that says why.
      const refused = refuseCrossSitePost(request);
      if (refused) return secure(refused);
      const loadContext: AppLoadContext = { cloudflare: { env, ctx, config }, database, cspNonce: nonce, metrics };
      const response = await handleRemixRequest(request, loadContext);
      const failure = loadContext.transientFailure;
      return secure(failure && response.status >= 500 ? transientFailurePage(request, response, failure) : response);
    } finally {
      ctx.waitUntil(writeMetrics(env, metrics, database).finally(() => database.close()));
    }
  },

  async scheduled(controller, env) {
    const job = jobForCron(controller.cron);
    if (!job) {
      console.warn(JSON.stringify({ eventName: "cron.unknown", cron: controller.cron }));
      return;
    }
    const config = loadConfig(env);
    // Awaited (not waitUntil) so a failing job fails the cron invocation and shows up in its logs.
    await withDatabase(config, (db) =>
      runRecordedJob(db, job, controller.cron, JOBS[job], { env, config, now: Temporal.Instant.fromEpochMilliseconds(controller.scheduledTime) }),
    );
  },
} satisfies ExportedHandler<Env>;
