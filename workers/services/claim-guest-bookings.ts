// When a guest signs up (or signs in) with the email they booked with, their guest bookings become
// account bookings: bookings.customer_id is set, the guest session records who claimed it, and each
// booking gets a "claimed" event. The manage token keeps working.
//
// Call only with an email the user has PROVED they own (verified sign-up / sign-in): whoever passes an
// email here receives every unclaimed guest booking made with it.
import type { Database } from "../../db/client";
import { assignBookingsToCustomer, insertEvents, lockUnclaimedGuestSessions, markGuestSessionsClaimed } from "../../db/queries/bookings";

export interface ClaimResult {
  sessions: number;
  bookingIds: string[];
}

export async function claimGuestBookings(db: Database, args: { userId: string; email: string }): Promise<ClaimResult> {
  const email = args.email.trim();
  if (!email) return { sessions: 0, bookingIds: [] };
  return db.transaction(async (tx) => {
    // Locked so two concurrent sign-ins cannot both claim (and audit) the same session.
    const sessions = await lockUnclaimedGuestSessions(tx, email);
    if (sessions.length === 0) return { sessions: 0, bookingIds: [] };
    const ids = sessions.map((s) => s.id);
    await markGuestSessionsClaimed(tx, ids, args.userId);
    const claimed = await assignBookingsToCustomer(tx, ids, args.userId);
    await insertEvents(
      tx,
      claimed.map((b) => ({ bookingId: b.id, type: "claimed", data: { userId: args.userId, guestSessionId: b.guestSessionId } })),
    );
    return { sessions: sessions.length, bookingIds: claimed.map((b) => b.id) };
  });
}
