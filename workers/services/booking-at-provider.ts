// Booking creation routed to the provider's Durable Object, which runs createBooking on its warm
// Postgres connection (durable-objects/provider-schedule.ts createBooking). A body that does not even
// name a provider is answered here by the same service, so its 400 names the fields exactly as before.
// If the object itself fails (unreachable, reset, overloaded: anything that is not the service's own
// answer), the booking is made here instead: Postgres's constraint is the guarantee either way, and
// the idempotency key turns a repeat of a booking the object did insert into its replay.
import type { Database } from "../../db/client";
import type { Env } from "../env";
import { logEvent, type ServiceDeps } from "./context";
import { type CreateBookingRequest, type CreateBookingResult, createBooking } from "./create-booking";
import { type RemoteOutcome, unwrapOutcome } from "./remote-outcome";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function providerIdOf(body: unknown): string | null {
  const providerId = typeof body === "object" && body !== null ? (body as { providerId?: unknown }).providerId : undefined;
  return typeof providerId === "string" && UUID_RE.test(providerId) ? providerId.toLowerCase() : null;
}

export async function createBookingAtProvider(
  env: Pick<Env, "PROVIDER_SCHEDULE">,
  request: CreateBookingRequest,
  local: () => { db: Database; deps: ServiceDeps },
): Promise<CreateBookingResult> {
  const providerId = providerIdOf(request.body);
  if (!providerId) {
    const { db, deps } = local();
    return createBooking(db, request, deps);
  }
  const stub = env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(providerId));
  let outcome: RemoteOutcome<CreateBookingResult>;
  try {
    outcome = await stub.createBooking(request);
  } catch (error) {
    logEvent("schedule.booking_at_provider_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
    const { db, deps } = local();
    return createBooking(db, request, deps);
  }
  return unwrapOutcome(outcome);
}
