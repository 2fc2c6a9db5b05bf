// Booking creation routed to the provider's Durable Object, which runs createBooking on its warm
// Postgres connection (durable-objects/provider-schedule.ts createBooking). A body that does not even
// name a provider is answered here by the same service, so its 400 names the fields exactly as before.
import type { Database } from "../../db/client";
import type { Env } from "../env";
import type { ServiceDeps } from "./context";
import { type CreateBookingRequest, type CreateBookingResult, createBooking } from "./create-booking";
import { unwrapOutcome } from "./remote-outcome";

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
  return unwrapOutcome(await stub.createBooking(request));
}
