// The Worker: Remix pages, the JSON API, and the cron handler. Static assets are served by wrangler
// [assets] before this code runs. The provider Durable Object class is exported from here.
import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
// The Remix server build is produced by `remix vite:build` (npm run build) before wrangler bundles this file.
// @ts-ignore -- generated JavaScript without type declarations
import * as remixBuild from "../build/server/index.js";
import { openRequestDatabase, withDatabase } from "../db/client";
import { handleApi } from "./api";
import { JOBS, jobForCron, runRecordedJob } from "./cron";
import { ConfigError, loadConfig, type Env } from "./env";

export { ProviderSchedule } from "../durable-objects/provider-schedule";

const handleRemixRequest = createRequestHandler(remixBuild as unknown as ServerBuild);

function misconfigured(error: ConfigError): Response {
  console.error(JSON.stringify({ eventName: "config.invalid", issues: error.issues }));
  return new Response(`Server misconfigured: ${error.issues.join("; ")}`, { status: 500 });
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
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith("/api/")) return await handleApi({ request, env, ctx, config, database, url });
      return await handleRemixRequest(request, { cloudflare: { env, ctx, config }, database });
    } finally {
      ctx.waitUntil(database.close());
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
    await withDatabase(config, (db) => runRecordedJob(db, job, controller.cron, JOBS[job]));
  },
} satisfies ExportedHandler<Env>;
