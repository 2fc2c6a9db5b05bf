// The provider's schedule Durable Object (PROVIDER_SCHEDULE), as pages use it, with the failure rule
// visible at each call: `optionalScheduleRead` for what a page can show without (live hold counts:
// logged, shown as nothing), `scheduleStub` where the object's answer is the page's point and a
// failure must reach the error boundary (503 for a passing outage), and the "something changed"
// announcement after a save (logged, never shown).
import type { AppLoadContext } from "@remix-run/cloudflare";
import { logEvent } from "../../workers/services/context";

export function scheduleStub(context: AppLoadContext, providerId: string) {
  const ns = context.cloudflare.env.PROVIDER_SCHEDULE;
  return ns.get(ns.idFromName(providerId));
}

type ScheduleStub = ReturnType<typeof scheduleStub>;

/** A read the page can do without: the object's answer, or null (logged) when it cannot be had. */
export async function optionalScheduleRead<T>(context: AppLoadContext, providerId: string, read: (stub: ScheduleStub) => Promise<T>): Promise<T | null> {
  try {
    return await read(scheduleStub(context, providerId));
  } catch (error) {
    logScheduleError(providerId, error);
    return null;
  }
}

export function logScheduleError(providerId: string, error: unknown): void {
  logEvent("schedule.read_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Tells the provider's schedule that hours, overrides or services changed, so open booking pages
 * recompute their slots. After the commit; a failure is logged, never shown: the save has happened.
 */
export async function announceScheduleChanged(context: AppLoadContext, providerId: string): Promise<void> {
  try {
    await scheduleStub(context, providerId).scheduleChanged();
  } catch (error) {
    logEvent("schedule.schedule_changed_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
  }
}
