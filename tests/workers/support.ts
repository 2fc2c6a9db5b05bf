// Shared helpers for the workerd tests that drive the pages through the Worker's real fetch handler
// against the test Postgres: requests like a browser's, the page's CSRF token, a signed-in session
// cookie (with its user_sessions row), and the bookings rows they insert directly.
import { exports } from "cloudflare:workers";
import { Temporal } from "@js-temporal/polyfill";
import { withDatabase } from "../../db/client";
import { signSession, type Session } from "../../workers/auth/session";
import { startSession } from "../../workers/auth/session-store";
import { bookingRowFor, type BookingRowFixture, type NewBookingRow } from "../support/fixtures";

/** Like a browser: the Host header is always there (Remix compares a POST's Origin with it). */
export function fetchWorker(path: string, init: RequestInit & { origin?: string } = {}): Promise<Response> {
  const url = new URL(path, init.origin ?? "http://example.test");
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", url.host);
  return (exports as unknown as { default: Fetcher }).default.fetch(new Request(url, { redirect: "manual", ...init, headers }));
}

/** The CSRF token of the (first) form on the page. */
export function csrfFrom(html: string): string {
  const match = html.match(/<input type="hidden" name="csrf" value="([^"]+)"/);
  if (!match) throw new Error("no csrf input in the page");
  return match[1]!;
}

/**
 * A Cookie header value for a new live session of this (existing) user, as if they had signed in: a
 * user_sessions row plus the cookie signed with the config's SESSION_SECRET.
 */
export async function signedInCookie(
  user: Pick<Session, "userId" | "role" | "name"> & { csrf?: string },
  config: { DATABASE_URL: string; NEON_WS_PROXY?: string; SESSION_SECRET: string },
): Promise<string> {
  const started = await withDatabase(config, (db) => startSession(db, { userId: user.userId, userAgent: "workerd test" }));
  const token = await signSession({ ...user, sid: started.id, exp: Math.floor(started.expiresAt.epochMilliseconds / 1000) }, { secrets: [config.SESSION_SECRET] });
  return `eb_session=${encodeURIComponent(token)}`;
}

/**
 * A bookings row as these tests insert it: booked from Europe/London, occupying exactly its service
 * time [startsAt, startsAt + minutes), 50.00 USD of which 10 % is the platform fee; otherwise as
 * bookingRowFor. `overrides` replaces any column and must name the customer.
 */
export function pageTestBookingRow(fixture: BookingRowFixture, startsAt: Date, minutes: number, overrides: Partial<NewBookingRow>): NewBookingRow {
  return bookingRowFor(fixture, Temporal.Instant.fromEpochMilliseconds(startsAt.getTime()), minutes, {
    requestHash: "test",
    timeZone: "Europe/London",
    occupiedUntil: new Date(startsAt.getTime() + minutes * 60_000),
    totalAmount: 5000,
    platformFeeAmount: 500,
    providerAmount: 4500,
    ...overrides,
  });
}
