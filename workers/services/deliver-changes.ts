// The minute cron's delivery pass for the provider change sequence: a notice a writer failed to send
// (the Worker died after its commit, the object was unreachable) and that no later notice revealed as
// a gap reaches the provider's object here within a minute. Each object is told Postgres's head and
// reads what it lacks (durable-objects/booking-mirror.ts); what it confirms is recorded as delivered,
// so a quiet provider is asked once, not every minute.
import type { Database } from "../../db/client";
import { recordChangesDelivered, undeliveredChangeHeads } from "../../db/queries/schedule-changes";
import { logEvent } from "./context";

/** The provider object's side of delivery (ProviderSchedule.ensureApplied). */
export interface ChangeReceiver {
  ensureApplied(head: number): Promise<{ applied: number | null }>;
}

export interface DeliveryResult {
  /** Providers whose object had not confirmed their head. */
  behind: number;
  /** Of those, objects that are now at (or past) the head they were given. */
  delivered: number;
  failed: number;
}

export async function deliverScheduleChanges(
  db: Database,
  receiver: (providerId: string) => ChangeReceiver,
  options: { limit?: number; providerId?: string } = {},
): Promise<DeliveryResult> {
  const heads = await undeliveredChangeHeads(db, options.limit ?? 500, options.providerId);
  const result: DeliveryResult = { behind: heads.length, delivered: 0, failed: 0 };
  for (const { providerId, head } of heads) {
    try {
      const { applied } = await receiver(providerId).ensureApplied(head);
      if (applied === null) {
        result.failed++;
        continue;
      }
      await recordChangesDelivered(db, providerId, applied);
      if (applied >= head) result.delivered++;
    } catch (error) {
      result.failed++;
      logEvent("schedule.delivery_failed", { providerId, head, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
