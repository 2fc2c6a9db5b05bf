// Email work done by the housekeeping cron: queue reminders for bookings starting within the next day,
// then deliver whatever is queued.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, gt, lte } from "drizzle-orm";
import type { Database } from "../../db/client";
import { bookings } from "../../db/schema";
import { keyringOf } from "../auth/keyring";
import type { AppConfig } from "../env";
import { queueBookingEmail } from "./booking-emails";
import { deliverQueuedEmails } from "./outbox";
import { createEmailSender } from "./sender";

export const REMINDER_LEAD = Temporal.Duration.from({ hours: 24 });

export async function queueReminders(db: Database, config: AppConfig, now = Temporal.Now.instant()) {
  const horizon = now.add(REMINDER_LEAD);
  const due = await db
    .select({ id: bookings.id })
    .from(bookings)
    .where(
      and(
        eq(bookings.status, "confirmed"),
        gt(bookings.startsAt, new Date(now.epochMilliseconds)),
        lte(bookings.startsAt, new Date(horizon.epochMilliseconds)),
      ),
    );
  let queued = 0;
  // The dedupe key (kind + booking + calendar sequence) makes every later run a no-op for these.
  for (const { id } of due) if (await queueBookingEmail(db, "reminder", id, { baseUrl: config.PUBLIC_BASE_URL, manageTokenKeys: keyringOf(config) })) queued++;
  return { remindersQueued: queued };
}

export async function deliverEmails(db: Database, config: AppConfig) {
  return deliverQueuedEmails(db, createEmailSender(config), config.EMAIL_FROM);
}
