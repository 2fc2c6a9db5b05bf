// Shared plumbing of the customer booking pages: the page's service, the customer's time zone, the
// hold-owner token, the dependencies (Durable Object port, payments) and who may see a booking.
import type { Temporal } from "@js-temporal/polyfill";
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { BookableServiceCard } from "../../db/queries/catalog";
import { isValidTimeZone } from "../../domain/time";
import { canonicalZoneName } from "../../domain/zone-names";
import { isDomainError } from "../../domain/errors";
import { budgetFor, countAttempt, HOLD_ATTEMPTS } from "../../workers/auth/client-budget";
import { readCookie } from "../../workers/http/cookies";
import { holdSlot } from "../../workers/services/hold-slot";
import { serviceCardFromSchedule } from "../../workers/services/schedule-reads";
import { paymentsDepsFromConfig } from "../../workers/payments/stripe-client";
import type { BookingAccess } from "../../workers/services/booking-access";
import { appSchedulePort, workerDeps } from "../../workers/composition";
import { getSession } from "./auth.server";
import { logScheduleError, scheduleStub } from "./schedule-object.server";
import { toBase64Url } from "../../domain/base64";
import { ZONE_COOKIE, ZONE_COOKIE_MAX_AGE_SECONDS } from "./zone-cookie";

const HOLDER_COOKIE = "eb_holder";

/**
 * The service of the booking page's `:serviceId`, or a 404 response (thrown) if it is not offered.
 * Read from the provider's Durable Object (its schedule snapshot), not from Postgres.
 */
export async function serviceOr404(context: AppLoadContext, serviceId: string | undefined): Promise<BookableServiceCard> {
  const service = await serviceCardFromSchedule(context.cloudflare.env, () => context.database.db, serviceId ?? "");
  if (!service) throw new Response("This service does not exist or is no longer offered.", { status: 404 });
  return service;
}

/** The zone to show times in: ?tz=, then the remembered choice, then the given fallback. */
export function customerZone(request: Request, fallback: string): string {
  return customerZoneWithSource(request, fallback).zone;
}

/**
 * The visitor's zone and where it came from: the address (a choice in the picker), the cookie (the
 * picker's last choice, or the browser's own zone written by the root's first script), or the
 * fallback (the provider's zone: a first page before that script ever ran).
 */
export function customerZoneWithSource(request: Request, fallback: string): { zone: string; source: "query" | "cookie" | "fallback" } {
  const asked = new URL(request.url).searchParams.get("tz");
  const fromQuery = asked ? canonicalZoneName(asked) : null;
  if (fromQuery && isValidTimeZone(fromQuery)) return { zone: fromQuery, source: "query" };
  const cookie = readCookie(request, ZONE_COOKIE);
  const remembered = cookie ? canonicalZoneName(cookie) : null;
  if (remembered && isValidTimeZone(remembered)) return { zone: remembered, source: "cookie" };
  return { zone: fallback, source: "fallback" };
}

export function zoneCookie(zone: string): string {
  return `${ZONE_COOKIE}=${encodeURIComponent(zone)}; Path=/; SameSite=Lax; Max-Age=${ZONE_COOKIE_MAX_AGE_SECONDS}`;
}

/** The holder token the browser already has, or null (never mints one). */
export function readHolderToken(request: Request): string | null {
  const existing = readCookie(request, HOLDER_COOKIE);
  return existing && /^[A-Za-z0-9_-]{16,128}$/.test(existing) ? existing : null;
}

/**
 * The browser's hold-owner token: proves which holds are "mine" when the booking is created. Random,
 * HttpOnly, and not a credential for anything else.
 */
export function holderToken(request: Request): { token: string; setCookie: string | null } {
  const existing = readHolderToken(request);
  if (existing) return { token: existing, setCookie: null };
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const token = toBase64Url(bytes);
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  return { token, setCookie: `${HOLDER_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${60 * 60 * 24}${secure}` };
}

export function bookingDeps(context: AppLoadContext) {
  return workerDeps(context.cloudflare.env, context.cloudflare.config, context.database.db);
}

export function paymentDeps(context: AppLoadContext) {
  return paymentsDepsFromConfig(context.cloudflare.config, appSchedulePort(context.cloudflare.env, context.cloudflare.config, context.database.db));
}

/** Who is asking: the signed-in session, or a guest with the manage token from ?token=. */
export async function bookingAccess(request: Request, context: AppLoadContext): Promise<BookingAccess & { token: string | null }> {
  const token = new URL(request.url).searchParams.get("token");
  const session = await getSession(request, context);
  return { session, manageToken: token, token };
}

/** `?token=…` to carry a guest's access along links, or nothing for signed-in customers. */
export function tokenQuery(token: string | null | undefined): string {
  return token ? `?token=${encodeURIComponent(token)}` : "";
}

/**
 * The visitor's hold for the details step as the provider's object has it now (so the countdown shows
 * the real expiry), marked as shown so a release beacon from an earlier view of it cannot take it
 * away. If there is none (a reload whose beacon released it, an expired hold, a sign-in detour) and
 * the time is still free, it is taken again; null when that is not possible either.
 */
export async function currentHold(
  request: Request,
  context: AppLoadContext,
  args: { providerId: string; serviceId: string; holdId: string | null; start: Temporal.Instant },
): Promise<{ id: string; expiresAt: string } | null> {
  const holder = holderToken(request);
  try {
    if (args.holdId && holder.setCookie === null) {
      const shown = await scheduleStub(context, args.providerId).showHold(args.holdId, holder.token);
      if (shown.ok && Date.parse(shown.hold.start) === args.start.epochMilliseconds) return { id: shown.hold.id, expiresAt: shown.hold.expiresAt };
    }
    if (holder.setCookie !== null) return null; // no holder cookie yet: nothing to show or re-take from this request
    const limit = await countAttempt(context.cloudflare.env, request, HOLD_ATTEMPTS);
    if (!limit.allowed) return null;
    const hold = await holdSlot(await budgetFor(context.cloudflare.env, request), {
      providerId: args.providerId,
      serviceId: args.serviceId,
      start: args.start,
      holder: holder.token,
    });
    return { id: hold.id, expiresAt: hold.expiresAt };
  } catch (error) {
    // Taken meanwhile, at a limit, or outside hours: the page still works, booking then says why.
    if (!isDomainError(error)) logScheduleError(args.providerId, error);
    return null;
  }
}
