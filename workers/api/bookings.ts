// Booking routes: create, read, cancel, reschedule, accept, decline, and the booking's live status
// channel (GET /api/v1/bookings/:code/events as SSE, /live as a WebSocket). Handlers only parse → call → map;
// the services decide, toErrorResponse turns DomainError / ZodError into the error envelope.
// Responses that carry personal data or the manage token are never cached.
import { crossSiteProblem } from "../auth/csrf";
import { BOOKING_ATTEMPTS, countAttempt } from "../auth/client-budget";
import { tooManyRequests } from "../auth/rate-limit";
import type { Session } from "../auth/session";
import { json, readJson } from "../http/errors";
import { loadBookingFor, type BookingAccess } from "../services/booking-access";
import { toBookingView } from "../services/booking-view";
import { acceptBooking, cancelBooking, declineBooking } from "../services/cancel-booking";
import { createBookingAtProvider } from "../services/booking-at-provider";
import { BOOKING_STATE_HEADER, type BookingStatusMessage } from "../../durable-objects/live-messages";
import { errorResponse } from "../http/errors";
import { getBookingByCode } from "../services/get-booking";
import { rescheduleBooking } from "../services/reschedule-booking";
import { workerDeps } from "../composition";
import { API_OPERATIONS, type ApiOperation } from "./openapi";
import { type ApiContext, type ApiHandler, route } from "./router";
import { apiSession } from "./session";
import {
  AcceptBookingSchema,
  BookingCodeParamsSchema,
  CancelBookingSchema,
  DeclineBookingSchema,
  ManageTokenQuerySchema,
  RescheduleBookingSchema,
} from "./schemas";

function register(operation: ApiOperation, handler: ApiHandler) {
  route(operation.method, operation.path, handler);
}

const PRIVATE = { "cache-control": "no-store" };

/**
 * The cookie session, except on a write sent from another site: a cross-site request must not act as
 * the signed-in user (CSRF), so it is treated as anonymous (guests' bearer tokens still work).
 */
async function sessionOf(context: ApiContext): Promise<Session | null> {
  if (context.request.method !== "GET" && crossSiteProblem(context.request)) return null;
  return apiSession(context);
}

/** Session (cookie) and/or guest manage token (Authorization: Bearer, or ?token=). */
async function accessOf(context: ApiContext): Promise<BookingAccess> {
  const session = await sessionOf(context);
  const bearer = /^Bearer\s+(\S{1,128})$/i.exec(context.request.headers.get("authorization") ?? "")?.[1];
  const { token } = ManageTokenQuerySchema.parse(Object.fromEntries(context.url.searchParams));
  return { session, manageToken: bearer ?? token ?? null };
}

function codeOf(context: ApiContext): string {
  return BookingCodeParamsSchema.parse(context.params).code;
}

register(API_OPERATIONS.createBooking, async (context) => {
  // The same per-client budget as the booking pages' details step.
  const limit = await countAttempt(context.env, context.request, BOOKING_ATTEMPTS);
  if (!limit.allowed) return tooManyRequests(limit, "Too many booking attempts from your network.");
  const body = await readJson(context.request);
  const session = await sessionOf(context);
  // Run by the provider's Durable Object on its warm connection (no connection setup here).
  const result = await context.metrics.withTiming("latency.booking_create_ms", () =>
    createBookingAtProvider(
      context.env,
      { body, idempotencyKeyHeader: context.request.headers.get("idempotency-key"), customerUserId: session?.userId ?? null },
      () => ({ db: context.database.db, deps: workerDeps(context.env, context.config, context.database.db) }),
    ),
  );
  if (result.payment) context.metrics.add("funnel.payment_started", { labels: { bookingId: result.booking.id } });
  return json(
    {
      booking: result.booking,
      ...(result.manageToken ? { manageToken: result.manageToken } : {}),
      payment: result.payment,
      replayed: result.replayed,
    },
    { status: result.status, headers: { ...PRIVATE, location: `/api/v1/bookings/${result.booking.code}` } },
  );
});

register(API_OPERATIONS.getBooking, async (context) => {
  const code = codeOf(context);
  const { booking } = await getBookingByCode(context.database.db, code, await accessOf(context));
  return json({ booking }, { headers: PRIVATE });
});

register(API_OPERATIONS.cancelBooking, async (context) => {
  const code = codeOf(context);
  const input = CancelBookingSchema.parse(await readJson(context.request));
  const result = await cancelBooking(
    context.database.db,
    { code, access: await accessOf(context), reason: input.reason, expectedVersion: input.expectedVersion },
    workerDeps(context.env, context.config, context.database.db),
  );
  const { paid: _paid, ...body } = result; // the response is CancelBookingResponseSchema: booking and refund
  return json(body, { headers: PRIVATE });
});

register(API_OPERATIONS.rescheduleBooking, async (context) => {
  const code = codeOf(context);
  const input = RescheduleBookingSchema.parse(await readJson(context.request));
  const result = await rescheduleBooking(
    context.database.db,
    { code, access: await accessOf(context), start: input.start, timeZone: input.timeZone, expectedVersion: input.expectedVersion },
    workerDeps(context.env, context.config, context.database.db),
  );
  return json(result, { headers: PRIVATE });
});

register(API_OPERATIONS.acceptBooking, async (context) => {
  const code = codeOf(context);
  const input = AcceptBookingSchema.parse(await readJson(context.request));
  const session = await sessionOf(context);
  const result = await acceptBooking(
    context.database.db,
    { code, access: { session }, expectedVersion: input.expectedVersion },
    workerDeps(context.env, context.config, context.database.db),
  );
  return json(result, { headers: PRIVATE });
});

register(API_OPERATIONS.declineBooking, async (context) => {
  const code = codeOf(context);
  const input = DeclineBookingSchema.parse(await readJson(context.request));
  const session = await sessionOf(context);
  const result = await declineBooking(
    context.database.db,
    { code, access: { session }, reason: input.reason, expectedVersion: input.expectedVersion },
    workerDeps(context.env, context.config, context.database.db),
  );
  const { paid: _paid, ...body } = result;
  return json(body, { headers: PRIVATE });
});

/**
 * One booking's status as it changes, from its provider's object: the state now first, then one
 * message per change (accepted, declined, paid, cancelled, rescheduled, refunded). Only those who may
 * read the booking may listen (its customer, its provider, admins; a guest with the manage token as
 * Bearer or ?token=, which EventSource needs); anyone else gets 404, as for the booking itself.
 */
async function forwardBookingChannel(context: ApiContext, path: "/booking/sse" | "/booking/ws"): Promise<Response> {
  // One read: the access check's row carries the change number the view leaves out.
  const { found } = await loadBookingFor(context.database.db, codeOf(context), await accessOf(context), new Date());
  const booking = toBookingView(found.booking, found);
  const state: Omit<BookingStatusMessage, "type"> = {
    bookingId: booking.id,
    confirmationCode: booking.code,
    status: booking.status,
    start: booking.start,
    end: booking.end,
    version: found.booking.changeSeq,
  };
  // The object needs no credentials; the upgrade headers of a WebSocket request must reach it.
  const headers = new Headers(context.request.headers);
  for (const name of ["cookie", "authorization", BOOKING_STATE_HEADER]) headers.delete(name);
  headers.set(BOOKING_STATE_HEADER, JSON.stringify(state));
  const ns = context.env.PROVIDER_SCHEDULE;
  return ns.get(ns.idFromName(booking.providerId)).fetch(new Request(`https://provider-schedule${path}`, { method: "GET", headers }));
}

route("GET", "/api/v1/bookings/:code/events", (context) => forwardBookingChannel(context, "/booking/sse"));

route("GET", "/api/v1/bookings/:code/live", async (context) => {
  if (context.request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return errorResponse(426, "UPGRADE_REQUIRED", "This endpoint is a WebSocket; use /events for Server-Sent Events.");
  }
  return forwardBookingChannel(context, "/booking/ws");
});
