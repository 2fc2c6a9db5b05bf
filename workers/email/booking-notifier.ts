// Turns committed booking changes into customer and provider mail. It wraps the schedule port, because
// every service (booking, payments, cron) already reports each committed change there exactly once.
// Mail is enqueued right after the commit (not inside it): if the Worker died in between, the change
// stands and one mail is missing, never a mail about a change that did not happen. A writer that can
// commit the mail in the same statement as the change (a new free booking) asks mailWithChange for it
// (decision 0007). Dedupe keys make a repeated report harmless. It uses the caller's database (the
// request's or the cron run's pool), so a change costs no extra connection.
import type { Database } from "../../db/client";
import { keyringOf } from "../auth/keyring";
import type { AppConfig } from "../env";
import type { BookingChange, SchedulePort } from "../services/ports";
import { composeBookingEmail, queueBookingEmail, type BookingEmailKind } from "./booking-emails";

/** Which mail a change means, if any. */
export function emailKindFor(change: Pick<BookingChange, "kind" | "details">): BookingEmailKind | null {
  const { status, from } = change.details;
  if (change.kind === "rescheduled") return "reschedule";
  if (from === status) return null;
  switch (status) {
    case "confirmed":
      return from === "pending" || from === "awaiting_approval" || from === "payment_failed" ? "confirmation" : null;
    case "awaiting_approval":
      return "approval_needed";
    // payment_failed: mailed by the payments code inside its transaction, once per failed attempt.
    case "cancelled":
      return from === "awaiting_approval" ? "declined" : "cancellation";
    default:
      return null;
  }
}

export function withBookingEmails(port: SchedulePort, config: AppConfig, db: Database): SchedulePort {
  const options = { baseUrl: config.PUBLIC_BASE_URL, manageTokenKeys: keyringOf(config) };
  return {
    ...(port.local ? { local: port.local } : {}),
    liveHolds: (providerId, window) => port.liveHolds(providerId, window),
    claimForBooking: (args) => port.claimForBooking(args),
    async mailWithChange(change, context) {
      const kind = emailKindFor(change);
      // The approval request goes to the provider, whose address a writer may not have: that one is
      // queued after the commit, when bookingChanged reads it.
      if (!kind || (kind === "approval_needed" && !context.providerEmail)) return null;
      return composeBookingEmail(kind, context, { ...options, note: change.details.reason });
    },
    async bookingChanged(providerId, change) {
      await port.bookingChanged(providerId, change);
      const kind = emailKindFor(change);
      if (!kind || change.mailQueued) return;
      try {
        await queueBookingEmail(db, kind, change.bookingId, { ...options, note: change.details.reason });
      } catch (error) {
        console.error(JSON.stringify({ eventName: "email.enqueue_failed", bookingId: change.bookingId, kind, message: error instanceof Error ? error.message : String(error) }));
      }
    },
  };
}
