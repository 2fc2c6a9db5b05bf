// The reconciliation command: checks the ledger against itself and against Stripe, stores what does not
// add up in reconciliation_discrepancies under a run id (recorded in job_runs as "reconciliation"),
// prints the summary as JSON. Exit code 0 = clean, 1 = discrepancies found, 2 = the run failed.
//
//   npx tsx scripts/reconcile.ts                       # bookings with payments in the last 35 days
//   npx tsx scripts/reconcile.ts --days=90
//   npx tsx scripts/reconcile.ts --since=2026-11-01T00:00:00Z
//   npx tsx scripts/reconcile.ts --booking=<uuid> --booking=<uuid>
//   npx tsx scripts/reconcile.ts --no-stripe           # ledger/database checks only
//   npx tsx scripts/reconcile.ts --max-bookings=5000   # default 150, most recently active first
//
// Environment: DATABASE_URL, STRIPE_SECRET_KEY; locally also NEON_WS_PROXY and STRIPE_API_BASE (the
// stand-in). The housekeeping cron runs the same reconciliation once an hour.
import { Temporal } from "@js-temporal/polyfill";
import ws from "ws";
import { configureNeon, withDatabase } from "../db/client";
import { runRecordedReconciliation, type ReconcileOptions } from "../workers/payments/reconciliation";
import { createStripe } from "../workers/payments/stripe-client";
import { ConfigSchema } from "../workers/env";

function parseArgs(argv: string[]): ReconcileOptions {
  const options: ReconcileOptions = {};
  const bookings: string[] = [];
  for (const arg of argv) {
    const [flag, value] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--booking" && value) bookings.push(value);
    else if (flag === "--days" && value && /^\d+$/.test(value)) options.since = Temporal.Now.instant().subtract({ hours: 24 * Number(value) });
    else if (flag === "--since" && value) options.since = Temporal.Instant.from(value);
    else if (flag === "--no-stripe") options.stripe = false;
    else if (flag === "--max-bookings" && value && /^\d+$/.test(value)) options.maxBookings = Number(value);
    else throw new Error(`Unknown argument ${arg} (see the header of scripts/reconcile.ts)`);
  }
  if (bookings.length > 0) options.bookingIds = bookings;
  return options;
}

async function main(): Promise<number> {
  const env = ConfigSchema.pick({ DATABASE_URL: true, NEON_WS_PROXY: true, STRIPE_SECRET_KEY: true, STRIPE_API_BASE: true }).parse(process.env);
  const options = parseArgs(process.argv.slice(2));
  configureNeon({ wsProxy: env.NEON_WS_PROXY, webSocketConstructor: ws });
  const stripe = createStripe(env);
  const summary = await withDatabase(env, (db) => runRecordedReconciliation(db, stripe, "script", options));
  console.log(JSON.stringify(summary, null, 2));
  return summary.discrepancies > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
