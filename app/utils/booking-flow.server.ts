// Shared plumbing of the customer booking pages: the page's service, the customer's time zone, the
// hold-owner token, the dependencies (Durable Object port, payments) and who may see a booking.
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { Queryable } from "../../db/client";
import { findServiceCard, type ServiceCard } from "../../db/queries/catalog";
import { isValidTimeZone } from "../../domain/time";
import { readCookie } from "../../workers/auth/session";
import { paymentsDepsFromConfig } from "../../workers/payments/stripe-client";
import type { BookingAccess } from "../../workers/services/booking-access";
import { appSchedulePort, workerDeps } from "../../workers/services/schedule-port";
import { getSession } from "./auth.server";

export const ZONE_COOKIE = "eb_tz";
const HOLDER_COOKIE = "eb_holder";

/** The service of the booking page's `:serviceId`, or a 404 response (thrown) if it is not offered. */
export async function serviceOr404(db: Queryable, serviceId: string | undefined): Promise<ServiceCard> {
  const service = await findServiceCard(db, serviceId ?? "");
  if (!service) throw new Response("This service does not exist or is no longer offered.", { status: 404 });
  return service;
}

/** The zone to show times in: ?tz=, then the remembered choice, then the given fallback. */
export function customerZone(request: Request, fallback: string): string {
  const fromQuery = new URL(request.url).searchParams.get("tz");
  if (fromQuery && isValidTimeZone(fromQuery)) return fromQuery;
  const remembered = readCookie(request, ZONE_COOKIE);
  if (remembered && isValidTimeZone(remembered)) return remembered;
  return fallback;
}

export function zoneCookie(zone: string): string {
  return `${ZONE_COOKIE}=${encodeURIComponent(zone)}; Path=/; SameSite=Lax; Max-Age=${60 * 60 * 24 * 365}`;
}

/**
 * The browser's hold-owner token: proves which holds are "mine" when the booking is created. Random,
 * HttpOnly, and not a credential for anything else.
 */
export function holderToken(request: Request): { token: string; setCookie: string | null } {
  const existing = readCookie(request, HOLDER_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{16,128}$/.test(existing)) return { token: existing, setCookie: null };
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const token = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
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
