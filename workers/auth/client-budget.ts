// The client's budget object (durable-objects/client-budget.ts) as the Worker uses it: which object a
// request belongs to, and the attempt limits for holds and booking submissions that live there instead
// of in Postgres (they sit on the hot path; sign-in and sign-up keep their exact Postgres counters).
import type { AttemptRule } from "../../durable-objects/client-budget";
import type { Env } from "../env";
import type { RateLimitVerdict } from "../../domain/rate-limit";
import { clientIp, rateLimitKey } from "./rate-limit";

/** Slot holds per client address, for the booking pages and the JSON API alike. */
export const HOLD_ATTEMPTS: AttemptRule = Object.freeze({ purpose: "hold", limit: 40, windowSeconds: 10 * 60 });

/** Booking submissions per client address, for the details page and the JSON API alike. */
export const BOOKING_ATTEMPTS: AttemptRule = Object.freeze({ purpose: "booking", limit: 20, windowSeconds: 10 * 60 });

/** The name of the request's budget object: a hash of the client's address (no address in clear). */
export function clientKeyOf(request: Request): Promise<string> {
  return rateLimitKey("client", clientIp(request));
}

export async function budgetFor(env: Pick<Env, "CLIENT_BUDGET">, request: Request) {
  return env.CLIENT_BUDGET.get(env.CLIENT_BUDGET.idFromName(await clientKeyOf(request)));
}

/** Counts one attempt of `rule` for the request's client and judges it. */
export async function countAttempt(env: Pick<Env, "CLIENT_BUDGET">, request: Request, rule: AttemptRule): Promise<RateLimitVerdict> {
  return (await budgetFor(env, request)).attempt(rule);
}
