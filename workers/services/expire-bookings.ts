// Housekeeping: bookings past their deadline in a waiting state become `expired` (system actor), which
// releases their time. pending / payment_failed: never paid within PENDING_PAYMENT_TTL; awaiting_approval:
// the provider did not answer within APPROVAL_TTL (the payments work voids the authorisation).
//
// Safe to run concurrently (two cron invocations, or a cron and a per-provider trigger): rows are taken
// with FOR UPDATE SKIP LOCKED, so each stale booking is expired by exactly one run, and a row a user is
// transitioning right now is skipped and looked at again next minute.
import { Temporal } from "@js-temporal/polyfill";
import { inArray, sql } from "drizzle-orm";
import { assertActorMay, SYSTEM_ACTOR, type Actor, type BookingStatus } from "../../domain/booking-states";
import type { Database } from "../../db/client";
import { insertEvents, insertTransitions, lockStaleBookings } from "../../db/queries/bookings";
import { bookings, services } from "../../db/schema";
import { notifySchedule, resolveDeps, type ServiceDeps } from "./context";
import type { BookingChange } from "./ports";
import { changeKind, intervalOf } from "./transition-booking";

export const EXPIRABLE_STATUSES: readonly BookingStatus[] = Object.freeze(["pending", "payment_failed", "awaiting_approval"]);
const SYSTEM: Actor = SYSTEM_ACTOR;

export interface ExpireOptions extends ServiceDeps {
  /** Limit to one provider (e.g. triggered by its Durable Object); all providers when absent. */
  providerId?: string;
  batchSize?: number;
  /** Bound on the work of one run; the rest waits for the next run. */
  maxBatches?: number;
}

export interface ExpireResult {
  expired: Array<{ id: string; providerId: string; from: BookingStatus }>;
  batches: number;
}

function reasonFor(from: BookingStatus): string {
  return from === "awaiting_approval" ? "The provider did not answer the approval request in time" : "Payment was not completed in time";
}

export async function expireStaleBookings(db: Database, now: Date | Temporal.Instant, options: ExpireOptions = {}): Promise<ExpireResult> {
  const { port } = resolveDeps(options);
  const at = now instanceof Date ? now : new Date(now.epochMilliseconds);
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 10;
  const result: ExpireResult = { expired: [], batches: 0 };

  while (result.batches < maxBatches) {
    result.batches++;
    const changes: BookingChange[] = [];
    const done = await db.transaction(async (tx) => {
      const stale = await lockStaleBookings(tx, { now: at, statuses: EXPIRABLE_STATUSES, limit: batchSize, providerId: options.providerId });
      if (stale.length === 0) return [];
      for (const row of stale) assertActorMay(SYSTEM, row.status, "expired");
      const ids = stale.map((row) => row.id);
      const stamped = await tx
        .update(bookings)
        .set({ status: "expired", version: sql`${bookings.version} + 1`, updatedAt: at, expiresAt: null })
        .where(inArray(bookings.id, ids))
        .returning({ id: bookings.id, changeSeq: bookings.changeSeq });
      const seqOf = new Map(stamped.map((r) => [r.id, r.changeSeq] as const));
      await insertTransitions(
        tx,
        stale.map((row) => ({
          bookingId: row.id,
          from: row.status,
          to: "expired" as const,
          actor: SYSTEM,
          reason: reasonFor(row.status),
          metadata: { deadline: row.expiresAt?.toISOString() ?? null },
        })),
      );
      await insertEvents(
        tx,
        stale.map((row) => ({
          bookingId: row.id,
          type: "expired",
          data: { from: row.status, to: "expired", actor: SYSTEM, reason: reasonFor(row.status), deadline: row.expiresAt?.toISOString() ?? null },
        })),
      );
      const names = new Map(
        (await tx.select({ id: services.id, name: services.name }).from(services).where(inArray(services.id, [...new Set(stale.map((r) => r.serviceId))]))).map(
          (r) => [r.id, r.name] as const,
        ),
      );
      for (const row of stale) {
        changes.push({
          kind: changeKind(row.status, "expired"),
          bookingId: row.id,
          seq: seqOf.get(row.id),
          interval: intervalOf(row),
          details: {
            status: "expired",
            from: row.status,
            reason: reasonFor(row.status),
            confirmationCode: row.confirmationCode,
            customerName: row.customerName,
            serviceName: names.get(row.serviceId) ?? "",
          },
        });
      }
      return stale.map((row) => ({ id: row.id, providerId: row.providerId, from: row.status }));
    });
    result.expired.push(...done);
    // After commit, grouped by provider (one Durable Object each).
    const byProvider = new Map<string, BookingChange[]>();
    done.forEach((row, i) => byProvider.set(row.providerId, [...(byProvider.get(row.providerId) ?? []), changes[i]!]));
    for (const [providerId, list] of byProvider) await notifySchedule(port, providerId, list);
    if (done.length < batchSize) break;
  }
  return result;
}
