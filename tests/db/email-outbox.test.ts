// The outbox sends each mail once, retries failures, and the booking mails carry the right content.
import { Temporal } from "@js-temporal/polyfill";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookingEvents, bookings, emailOutbox, users } from "../../db/schema";
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
let customerId: string;
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
  customerId = customer!.id;
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

  // The reminder window is 24 elapsed hours before the start, whatever the clocks do that night: a
  // wall-clock "same time tomorrow" is 23 or 25 hours away across a DST change.
  it("across DST the reminder window stays 24 elapsed hours, not a wall-clock day", async () => {
    const ny = await createProviderFixture(db, { timeZone: "America/New_York" });
    const zoned = (text: string) => Temporal.ZonedDateTime.from(`${text}[America/New_York]`).toInstant();
    const book = async (start: Temporal.Instant) => {
      const [row] = await db.insert(bookings).values(bookingRowFor(ny, start, 60, { confirmationCode: unique("DST").slice(0, 40), customerId })).returning();
      return row!.id;
    };
    const reminded = async (id: string) => (await db.select().from(emailOutbox).where(eq(emailOutbox.dedupeKey, `reminder:${id}:0`))).length;

    // Spring forward (14 March 2027). At 09:30 EST the day before:
    const springNow = zoned("2027-03-13T09:30-05:00");
    const nineTomorrow = await book(zoned("2027-03-14T09:00-04:00")); // 22 h 30 min ahead
    const tenFortyFive = await book(zoned("2027-03-14T10:45-04:00")); // 24 h 15 min ahead (25 h 15 min on the wall clock)
    await queueReminders(db, config, springNow);
    expect(await reminded(nineTomorrow)).toBe(1);
    expect(await reminded(tenFortyFive)).toBe(0);
    await queueReminders(db, config, springNow.add({ minutes: 15 }));
    expect(await reminded(tenFortyFive)).toBe(1);

    // Fall back (7 November 2027). At 10:00 EDT the day before, 09:30 EST tomorrow is 24 h 30 min
    // ahead though the wall clock says 23 h 30 min.
    const fallNow = zoned("2027-11-06T10:00-04:00");
    const nineThirty = await book(zoned("2027-11-07T09:30-05:00"));
    await queueReminders(db, config, fallNow);
    expect(await reminded(nineThirty)).toBe(0);
    await queueReminders(db, config, fallNow.add({ minutes: 30 }));
    expect(await reminded(nineThirty)).toBe(1);
  });
});

describe("cancellation and reschedule mails", () => {
  // What the services record in the change's own transaction (cancel-booking.ts, reschedule-booking.ts).
  let weeks = 0; // each booking a week apart: one provider cannot hold two at the same time
  const moved = async () => {
    const oldStart = Temporal.Instant.from("2027-05-03T08:00:00Z").add({ hours: 24 * 7 * weeks });
    const newStart = Temporal.Instant.from("2027-05-04T12:30:00Z").add({ hours: 24 * 7 * weeks++ });
    const code = unique("MOVE").slice(0, 40);
    const [row] = await db
      .insert(bookings)
      .values(bookingRowFor(fixture, newStart, 60, { confirmationCode: code, customerId, timeZone: "Europe/Berlin", customerName: "Rita", customerEmail, icsSequence: 2 }))
      .returning();
    const interval = (start: Temporal.Instant) => ({ start: start.toString(), end: start.add({ hours: 1 }).toString() });
    await db.insert(bookingEvents).values([
      // An older move (sequence 1) must not be the one the mail names.
      { bookingId: row!.id, type: "rescheduled", data: { from: interval(oldStart.subtract({ hours: 24 })), to: interval(oldStart), icsSequence: 1 } },
      { bookingId: row!.id, type: "rescheduled", data: { from: interval(oldStart), to: interval(newStart), icsSequence: 2 } },
    ]);
    return { id: row!.id, code };
  };
  const mailOf = async (id: string, kind: string) => (await db.select().from(emailOutbox).where(eq(emailOutbox.dedupeKey, `${kind}:${id}:2`)))[0]!;

  it("the reschedule mail states the old and the new time and links the booking", async () => {
    const { id, code } = await moved();
    expect(await queueBookingEmail(db, "reschedule", id, { baseUrl: config.PUBLIC_BASE_URL })).toBe(true);
    const text = (await mailOf(id, "reschedule")).textBody;
    expect(text).toContain("Was:  Monday, May 3, 2027 at 10:00 AM (Europe/Berlin)");
    expect(text).toContain("When: Tuesday, May 4, 2027 at 2:30 PM (Europe/Berlin)");
    expect(text).toContain(`Your booking: ${config.PUBLIC_BASE_URL}/bookings/${code}`);
  });

  it("the cancellation mail states the refund recorded on cancelling and links the booking", async () => {
    const { id, code } = await moved();
    await db.insert(bookingEvents).values({ bookingId: id, type: "cancelled", data: { refund: { amount: 1500, currency: "usd", percent: 50, paid: 3000, explanation: "x" } } });
    expect(await queueBookingEmail(db, "cancellation", id, { baseUrl: config.PUBLIC_BASE_URL })).toBe(true);
    const text = (await mailOf(id, "cancellation")).textBody;
    expect(text).toContain("Refund: Refunded $15.00 (50% refund).");
    expect(text).toContain(`Your booking: ${config.PUBLIC_BASE_URL}/bookings/${code}`);
  });

  it("a cancellation with nothing charged says nothing was refunded", async () => {
    const { id } = await moved();
    await db.insert(bookingEvents).values({ bookingId: id, type: "cancelled", data: { refund: { amount: 0, currency: "usd", percent: 100, paid: 0, explanation: "x" } } });
    await queueBookingEmail(db, "cancellation", id, { baseUrl: config.PUBLIC_BASE_URL });
    expect((await mailOf(id, "cancellation")).textBody).toContain("Refund: Nothing had been charged, so nothing was refunded.");
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
