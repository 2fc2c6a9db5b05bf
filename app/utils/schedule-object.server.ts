// The provider's schedule Durable Object (PROVIDER_SCHEDULE), as the provider pages use it: a stub,
// logging of failed reads, and the "something changed" announcement after a save.
import type { AppLoadContext } from "@remix-run/cloudflare";
import { logEvent } from "../../workers/services/context";

export function scheduleStub(context: AppLoadContext, providerId: string) {
  const ns = context.cloudflare.env.PROVIDER_SCHEDULE;
  return ns.get(ns.idFromName(providerId));
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
