// Cron Triggers: which job runs for which schedule, and the job-run log every run writes
// (start, end, outcome, details) so admins can see what the platform did and when.
//   payouts       every 15 min  Stripe Transfers for payouts whose escrow has ended
//   housekeeping  every minute  expire unpaid / unanswered bookings (frees their slots), payments
//                               repairs + hourly reconciliation, booking changes the provider objects
//                               have not confirmed, reminders and mail delivery, stale
//                               rate-limit counters and old session rows, provider_booking_stats refresh
import { Temporal } from "@js-temporal/polyfill";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { jobRuns, providerBookingStats } from "../db/schema";
import { pruneRateLimitBuckets } from "./auth/rate-limit";
import { deleteOldSessions } from "./auth/session-store";
import { deliverEmails, queueReminders } from "./email/jobs";
import type { AppConfig, Env } from "./env";
import { paymentsMaintenance } from "./payments/maintenance";
import { runPayouts } from "./payments/payouts";
import { paymentsDepsFromConfig } from "./payments/stripe-client";
import { deliverScheduleChanges } from "./services/deliver-changes";
import { expireStaleBookings } from "./services/expire-bookings";
import { appSchedulePort } from "./composition";

/** Keep in sync with [triggers] crons in wrangler.toml (a test checks they match). */
export const CRON_PAYOUTS = "*/15 * * * *";
export const CRON_HOUSEKEEPING = "* * * * *";

export type JobName = "payouts" | "housekeeping";

export function jobForCron(cron: string): JobName | null {
  if (cron === CRON_PAYOUTS) return "payouts";
  if (cron === CRON_HOUSEKEEPING) return "housekeeping";
  return null;
}

/** What a job gets besides the database: the Worker's bindings and parsed configuration. */
export interface JobContext {
  env: Pick<Env, "PROVIDER_SCHEDULE">;
  config: AppConfig;
  now: Temporal.Instant;
}

export type JobBody = (db: Database, context: JobContext) => Promise<Record<string, unknown>>;

/** Runs one job and records it; a failing job is recorded with its error and then rethrown. */
export async function runRecordedJob(db: Database, job: JobName, trigger: string, body: JobBody, context: JobContext) {
  const [run] = await db.insert(jobRuns).values({ job, trigger, startedAt: new Date() }).returning({ id: jobRuns.id });
  try {
    const details = await body(db, context);
    await db.update(jobRuns).set({ finishedAt: new Date(), outcome: "ok", details }).where(eq(jobRuns.id, run!.id));
    return { id: run!.id, outcome: "ok" as const, details };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db
      .update(jobRuns)
      .set({ finishedAt: new Date(), outcome: "error", details: { error: message } })
      .where(eq(jobRuns.id, run!.id));
    throw error;
  }
}

/** Each step is isolated: one failing step is reported in the run's details and the others still run. */
async function steps(list: Array<[string, () => Promise<unknown>]>): Promise<Record<string, unknown>> {
  const details: Record<string, unknown> = {};
  let failures = 0;
  for (const [name, fn] of list) {
    try {
      details[name] = await fn();
    } catch (error) {
      failures++;
      details[name] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (failures === list.length) throw new Error(`every step failed: ${JSON.stringify(details)}`);
  return details;
}

export const housekeeping: JobBody = (db, { env, config, now }) => {
  const port = appSchedulePort(env, config, db);
  return steps([
    ["expiredBookings", async () => (await expireStaleBookings(db, now, { port })).expired.length],
    ["payments", () => paymentsMaintenance(db, paymentsDepsFromConfig(config, port), { now })],
    // After the steps above, which change bookings: their notices are sent, this delivers any that were lost.
    ["scheduleChanges", () => deliverScheduleChanges(db, (providerId) => env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(providerId)))],
    ["reminders", () => queueReminders(db, config, now)],
    ["emails", () => deliverEmails(db, config)],
    ["rateLimitBucketsPruned", () => pruneRateLimitBuckets(db, new Date(now.epochMilliseconds))],
    ["oldSessionsDeleted", () => deleteOldSessions(db, new Date(now.epochMilliseconds))],
    ["statsRefreshed", async () => (await db.refreshMaterializedView(providerBookingStats).concurrently(), true)],
  ]);
};

/** Stripe Transfers for due payout schedules (workers/payments/payouts.ts). */
export const payouts: JobBody = async (db, { env, config }) => {
  const summary = await runPayouts(db, paymentsDepsFromConfig(config, appSchedulePort(env, config, db)));
  return { processed: summary.claimed, ...summary };
};

export const JOBS: Record<JobName, JobBody> = { payouts, housekeeping };
