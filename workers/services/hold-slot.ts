// Taking a hold on a slot: the engine checks the provider's rules (working hours, grid, notice, booking
// window) from Postgres, then the client's budget object (overall cap across providers) hands the
// hold to the provider's Durable Object, which decides contention under its lock (other holds,
// bookings, its per-client caps) and replaces the holder's earlier pick for the same service.
// Shared by the JSON API and the booking pages. The attempt itself was counted by the caller
// (workers/auth/client-budget.ts countAttempt) before anything here ran.
import { Temporal } from "@js-temporal/polyfill";
import type { Queryable } from "../../db/client";
import { isSlotBookable } from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import type { ClientBudget } from "../../durable-objects/client-budget";
import type { HoldView } from "../../durable-objects/provider-schedule";
import { loadBookableService, loadEngineData, timingOf } from "./availability";
import { noopSchedulePort } from "./ports";

export interface HoldSlotRequest {
  providerId: string;
  serviceId: string;
  start: Temporal.Instant;
  holder: string;
  /** May shorten the server's hold TTL, never lengthen it. */
  ttlSeconds?: number;
}

export async function holdSlot(db: Queryable, budget: DurableObjectStub<ClientBudget>, request: HoldSlotRequest): Promise<HoldView> {
  const { provider, service } = await loadBookableService(db, request.providerId, request.serviceId);
  const timing = timingOf(service);
  // Bookings and holds are left to the object (it checks them under its lock); here only the rules.
  const data = await loadEngineData(db, noopSchedulePort, {
    provider,
    timing,
    from: request.start,
    to: request.start.add({ nanoseconds: 1 }),
    includeHolds: false,
  });
  if (!isSlotBookable({ ...data, occupied: [], now: Temporal.Now.instant() }, request.start)) {
    throw new DomainError("SLOT_UNAVAILABLE", "This time is not offered by the provider.", { reason: "NOT_BOOKABLE" });
  }
  const result = await budget.hold(
    {
      providerId: provider.id,
      holder: request.holder,
      serviceId: service.id,
      start: request.start.toString(),
      durationMinutes: timing.durationMinutes,
      bufferBeforeMinutes: timing.bufferBeforeMinutes,
      bufferAfterMinutes: timing.bufferAfterMinutes,
      ttlSeconds: request.ttlSeconds,
    },
    null,
  );
  if (result.ok) return result.hold;
  if (result.reason === "RATE_LIMITED") throw new DomainError("RATE_LIMITED", result.message, { retryAfterSeconds: result.retryAfterSeconds });
  if (result.reason === "LIMIT") throw new DomainError("HOLD_LIMIT_REACHED", result.message, { reason: result.reason });
  throw new DomainError("SLOT_UNAVAILABLE", result.message, { reason: result.reason });
}
