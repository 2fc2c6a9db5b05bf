// Taking a hold on a slot: the client's budget object (attempts, overall cap across providers) hands
// the hold to the provider's Durable Object, which checks the start against the provider's rules
// (working hours, grid, notice, booking window: from its schedule snapshot, no Postgres round trip
// when warm), decides contention under its lock (other holds, bookings, its per-client caps) and
// replaces the holder's earlier pick for the same service. Shared by the JSON API and the booking
// pages. The attempt is counted in the same call when `rule` is given (the JSON API: one round trip to
// the budget), or was counted by the caller before its own checks (the pages: countAttempt).
import type { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "../../domain/errors";
import type { AttemptRule, ClientBudget } from "../../durable-objects/client-budget";
import type { HoldView } from "../../durable-objects/provider-schedule";
import { describeWait } from "../auth/rate-limit";
import { scheduleFailureError } from "./schedule-failure";

export interface HoldSlotRequest {
  providerId: string;
  serviceId: string;
  start: Temporal.Instant;
  holder: string;
  /** May shorten the server's hold TTL, never lengthen it. */
  ttlSeconds?: number;
}

export async function holdSlot(budget: DurableObjectStub<ClientBudget>, request: HoldSlotRequest, rule: AttemptRule | null = null): Promise<HoldView> {
  const result = await budget.hold(
    {
      providerId: request.providerId,
      holder: request.holder,
      serviceId: request.serviceId,
      start: request.start.toString(),
      ttlSeconds: request.ttlSeconds,
    },
    rule,
  );
  if (result.ok) return result.hold;
  switch (result.reason) {
    case "RATE_LIMITED":
      throw new DomainError("RATE_LIMITED", `${result.message} Try again in ${describeWait(result.retryAfterSeconds)}.`, {
        retryAfterSeconds: result.retryAfterSeconds,
      });
    case "LIMIT":
      throw new DomainError("HOLD_LIMIT_REACHED", result.message, {
        reason: result.reason,
        ...(result.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: result.retryAfterSeconds }),
      });
    case "HELD":
    case "BOOKED":
      throw new DomainError("SLOT_UNAVAILABLE", result.message, { reason: result.reason });
    default:
      throw scheduleFailureError(result);
  }
}
