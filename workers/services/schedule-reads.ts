// Reads the Worker asks of the provider's Durable Object instead of Postgres: the availability API's
// answer and the booking pages' service card. The object answers from memory when warm (see
// durable-objects/provider-schedule.ts availability()), so a hot request opens no Postgres connection.
// The one thing the Worker must know first is which provider offers a service: that never changes, so
// it is remembered per isolate after one lookup.
import type { Queryable } from "../../db/client";
import { findServiceById } from "../../db/queries/availability";
import type { BookableServiceCard } from "../../db/queries/catalog";
import { DomainError, isDomainError } from "../../domain/errors";
import type { AvailabilityAnswer, FreeTimesAnswer } from "../../durable-objects/provider-schedule";
import type { AvailabilityRequest, FreeTimesRequest } from "../../durable-objects/schedule-rpc";
import type { Env } from "../env";
import type { AvailabilityResult } from "./availability";
import { logEvent } from "./context";
import { scheduleFailureError } from "./schedule-failure";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entries at most; the map starts over when full (a service's provider never changes, so nothing is ever wrong, only re-read). */
const PROVIDER_OF_SERVICE_CAP = 20_000;
const providerOfService = new Map<string, string>();

function stub(env: Pick<Env, "PROVIDER_SCHEDULE">, providerId: string) {
  return env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(providerId));
}

/** The object could not be reached or failed: the caller should retry, not see a 500. */
async function viaSchedule<T>(providerId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isDomainError(error)) throw error;
    logEvent("schedule.read_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
    throw new DomainError("UNAVAILABLE", "Availability cannot be read right now. Please try again in a moment.", { retryAfterSeconds: 2 });
  }
}

/** Free slots from the provider's object; NOT_FOUND / VALIDATION / UNAVAILABLE as DomainErrors. */
export async function availabilityFromSchedule(env: Pick<Env, "PROVIDER_SCHEDULE">, providerId: string, request: AvailabilityRequest): Promise<AvailabilityResult> {
  const answer: AvailabilityAnswer = await viaSchedule(providerId, async () => {
    const reply = await stub(env, providerId).availability(request);
    return reply.ok ? { ok: true as const, result: reply.result } : reply;
  });
  if (!answer.ok) throw scheduleFailureError(answer);
  return answer.result;
}

/** Free times per service of one provider in one window (0 for a service not offered); UNAVAILABLE as a DomainError. */
export async function freeTimesFromSchedule(
  env: Pick<Env, "PROVIDER_SCHEDULE">,
  providerId: string,
  request: FreeTimesRequest,
): Promise<Record<string, number>> {
  const answer: FreeTimesAnswer = await viaSchedule(providerId, async () => {
    const reply = await stub(env, providerId).freeTimes(request);
    return reply.ok ? { ok: true as const, counts: reply.counts, stale: reply.stale } : reply;
  });
  if (!answer.ok) throw scheduleFailureError(answer);
  return answer.counts;
}

/** The provider offering `serviceId` (whether active or not), or null when there is no such service. */
export async function providerIdOfService(db: () => Queryable, serviceId: string): Promise<string | null> {
  if (!UUID_RE.test(serviceId)) return null;
  const known = providerOfService.get(serviceId);
  if (known) return known;
  const service = await findServiceById(db(), serviceId);
  if (!service) return null;
  if (providerOfService.size >= PROVIDER_OF_SERVICE_CAP) providerOfService.clear();
  providerOfService.set(serviceId, service.providerId);
  return service.providerId;
}

/** The card of an offered service (active, of an active provider), or null. */
export async function serviceCardFromSchedule(env: Pick<Env, "PROVIDER_SCHEDULE">, db: () => Queryable, serviceId: string): Promise<BookableServiceCard | null> {
  const providerId = await providerIdOfService(db, serviceId);
  if (!providerId) return null;
  return viaSchedule(providerId, () => stub(env, providerId).serviceCard(serviceId));
}
