// Live availability and slot holds of one provider, in front of its Durable Object:
//   GET    /api/v1/providers/:providerId/live      WebSocket feed (Upgrade: websocket)
//   GET    /api/v1/providers/:providerId/events    the same feed as Server-Sent Events
//   GET    /api/v1/providers/:providerId/holds     live holds, public view (count + intervals)
//   POST   /api/v1/providers/:providerId/holds     hold a slot { serviceId, start, holderToken, ttlSeconds? }
//   DELETE /api/v1/providers/:providerId/holds/:holdId          release (x-holder-token or body holderToken)
//   POST   /api/v1/providers/:providerId/holds/:holdId/extend   extend  (x-holder-token or body holderToken)
// Feeds take ?audience=public|provider&from=ISO&to=ISO&since=SEQ. The provider audience is authorized
// HERE; the object trusts only the audience header this module sets (it is reachable only through the
// Worker), and any copy of that header sent by the caller is removed before forwarding.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { providers } from "../../db/schema";
import { DomainError } from "../../domain/errors";
import { AUDIENCE_HEADER, type Audience, IsoInstant } from "../../durable-objects/live-messages";
import type { OwnedHoldFailure } from "../../durable-objects/provider-schedule";
import { errorResponse, json, readJson, validationError } from "../http/errors";
import { budgetFor, HOLD_ATTEMPTS } from "../auth/client-budget";
import { holdSlot } from "../services/hold-slot";
import { MAX_WINDOW_DAYS } from "../services/availability";
import { type ApiContext, route } from "./router";
import { apiSession } from "./session";

const PROVIDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque per-browser token proving hold ownership; random enough that it cannot be guessed. */
const HolderToken = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "must be 16-128 characters of A-Z a-z 0-9 _ -");

const FeedQuery = z
  .object({
    audience: z.enum(["public", "provider"]).default("public"),
    from: IsoInstant.optional(),
    to: IsoInstant.optional(),
    since: z.coerce.number().int().nonnegative().optional(),
  })
  .refine((q) => !q.from || !q.to || Temporal.Instant.compare(Temporal.Instant.from(q.from), Temporal.Instant.from(q.to)) < 0, {
    message: "must be after from",
    path: ["to"],
  })
  // The same cap as availability (62 calendar days in any zone is at most 62 × 24 h + 1 h).
  .refine((q) => !q.from || !q.to || Temporal.Instant.from(q.from).until(Temporal.Instant.from(q.to)).total({ unit: "hours" }) <= MAX_WINDOW_DAYS * 24 + 1, {
    message: `the window may cover at most ${MAX_WINDOW_DAYS} days`,
    path: ["to"],
  });

const HoldBody = z.object({
  serviceId: z.string().regex(PROVIDER_ID, "must be a service id"),
  start: IsoInstant,
  holderToken: HolderToken,
  ttlSeconds: z.number().int().positive().optional(),
});

const OwnerBody = z.object({ holderToken: HolderToken, ttlSeconds: z.number().int().positive().optional() });

function scheduleFor(context: ApiContext, providerId: string) {
  const ns = context.env.PROVIDER_SCHEDULE;
  return ns.get(ns.idFromName(providerId));
}

function providerIdOf(context: ApiContext): string {
  const id = context.params.providerId ?? "";
  // Not a provider id: answer 404 without creating a Durable Object for it.
  if (!PROVIDER_ID.test(id)) throw new DomainError("NOT_FOUND", "No such provider.", { providerId: id });
  return id.toLowerCase();
}

/** null when the caller may read `audience`, otherwise the 401/403 response. */
async function refuseAudience(context: ApiContext, providerId: string, audience: Audience): Promise<Response | null> {
  if (audience === "public") return null;
  const session = await apiSession(context);
  if (!session) return errorResponse(401, "UNAUTHENTICATED", "Sign in to see the provider feed.");
  if (session.role === "admin") return null;
  if (session.role === "provider") {
    const [own] = await context.database.db
      .select({ id: providers.id })
      .from(providers)
      .where(and(eq(providers.id, providerId), eq(providers.userId, session.userId)))
      .limit(1);
    if (own) return null;
  }
  return errorResponse(403, "FORBIDDEN", "Only this provider and admins can see the provider feed.");
}

async function forwardFeed(context: ApiContext, path: "/ws" | "/sse"): Promise<Response> {
  const providerId = providerIdOf(context);
  // Empty values (`?since=`) mean absent, not 0.
  const parsed = FeedQuery.safeParse(Object.fromEntries([...context.url.searchParams].filter(([, value]) => value !== "")));
  if (!parsed.success) return validationError(parsed.error, "query");
  const refused = await refuseAudience(context, providerId, parsed.data.audience);
  if (refused) return refused;

  const target = new URL(`https://provider-schedule${path}`);
  for (const key of ["from", "to", "since"] as const) {
    const value = parsed.data[key];
    if (value !== undefined) target.searchParams.set(key, String(value));
  }
  const headers = new Headers(context.request.headers);
  headers.delete(AUDIENCE_HEADER); // whatever the caller claimed
  headers.delete("cookie"); // the object needs no credentials
  headers.delete("authorization");
  headers.set(AUDIENCE_HEADER, parsed.data.audience);
  return scheduleFor(context, providerId).fetch(new Request(target, { method: "GET", headers }));
}

route("GET", "/api/v1/providers/:providerId/live", async (context) => {
  if (context.request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return errorResponse(426, "UPGRADE_REQUIRED", "This endpoint is a WebSocket; use /events for Server-Sent Events.");
  }
  return forwardFeed(context, "/ws");
});

route("GET", "/api/v1/providers/:providerId/events", (context) => forwardFeed(context, "/sse"));

route("GET", "/api/v1/providers/:providerId/holds", async (context) => {
  return json(await scheduleFor(context, providerIdOf(context)).publicHolds());
});

route("POST", "/api/v1/providers/:providerId/holds", async (context) => {
  const providerId = providerIdOf(context);
  const parsed = HoldBody.safeParse(await readJson(context.request));
  if (!parsed.success) return validationError(parsed.error);
  const body = parsed.data;
  // The per-holder limit counts per token, and tokens are free to mint: limit attempts per client too
  // (the same budget as the booking pages' hold action), counted by the client's budget object in the
  // same call that asks for the hold, before the provider's object is asked (429 RATE_LIMITED).
  const hold = await holdSlot(
    await budgetFor(context.env, context.request),
    { providerId, serviceId: body.serviceId, start: Temporal.Instant.from(body.start), holder: body.holderToken, ttlSeconds: body.ttlSeconds },
    HOLD_ATTEMPTS,
  );
  context.metrics.add("funnel.hold", { labels: { providerId } });
  return json({ hold }, { status: 201 });
});

/** The holder token from x-holder-token, or from a JSON body { holderToken }. */
async function ownerInput(context: ApiContext): Promise<z.infer<typeof OwnerBody> | Response> {
  const header = context.request.headers.get("x-holder-token");
  const body = (await readJson(context.request)) as Record<string, unknown>;
  const parsed = OwnerBody.safeParse({ ...(typeof body === "object" && body ? body : {}), ...(header ? { holderToken: header } : {}) });
  return parsed.success ? parsed.data : validationError(parsed.error);
}

function ownershipError(failure: OwnedHoldFailure): never {
  switch (failure.reason) {
    case "NOT_FOUND":
      throw new DomainError("NOT_FOUND", failure.message, { reason: failure.reason });
    case "NOT_OWNER":
      throw new DomainError("HOLD_NOT_OWNED", failure.message, { reason: failure.reason });
    case "EXPIRED":
      throw new DomainError("HOLD_EXPIRED", failure.message, { reason: failure.reason });
    default: {
      const unexpected: never = failure.reason;
      throw new Error(`Unexpected hold failure ${String(unexpected)}`);
    }
  }
}

route("DELETE", "/api/v1/providers/:providerId/holds/:holdId", async (context) => {
  const providerId = providerIdOf(context);
  const input = await ownerInput(context);
  if (input instanceof Response) return input;
  const result = await scheduleFor(context, providerId).release(context.params.holdId ?? "", input.holderToken);
  if (!result.ok) ownershipError(result);
  return json({ released: true });
});

route("POST", "/api/v1/providers/:providerId/holds/:holdId/extend", async (context) => {
  const providerId = providerIdOf(context);
  const input = await ownerInput(context);
  if (input instanceof Response) return input;
  const result = await scheduleFor(context, providerId).extend(context.params.holdId ?? "", input.holderToken, input.ttlSeconds);
  if (!result.ok) ownershipError(result);
  return json({ hold: result.hold });
});
