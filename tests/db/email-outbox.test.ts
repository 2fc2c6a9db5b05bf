// The outbox sends each mail once, retries failures, and the booking mails carry the right content.
import { Temporal } from "@js-temporal/polyfill";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookings, emailOutbox, users } from "../../db/schema";
import { queueBookingEmail } from "../../workers/email/booking-emails";
import { queueReminders } from "../../workers/email/jobs";
import { deliverQueuedEmails, enqueueEmail } from "../../workers/email/outbox";
import type { EmailSender, OutgoingEmail } from "../../workers/email/sender";
import { bookingRowFor, createProviderFixture, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { mailTestConfig } from "../support/fixtures";

const handle = openTestDatabase(10);
const db = handle.db;
let fixture: ProviderFixture;
let bookingId: string;
let customerEmail: string;
const config = mailTestConfig();

beforeAll(async () => {
  fixture = await createProviderFixture(db, { timeZone: "Asia/Kathmandu" });
  customerEmail = `${unique("guest")}@example.test`;
  const [customer] = await db.insert(users).values({ email: customerEmail, name: "Rita", role: "customer" }).returning();
  // Starts in 3 hours: inside the reminder window.
  const start = Temporal.Now.instant().add({ hours: 3 }).round({ smallestUnit: "minute" });
  const [booking] = await db
    .insert(bookings)
    .values(
      bookingRowFor(fixture, start, 60, {
        confirmationCode: unique("MAIL").slice(0, 40),
        customerId: customer!.id,
        timeZone: "America/Chicago",
        customerName: "Rita",
        customerEmail,
      }),
    )
    .returning();
  bookingId = booking!.id;
});
afterAll(() => handle.close());

function recordingSender(failFirst = 0): EmailSender & { sent: OutgoingEmail[] } {
  let failures = failFirst;
  const sent: OutgoingEmail[] = [];
  return {
    name: "test",
    sent,
    async send(email) {
      if (failures > 0) {
        failures--;
        throw new Error("smtp down");
      }
      sent.push(email);
      return { providerMessageId: `m${sent.length}` };
    },
  };
}

describe("booking emails", () => {
  it("queues a confirmation with times in both zones, the code and an .ics attachment, once", async () => {
    expect(await queueBookingEmail(db, "confirmation", bookingId, { baseUrl: config.PUBLIC_BASE_URL })).toBe(true);
    expect(await queueBookingEmail(db, "confirmation", bookingId, { baseUrl: config.PUBLIC_BASE_URL })).toBe(false);
    const rows = await db.select().from(emailOutbox).where(eq(emailOutbox.bookingId, bookingId));
    expect(rows).toHaveLength(1);
    const mail = rows[0]!;
    expect(mail.toAddress).toBe(customerEmail);
    expect(mail.textBody).toContain("(America/Chicago)");
    expect(mail.textBody).toContain("(Asia/Kathmandu)");
    const [attachment] = mail.attachments as Array<{ filename: string; content: string }>;
    expect(attachment!.filename).toBe("booking.ics");
    const ics = new TextDecoder().decode(Uint8Array.from(atob(attachment!.content), (c) => c.charCodeAt(0)));
    expect(ics).toContain(`UID:booking-${bookingId}@edge-booking`);
  });

  it("queues a reminder for a booking starting within a day, and only once", async () => {
    await queueReminders(db, config);
    await queueReminders(db, config);
    const reminders = await db.select().from(emailOutbox).where(eq(emailOutbox.dedupeKey, `reminder:${bookingId}:0`));
    expect(reminders).toHaveLength(1);
  });
});

describe("deliverQueuedEmails", () => {
  it("retries a failed send and never sends the same mail twice, even with overlapping runs", async () => {
    const keys = [unique("k"), unique("k")];
    for (const key of keys) {
      await enqueueEmail(db, { kind: "test", to: "a@example.test", subject: key, text: "hello", dedupeKey: key });
    }
    const flaky = recordingSender(100); // fails everything on the first pass
    await deliverQueuedEmails(db, flaky, "from@example.test", 500);
    let rows = await db.select().from(emailOutbox).where(inArray(emailOutbox.dedupeKey, keys));
    expect(rows.every((r) => r.status === "queued" && r.attempts === 1 && r.lastError === "smtp down")).toBe(true);

    const sender = recordingSender();
    await Promise.all([
      deliverQueuedEmails(db, sender, "from@example.test", 500),
      deliverQueuedEmails(db, sender, "from@example.test", 500),
    ]);
    const ours = sender.sent.filter((m) => keys.includes(m.subject));
    expect(ours.map((m) => m.subject).sort()).toEqual([...keys].sort());
    rows = await db.select().from(emailOutbox).where(inArray(emailOutbox.dedupeKey, keys));
    expect(rows.every((r) => r.status === "sent" && r.sentAt !== null)).toBe(true);
  });
});
