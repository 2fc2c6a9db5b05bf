// Sign-up → "claim guest bookings": bookings made as a guest with the same email become the new
// account's. The claiming itself is claimGuestBookings() in workers/services/; sign-up only calls
// this hook.
//
// Gate: claimGuestBookings must only get an email the user has proved they own, or anyone could
// register someone else's address and receive that person's guest bookings (name, phone, times).
// Sign-up passes emailVerified: false (nothing is claimed, the guest's manage links keep working);
// opening the mailed verification link (email-verification.ts) passes true.
import { and, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { guestBookingSessions } from "../../db/schema";
import { claimGuestBookings, type ClaimResult } from "../services/claim-guest-bookings";

/** Whether unclaimed guest bookings exist for this email (case-insensitive, like the guest index). */
export async function hasUnclaimedGuestBookings(db: Database, email: string): Promise<boolean> {
  const [row] = await db
    .select({ id: guestBookingSessions.id })
    .from(guestBookingSessions)
    .where(and(sql`lower(${guestBookingSessions.email}) = ${email.trim().toLowerCase()}`, isNull(guestBookingSessions.claimedByUserId)))
    .limit(1);
  return row !== undefined;
}

/** Called by sign-up after the account is created. Never fails the sign-up: errors are logged. */
export async function claimGuestBookingsAfterSignUp(
  db: Database,
  input: { userId: string; email: string; emailVerified: boolean },
): Promise<ClaimResult | null> {
  try {
    if (!input.emailVerified) {
      if (await hasUnclaimedGuestBookings(db, input.email)) {
        console.log(JSON.stringify({ eventName: "auth.guest_bookings_claim_deferred", userId: input.userId, reason: "email not verified" }));
      }
      return null;
    }
    return await claimGuestBookings(db, { userId: input.userId, email: input.email });
  } catch (error) {
    console.error(JSON.stringify({ eventName: "auth.claim_guest_bookings_failed", userId: input.userId, message: error instanceof Error ? error.message : String(error) }));
    return null;
  }
}
