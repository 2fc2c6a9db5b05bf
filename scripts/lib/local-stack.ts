// Starts everything the app needs locally, with embedded defaults and no configuration:
// the embedded Postgres (unless DATABASE_URL is set), the WebSocket proxy the Neon driver uses to
// reach it, and the Stripe stand-in; then applies migrations. Used by `npm run dev` and `npm test`.
import os from "node:os";
import path from "node:path";
import fs from "node:fs/promises";
import { migrateDatabase } from "../../db/migrate";
import { startStripeStandin } from "../../stripe-standin/server";
import { STRIPE_WEBHOOK_EVENTS } from "../../workers/payments/webhook-events";
import { startLocalPostgres } from "./local-postgres";
import { startNeonWsProxy } from "./neon-ws-proxy";

export interface LocalStack {
  /** Variables to hand to the Worker (wrangler --var / miniflare bindings) and to Node-side code. */
  vars: {
    DATABASE_URL: string;
    NEON_WS_PROXY: string;
    STRIPE_SECRET_KEY: string;
    STRIPE_WEBHOOK_SECRET: string;
    STRIPE_API_BASE: string;
  };
  /** Points the stand-in's webhooks at the Worker, subscribed to what a production endpoint is (STRIPE_WEBHOOK_EVENTS). */
  setWebhookUrl(url: string): void;
  stop(): Promise<void>;
}

export const STANDIN_SECRET_KEY = "sk_test_localstandin0000000000000000";
export const STANDIN_WEBHOOK_SECRET = "whsec_localstandin000000000000000000";

export async function startLocalStack(options: {
  mode: "dev" | "test";
  projectRoot: string;
  log?: (line: string) => void;
}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`stop failed: ${String(error)}`));
  };

  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (databaseUrl) {
      log(`using DATABASE_URL from the environment`);
    } else {
      // Dev keeps its data between runs in the project; tests start from an empty cluster each run.
      const dataDir =
        options.mode === "dev"
          ? path.join(options.projectRoot, ".data", "postgres")
          : await fs.mkdtemp(path.join(os.tmpdir(), "edge-booking-test-pg-"));
      const port = options.mode === "dev" ? 54329 : 54339;
      const started = Date.now();
      const postgres = await startLocalPostgres({
        dataDir,
        port,
        database: options.mode === "dev" ? "booking_dev" : "booking_test",
        fast: options.mode === "test",
      });
      stops.push(async () => {
        await postgres.stop();
        if (options.mode === "test") await fs.rm(dataDir, { recursive: true, force: true });
      });
      databaseUrl = postgres.url;
      log(`postgres 18 (embedded) ready on 127.0.0.1:${port} in ${Date.now() - started} ms`);
    }

    const proxy = await startNeonWsProxy(options.mode === "dev" ? 54330 : 0);
    stops.push(() => proxy.close());

    const stripe = await startStripeStandin({
      port: options.mode === "dev" ? 12111 : 0,
      webhookSecret: STANDIN_WEBHOOK_SECRET,
    });
    stops.push(() => stripe.close());
    // No URL here: the first URL the dev command prints should be the app itself.
    log(`stripe stand-in listening on 127.0.0.1:${stripe.port}`);

    await migrateDatabase(databaseUrl);
    log("migrations applied");

    return {
      vars: {
        DATABASE_URL: databaseUrl,
        NEON_WS_PROXY: proxy.proxyAddress,
        STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? STANDIN_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: process.env.STRIPE_WEBHOOK_SECRET ?? STANDIN_WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.url,
      },
      setWebhookUrl: (url) => stripe.setWebhookUrl(url, STRIPE_WEBHOOK_EVENTS),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
