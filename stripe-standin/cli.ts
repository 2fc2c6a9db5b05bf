// Runs the stand-in on its own:  npx tsx stripe-standin/cli.ts
//   STRIPE_STANDIN_PORT        default 12111
//   STRIPE_WEBHOOK_SECRET      whsec_… used to sign webhooks (default whsec_test_standin, the test config's)
//   STRIPE_WEBHOOK_URL         where to POST events (optional; settable later via /_standin/webhook-url)
//   STRIPE_WEBHOOK_EVENTS      the endpoint's enabled_events, comma-separated (default *, every event)
//   STRIPE_STANDIN_PUBLIC_URL  base URL browsers use to reach it (optional; default http://127.0.0.1:PORT)
//   STRIPE_STANDIN_QUIET=1     no per-request log lines
import { startStripeStandin } from "./server";

async function main(): Promise<void> {
  const port = Number(process.env.STRIPE_STANDIN_PORT ?? 12111);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`STRIPE_STANDIN_PORT must be a port number, got "${process.env.STRIPE_STANDIN_PORT}"`);
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET || "whsec_test_standin";
  const quiet = process.env.STRIPE_STANDIN_QUIET === "1";
  const standin = await startStripeStandin({
    port,
    webhookSecret,
    webhookUrl: process.env.STRIPE_WEBHOOK_URL || undefined,
    webhookEvents: process.env.STRIPE_WEBHOOK_EVENTS ? process.env.STRIPE_WEBHOOK_EVENTS.split(",").map((type: string) => type.trim()).filter(Boolean) : undefined,
    publicBaseUrl: process.env.STRIPE_STANDIN_PUBLIC_URL || undefined,
    log: (line) => {
      if (!quiet || line.includes("error") || line.includes("gave up")) console.log(line);
    },
  });
  console.log(`stripe stand-in listening on ${standin.url}`);
  const stop = () => {
    void standin.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
