// iCalendar (RFC 5545) events for "add to calendar", email attachments and subscription feeds, plus a
// Google Calendar link. Pure: the caller passes everything. The UID is stable per booking and SEQUENCE
// grows with every reschedule/cancellation, so calendar apps update the same event instead of adding one.
import { Temporal } from "@js-temporal/polyfill";
import type { BookingStatus } from "./booking-states";
import { instantText } from "./instant-text";

/**
 * A booking's event UID. The mailed .ics, the download and the subscription feeds must all use this
 * one, or calendar apps show the same booking twice and never cancel the copy.
 */
export function bookingUid(bookingId: string): string {
  return `booking-${bookingId}@edge-booking`;
}

export interface CalendarEvent {
  /** Stable per booking: bookingUid(). */
  uid: string;
  /** iCalendar SEQUENCE; bump on every change. */
  sequence: number;
  start: Temporal.Instant;
  end: Temporal.Instant;
  summary: string;
  description: string;
  location?: string;
  url?: string;
  organizer?: { name: string; email: string };
  status: "CONFIRMED" | "TENTATIVE" | "CANCELLED";
  /** When this version of the event was produced. */
  stamp: Temporal.Instant;
}

/** UTC basic format 20260308T140000Z: zone-free, so no VTIMEZONE block is needed. */
function icsDate(instant: Temporal.Instant): string {
  // The UTC text without separators or fraction (RFC 5545 DATE-TIME, UTC form).
  const text = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(instantText(instant));
  if (text) return `${text[1]}${text[2]}${text[3]}T${text[4]}${text[5]}${text[6]}Z`;
  const utc = instant.toZonedDateTimeISO("UTC");
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(utc.year, 4)}${pad(utc.month)}${pad(utc.day)}T${pad(utc.hour)}${pad(utc.minute)}${pad(utc.second)}Z`;
}

/** Control characters TEXT may not carry (RFC 5545 §3.3.11 allows HTAB; line breaks are escaped before). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** RFC 5545 §3.3.11 TEXT escaping: every line break (CRLF, CR or LF) becomes \n, other controls go. */
function escapeText(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n")
    .replace(CONTROL, "");
}

/** A parameter value (e.g. CN): always quoted, with RFC 6868 caret escapes for ^, line breaks and ". */
function quoteParam(value: string): string {
  const escaped = value.replace(/\^/g, "^^").replace(/\r\n|\r|\n/g, "^n").replace(/"/g, "^'").replace(CONTROL, "");
  return `"${escaped}"`;
}

/** The event status a booking in `status` has in a calendar: not confirmed yet is TENTATIVE. */
export function icsStatusOf(status: BookingStatus): CalendarEvent["status"] {
  switch (status) {
    case "confirmed":
    case "in_progress":
    case "completed":
    case "no_show":
      return "CONFIRMED";
    case "pending":
    case "awaiting_approval":
    case "payment_failed":
      return "TENTATIVE";
    case "cancelled":
    case "refunded":
    case "expired":
      return "CANCELLED";
  }
}

/** RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF + space (never inside a UTF-8 sequence). */
function fold(line: string): string {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let currentBytes = 0;
  for (const char of line) {
    const size = new TextEncoder().encode(char).length;
    const limit = parts.length === 0 ? 75 : 74; // continuation lines start with a space
    if (currentBytes + size > limit) {
      parts.push(current);
      current = "";
      currentBytes = 0;
    }
    current += char;
    currentBytes += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** The VEVENT of one booking, unfolded. */
function eventLines(event: CalendarEvent): string[] {
  return [
    "BEGIN:VEVENT",
    `UID:${event.uid}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${icsDate(event.stamp)}`,
    `DTSTART:${icsDate(event.start)}`,
    `DTEND:${icsDate(event.end)}`,
    `SUMMARY:${escapeText(event.summary)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    ...(event.location ? [`LOCATION:${escapeText(event.location)}`] : []),
    ...(event.url ? [`URL:${event.url}`] : []),
    ...(event.organizer ? [`ORGANIZER;CN=${quoteParam(event.organizer.name)}:mailto:${event.organizer.email.replace(CONTROL, "")}`] : []),
    `STATUS:${event.status}`,
    "END:VEVENT",
  ];
}

function calendar(header: string[], events: readonly CalendarEvent[]): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Edge Booking//Bookings//EN", "CALSCALE:GREGORIAN", ...header, ...events.flatMap(eventLines), "END:VCALENDAR"];
  return lines.map(fold).join("\r\n") + "\r\n";
}

/** One booking as a file to open or attach: METHOD:CANCEL once it is called off, so the app removes it. */
export function toIcs(event: CalendarEvent): string {
  return calendar([`METHOD:${event.status === "CANCELLED" ? "CANCEL" : "PUBLISH"}`], [event]);
}

export interface CalendarFeed {
  /** What the calendar app shows as the calendar's name. */
  name: string;
  events: readonly CalendarEvent[];
  /** How often apps should fetch again (REFRESH-INTERVAL, RFC 7986, and X-PUBLISHED-TTL for Outlook). */
  refresh: Temporal.Duration;
}

/**
 * A subscription feed: every event in one calendar that apps re-fetch and replace as a whole. Called-off
 * bookings stay in it as STATUS:CANCELLED (with their higher SEQUENCE) so apps that keep events they
 * saw once still mark them cancelled; no METHOD, since a feed is a published snapshot, not a message.
 */
export function toIcsFeed(feed: CalendarFeed): string {
  const refresh = feed.refresh.toString();
  return calendar([`NAME:${escapeText(feed.name)}`, `X-WR-CALNAME:${escapeText(feed.name)}`, `REFRESH-INTERVAL;VALUE=DURATION:${refresh}`, `X-PUBLISHED-TTL:${refresh}`], feed.events);
}

export function googleCalendarUrl(event: Pick<CalendarEvent, "start" | "end" | "summary" | "description" | "location">): string {
  const params = new URLSearchParams({
    action: "TEMPLATE",
    text: event.summary,
    dates: `${icsDate(event.start)}/${icsDate(event.end)}`,
    details: event.description,
    ...(event.location ? { location: event.location } : {}),
  });
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}
