// Who is asking about a booking, decided from the booking row: admins see everything, the provider
// their own bookings, the customer their own, a guest with the manage token theirs. Anyone else gets
// NOT_FOUND (not FORBIDDEN), so probing confirmation codes does not reveal which ones exist.
import { eq } from "drizzle-orm";
import type { Actor } from "../../domain/booking-states";
import { hashToken, normalizeConfirmationCode } from "../../domain/confirmation-code";
import { DomainError } from "../../domain/errors";
import type { Queryable } from "../../db/client";
import { findBookingWithContextByCode, type BookingWithContext } from "../../db/queries/bookings";
import { users } from "../../db/schema";
import type { Session } from "../auth/session";

export interface BookingAccess {
  session?: Pick<Session, "userId" | "role"> | null;
  /** The guest's manage token (from `Authorization: Bearer` or `?token=`). */
  manageToken?: string | null;
}

export function bookingNotFound(): DomainError {
  return new DomainError("NOT_FOUND", "No booking with that confirmation code");
}

/** The actor this request acts as for `found`, or null when it has no business with the booking. */
export async function resolveActor(db: Queryable, found: BookingWithContext, access: BookingAccess, now: Date): Promise<Actor | null> {
  const { session, manageToken } = access;
  if (session) {
    // The cookie's role is signed but may be up to two weeks old: confirm admin rights in the database.
    if (session.role === "admin" && (await hasRole(db, session.userId, "admin"))) return { type: "admin", id: session.userId };
    if (session.userId === found.providerUserId) return { type: "provider", id: session.userId };
    if (found.booking.customerId && session.userId === found.booking.customerId) return { type: "customer", id: session.userId };
  }
  if (manageToken && found.guestSession && found.guestSession.expiresAt.getTime() > now.getTime()) {
    // Comparing two SHA-256 digests of a 256-bit secret: timing reveals nothing usable about the token.
    if ((await hashToken(manageToken)) === found.guestSession.tokenHash) return { type: "guest", id: null };
  }
  return null;
}

async function hasRole(db: Queryable, userId: string, role: "admin" | "provider" | "customer"): Promise<boolean> {
  const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId));
  return row?.role === role;
}

/** Loads a booking by (forgivingly typed) code and resolves the caller, or throws NOT_FOUND. */
export async function loadBookingFor(
  db: Queryable,
  code: string,
  access: BookingAccess,
  now: Date,
): Promise<{ found: BookingWithContext; actor: Actor }> {
  const canonical = normalizeConfirmationCode(code);
  if (!canonical) throw bookingNotFound();
  const found = await findBookingWithContextByCode(db, canonical);
  if (!found) throw bookingNotFound();
  const actor = await resolveActor(db, found, access, now);
  if (!actor) throw bookingNotFound();
  return { found, actor };
}
