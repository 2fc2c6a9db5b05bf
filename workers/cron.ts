// Cron Triggers: which job runs for which schedule, and the job-run log every run writes
// (start, end, outcome, details) so admins can see what the platform did and when.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { jobRuns, providerBookingStats } from "../db/schema";

/** Keep in sync with [triggers] crons in wrangler.toml (a test checks they match). */
export const CRON_PAYOUTS = "*/15 * * * *";
export const CRON_HOUSEKEEPING = "* * * * *";

export type JobName = "payouts" | "housekeeping";

export function jobForCron(cron: string): JobName | null {
  if (cron === CRON_PAYOUTS) return "payouts";
  if (cron === CRON_HOUSEKEEPING) return "housekeeping";
  return null;
}

export type JobBody = (db: Database) => Promise<Record<string, unknown>>;

/** Runs one job and records it; a failing job is recorded with its error and then rethrown. */
export async function runRecordedJob(db: Database, job: JobName, trigger: string, body: JobBody) {
  const [run] = await db.insert(jobRuns).values({ job, trigger, startedAt: new Date() }).returning({ id: jobRuns.id });
  try {
    const details = await body(db);
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

export const housekeeping: JobBody = async (db) => {
  await db.refreshMaterializedView(providerBookingStats).concurrently();
  return { refreshedStats: true };
};

export const payouts: JobBody = async () => {
  return { processed: 0 };
};

export const JOBS: Record<JobName, JobBody> = { payouts, housekeeping };
