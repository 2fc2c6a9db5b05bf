// Taking a hold on a slot: the engine checks the provider's rules (working hours, grid, notice, booking
// window) from Postgres, then the provider's Durable Object decides contention under its lock (other
// holds, bookings). Shared by the JSON API and the booking pages.
import { Temporal } from "@js-temporal/polyfill";
import type { Queryable } from "../../db/client";
import { isSlotBookable } from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import type { HoldView } from "../../durable-objects/provider-schedule";
import type { Env } from "../env";
import { loadBookableService, loadEngineData, timingOf } from "./availability";
import { noopSchedulePort } from "./ports";

export interface HoldSlotRequest {
  providerId: string;
  serviceId: string;
  start: Temporal.Instant;
  holder: string;
  ttlSeconds?: number;
}

export async function holdSlot(db: Queryable, env: Pick<Env, "PROVIDER_SCHEDULE">, request: HoldSlotRequest): Promise<HoldView> {
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
  const stub = env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(provider.id));
  const result = await stub.hold({
    holder: request.holder,
    serviceId: service.id,
    start: request.start.toString(),
    durationMinutes: timing.durationMinutes,
    bufferBeforeMinutes: timing.bufferBeforeMinutes,
    bufferAfterMinutes: timing.bufferAfterMinutes,
    ttlSeconds: request.ttlSeconds,
  });
  if (result.ok) return result.hold;
  if (result.reason === "LIMIT") throw new DomainError("HOLD_LIMIT_REACHED", result.message, { reason: result.reason });
  throw new DomainError("SLOT_UNAVAILABLE", result.message, { reason: result.reason });
}
