// The mails a booking sends, built from one place: confirmation (with the .ics), cancellation,
// reschedule, approval needed (to the provider), payment failed, reminder. Each is enqueued in the
// outbox with a dedupe key tied to the booking and its calendar sequence, so retries and duplicate
// webhooks never send a mail twice.
import { Temporal } from "@js-temporal/polyfill";
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import type { BookingRow } from "../../db/queries/bookings";
import { bookingEvents, bookings, guestBookingSessions, providers, services, users } from "../../db/schema";
import { toBase64 } from "../../domain/base64";
import { type Keyring, existingGuestManageToken, newGuestManageToken } from "../auth/keyring";
import { bookingUid, googleCalendarUrl, toIcs } from "../../domain/ics";
import { refundSentence } from "../../domain/cancellation-policy";
import { formatMoney, money } from "../../domain/money";
import { enqueueEmail, type QueuedEmail } from "./outbox";

export type BookingEmailKind = "confirmation" | "cancellation" | "reschedule" | "approval_needed" | "payment_failed" | "reminder" | "declined";

// Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", { dateStyle: "full", timeStyle: "short", timeZone: zone });
    formatters.set(zone, found);
  }
  return found;
}

function when(instant: Temporal.Instant, zone: string): string {
  return `${formatter(zone).format(new Date(instant.epochMilliseconds))} (${zone})`;
}

export interface BookingEmailOptions {
  /** Absolute base URL for links. */
  baseUrl: string;
  /** Lets guest mails carry the manage link with the guest's (derived) token. */
  manageTokenKeys?: Keyring;
  /** Extra line, e.g. the reason given. */
  note?: string;
}

/** What the booking's recorded events say about the change a mail is about (queueBookingEmail reads them). */
export interface RecordedChange {
  /** The refund decided on cancelling (the "cancelled" event's data.refund). */
  refund?: { amount: number; currency: string; percent: number; paid: number };
  /** The start before the move (the "rescheduled" event's data.from.start). */
  previousStart?: Temporal.Instant;
}

/**
 * The manage page; guests need their token in the link, signed-in customers their session. A guest's
 * token is the one the writer holds, or re-derived with whichever key made the stored hash (so a
 * rotated secret does not put a dead link into later mails); a caller that does not know the hash
 * gets the newest key's token, as before rotation existed.
 */
export async function manageLink(
  options: Pick<BookingEmailOptions, "baseUrl" | "manageTokenKeys">,
  code: string,
  guest: { id: string; tokenHash?: string | null; knownToken?: string } | null,
): Promise<string> {
  const url = `${options.baseUrl}/manage/${code}`;
  if (!guest) return url;
  const keys = options.manageTokenKeys;
  const token =
    guest.knownToken ??
    (!keys || guest.tokenHash === null
      ? null
      : guest.tokenHash === undefined
        ? await newGuestManageToken(keys, guest.id)
        : await existingGuestManageToken(keys, guest.id, guest.tokenHash));
  return token ? `${url}?token=${token}` : url;
}

/** What a booking's mail is written from: the booking as stored, its service, its provider and their address. */
export interface BookingEmailContext {
  booking: Pick<
    BookingRow,
    "id" | "confirmationCode" | "customerName" | "customerEmail" | "startsAt" | "endsAt" | "timeZone" | "providerTimeZone" | "totalAmount" | "currency" | "guestSessionId" | "icsSequence" | "notes"
  >;
  service: { name: string; durationMinutes: number };
  provider: { displayName: string };
  /** Needed by the approval request only (it goes to the provider). */
  providerEmail?: string;
  /** The guest's manage token when the writer holds it (a new booking): the link carries it instead of deriving it again. */
  manageToken?: string;
  /** The stored hash of the guest's manage token (read from Postgres; null: no session row): picks the key to re-derive it with. */
  guestTokenHash?: string | null;
  recorded?: RecordedChange;
}

/** Reads the booking with its service and provider, then enqueues the mail of `kind` (false: no such booking, or already queued). */
export async function queueBookingEmail(db: Queryable, kind: BookingEmailKind, bookingId: string, options: BookingEmailOptions) {
  const [row] = await db
    .select({ booking: bookings, service: services, provider: providers, providerEmail: users.email, guestTokenHash: guestBookingSessions.tokenHash })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .innerJoin(users, eq(users.id, providers.userId))
    .leftJoin(guestBookingSessions, eq(guestBookingSessions.id, bookings.guestSessionId))
    .where(eq(bookings.id, bookingId));
  if (!row) return false;
  const recorded = kind === "cancellation" || kind === "reschedule" ? await recordedChange(db, kind, row.booking) : undefined;
  return enqueueEmail(db, await composeBookingEmail(kind, { ...row, recorded }, options));
}

/**
 * The refund and the old time come from the events the change wrote in its own transaction, not from
 * the caller: whichever path cancelled or moved the booking, the mail states what was recorded. The
 * move is the one that produced this calendar sequence, so a late retry names the right old time.
 */
async function recordedChange(db: Queryable, kind: "cancellation" | "reschedule", booking: Pick<BookingRow, "id" | "icsSequence">): Promise<RecordedChange> {
  const types = kind === "reschedule" ? ["rescheduled"] : ["cancelled", "declined"];
  const events = await db
    .select({ data: bookingEvents.data })
    .from(bookingEvents)
    .where(and(eq(bookingEvents.bookingId, booking.id), inArray(bookingEvents.type, types)))
    .orderBy(desc(bookingEvents.id))
    .limit(10);
  if (kind === "cancellation") {
    const refund = (events[0]?.data as { refund?: RecordedChange["refund"] } | undefined)?.refund;
    return refund && Number.isInteger(refund.amount) ? { refund } : {};
  }
  const move = events
    .map((e) => e.data as { from?: { start?: string }; icsSequence?: number })
    .find((d) => d.icsSequence === booking.icsSequence && typeof d.from?.start === "string");
  return move ? { previousStart: Temporal.Instant.from(move.from!.start!) } : {};
}

/** The mail of `kind` about a booking, ready for the outbox (its dedupe key ties it to the booking's calendar sequence). */
export async function composeBookingEmail(kind: BookingEmailKind, row: BookingEmailContext, options: BookingEmailOptions): Promise<QueuedEmail> {
  const { booking, service, provider } = row;
  const start = Temporal.Instant.fromEpochMilliseconds(booking.startsAt.getTime());
  const end = Temporal.Instant.fromEpochMilliseconds(booking.endsAt.getTime());
  const guest = booking.guestSessionId ? { id: booking.guestSessionId, tokenHash: row.guestTokenHash, knownToken: row.manageToken } : null;
  const manageUrl = await manageLink(options, booking.confirmationCode, guest);
  // The confirmation page takes the same token as the manage page.
  const bookingUrl = manageUrl.replace(`/manage/${booking.confirmationCode}`, `/bookings/${booking.confirmationCode}`);
  const { refund, previousStart } = row.recorded ?? {};
  const price = formatMoney({ amount: booking.totalAmount, currency: booking.currency });
  const summary = `${service.name} with ${provider.displayName}`;
  const times = [
    `When: ${when(start, booking.timeZone)}`,
    ...(booking.timeZone !== booking.providerTimeZone ? [`      ${when(start, booking.providerTimeZone)} for ${provider.displayName}`] : []),
    `Length: ${service.durationMinutes} minutes`,
  ];
  const calendar = {
    uid: bookingUid(booking.id),
    sequence: booking.icsSequence,
    start,
    end,
    summary,
    description: `Confirmation code ${booking.confirmationCode}\nManage: ${manageUrl}`,
    location: provider.displayName,
    url: manageUrl,
    stamp: Temporal.Now.instant(),
  };
  const ics = (status: "CONFIRMED" | "CANCELLED") => [
    { filename: "booking.ics", contentType: "text/calendar; charset=utf-8", content: toBase64(new TextEncoder().encode(toIcs({ ...calendar, status }))) },
  ];

  const toCustomer = { to: booking.customerEmail, bookingId: booking.id };
  const dedupe = `${kind}:${booking.id}:${booking.icsSequence}`;
  const lines = (...parts: Array<string | undefined | false>) => parts.filter((p): p is string => typeof p === "string").join("\n");

  switch (kind) {
    case "confirmation":
      return {
        ...toCustomer,
        kind,
        dedupeKey: dedupe,
        subject: `Confirmed: ${summary} (${booking.confirmationCode})`,
        text: lines(`Hi ${booking.customerName},`, "", `Your booking is confirmed.`, "", ...times, `Paid: ${price}`, `Confirmation code: ${booking.confirmationCode}`, "", `Add to Google Calendar: ${googleCalendarUrl(calendar)}`, `Manage or cancel: ${manageUrl}`, options.note),
        attachments: ics("CONFIRMED"),
      };
    case "reschedule":
      return {
        ...toCustomer,
        kind,
        dedupeKey: dedupe,
        subject: `Moved: ${summary} (${booking.confirmationCode})`,
        text: lines(
          `Hi ${booking.customerName},`,
          "",
          "Your booking has a new time.",
          "",
          previousStart && `Was:  ${when(previousStart, booking.timeZone)}`,
          ...times,
          `Confirmation code: ${booking.confirmationCode}`,
          `Your booking: ${bookingUrl}`,
          `Manage: ${manageUrl}`,
          options.note,
        ),
        attachments: ics("CONFIRMED"),
      };
    case "cancellation":
      return {
        ...toCustomer,
        kind,
        dedupeKey: dedupe,
        subject: `Cancelled: ${summary} (${booking.confirmationCode})`,
        text: lines(
          `Hi ${booking.customerName},`,
          "",
          "Your booking has been cancelled.",
          "",
          ...times,
          refund && `Refund: ${refundSentence(money(refund.amount, refund.currency), refund.percent, refund.paid, "done")}`,
          `Confirmation code: ${booking.confirmationCode}`,
          `Your booking: ${bookingUrl}`,
          options.note,
        ),
        attachments: ics("CANCELLED"),
      };
    case "declined":
      return {
        ...toCustomer,
        kind,
        dedupeKey: dedupe,
        subject: `Not accepted: ${summary}`,
        text: lines(`Hi ${booking.customerName},`, "", `${provider.displayName} could not accept this booking. Your card was not charged.`, "", ...times, options.note),
      };
    case "payment_failed":
      return {
        ...toCustomer,
        kind,
        dedupeKey: `${dedupe}:${options.note ?? ""}`,
        subject: `Payment did not go through: ${summary}`,
        text: lines(`Hi ${booking.customerName},`, "", "Your payment was declined, so the booking is not confirmed yet.", "", ...times, `You can try again while your slot is held: ${manageUrl}`, options.note),
      };
    case "reminder":
      return {
        ...toCustomer,
        kind,
        dedupeKey: dedupe,
        subject: `Reminder: ${summary}`,
        text: lines(`Hi ${booking.customerName},`, "", "A reminder of your upcoming booking.", "", ...times, `Confirmation code: ${booking.confirmationCode}`, `Manage: ${manageUrl}`),
        attachments: ics("CONFIRMED"),
      };
    case "approval_needed":
      if (!row.providerEmail) throw new Error("the approval request mail needs the provider's address");
      return {
        to: row.providerEmail,
        bookingId: booking.id,
        kind,
        dedupeKey: dedupe,
        subject: `Please accept or decline: ${service.name} for ${booking.customerName}`,
        text: lines(`${booking.customerName} asked for ${service.name}.`, "", `When: ${when(start, booking.providerTimeZone)}`, `Amount authorised: ${price}`, "", `Accept or decline: ${options.baseUrl}/provider/bookings/${booking.confirmationCode}`, booking.notes ? `Notes: ${booking.notes}` : undefined),
      };
  }
}
