import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BOOKING_STATUSES } from "../../domain/booking-states";
import { bookingUid, googleCalendarUrl, icsStatusOf, toIcs, toIcsFeed, type CalendarEvent } from "../../domain/ics";

const event: CalendarEvent = {
  uid: "booking-123@edge-booking",
  sequence: 2,
  // 09:00 in New York on the spring-forward day is 13:00Z (EDT, -04:00).
  start: Temporal.ZonedDateTime.from("2026-03-08T09:00[America/New_York]").toInstant(),
  end: Temporal.ZonedDateTime.from("2026-03-08T09:45[America/New_York]").toInstant(),
  summary: "Haircut, with Ana; bring photos",
  description: "Code ABCD-1234\nManage: https://example.test/manage",
  location: "Ana's Hair Studio",
  status: "CONFIRMED",
  stamp: Temporal.Instant.from("2026-03-01T10:00:00Z"),
};

describe("toIcs", () => {
  it("writes a valid VEVENT in UTC with a stable UID and the sequence", () => {
    const ics = toIcs(event);
    expect(ics).toContain("BEGIN:VCALENDAR\r\n");
    expect(ics).toContain("UID:booking-123@edge-booking\r\n");
    expect(ics).toContain("SEQUENCE:2\r\n");
    expect(ics).toContain("DTSTART:20260308T130000Z\r\n");
    expect(ics).toContain("DTEND:20260308T134500Z\r\n");
    expect(ics).toContain("SUMMARY:Haircut\\, with Ana\\; bring photos\r\n");
    expect(ics).toContain("DESCRIPTION:Code ABCD-1234\\nManage: https://example.test/manage\r\n");
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
  });

  it("folds long lines at 75 octets without splitting multi-byte characters", () => {
    const ics = toIcs({ ...event, description: "Ü".repeat(100) });
    for (const line of ics.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, "");
    expect(unfolded).toContain(`DESCRIPTION:${"Ü".repeat(100)}`);
  });

  it("marks cancellations with METHOD:CANCEL and STATUS:CANCELLED", () => {
    const ics = toIcs({ ...event, status: "CANCELLED", sequence: 3 });
    expect(ics).toContain("METHOD:CANCEL");
    expect(ics).toContain("STATUS:CANCELLED");
    expect(ics).toContain("SEQUENCE:3");
  });
});

describe("googleCalendarUrl", () => {
  it("encodes the UTC dates and text", () => {
    const url = new URL(googleCalendarUrl(event));
    expect(url.searchParams.get("dates")).toBe("20260308T130000Z/20260308T134500Z");
    expect(url.searchParams.get("text")).toBe(event.summary);
  });
});

describe("hostile text in an event", () => {
  /** The logical lines of an .ics (folds undone). */
  const unfolded = (ics: string) => ics.replace(/\r\n /g, "").split("\r\n");

  it("no field can start a new property: CR, LF, CRLF and other controls never reach a line", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (summary, name) => {
        const ics = toIcs({ ...event, summary, description: summary, organizer: { name, email: "ana@example.test" } });
        const lines = unfolded(ics).filter((line) => line !== "");
        // Exactly the properties toIcs writes, in order: nothing smuggled in.
        expect(lines.map((line) => line.split(/[:;]/)[0])).toEqual([
          "BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD", "BEGIN", "UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND",
          "SUMMARY", "DESCRIPTION", "LOCATION", "ORGANIZER", "STATUS", "END", "END",
        ]);
        for (const line of lines) expect(line).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
      }),
      { numRuns: 300 },
    );
  });

  it("quotes CN with RFC 6868 escapes", () => {
    const ics = toIcs({ ...event, organizer: { name: 'Ana "The Cut"; Studio:\r\nX^', email: "ana@example.test" } });
    expect(unfolded(ics)).toContain(`ORGANIZER;CN="Ana ^'The Cut^'; Studio:^nX^^":mailto:ana@example.test`);
  });

  it("a booking that is not confirmed yet is TENTATIVE", () => {
    expect(icsStatusOf("pending")).toBe("TENTATIVE");
    expect(icsStatusOf("awaiting_approval")).toBe("TENTATIVE");
    expect(icsStatusOf("confirmed")).toBe("CONFIRMED");
    expect(icsStatusOf("refunded")).toBe("CANCELLED");
    for (const status of BOOKING_STATUSES) expect(["CONFIRMED", "TENTATIVE", "CANCELLED"]).toContain(icsStatusOf(status));
  });
});

describe("toIcsFeed", () => {
  const cancelled: CalendarEvent = { ...event, uid: "booking-456@edge-booking", sequence: 3, status: "CANCELLED", summary: "Colour, with Bo" };

  it("puts every event in one calendar with a name and a refresh interval, and no METHOD", () => {
    const feed = toIcsFeed({ name: "Ana's Studio: bookings, all of them", events: [event, cancelled], refresh: Temporal.Duration.from({ minutes: 15 }) });
    const lines = feed.split("\r\n");
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines.at(-2)).toBe("END:VCALENDAR");
    expect(lines.at(-1)).toBe("");
    expect(lines).toContain("NAME:Ana's Studio: bookings\\, all of them");
    expect(lines).toContain("X-WR-CALNAME:Ana's Studio: bookings\\, all of them");
    expect(lines).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT15M");
    expect(lines).toContain("X-PUBLISHED-TTL:PT15M");
    expect(lines.some((l) => l.startsWith("METHOD:"))).toBe(false);
    expect(lines.filter((l) => l === "BEGIN:VEVENT")).toHaveLength(2);
    // Each event keeps its own UID, SEQUENCE and STATUS, in order.
    expect(lines.filter((l) => /^(UID|SEQUENCE|STATUS):/.test(l))).toEqual([
      "UID:booking-123@edge-booking",
      "SEQUENCE:2",
      "STATUS:CONFIRMED",
      "UID:booking-456@edge-booking",
      "SEQUENCE:3",
      "STATUS:CANCELLED",
    ]);
  });

  it("is a valid empty calendar without events", () => {
    const feed = toIcsFeed({ name: "Empty", events: [], refresh: Temporal.Duration.from({ hours: 1 }) });
    expect(feed).not.toContain("BEGIN:VEVENT");
    expect(feed).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
  });

  it("the single-event file still says PUBLISH, or CANCEL once called off", () => {
    expect(toIcs(event)).toContain("METHOD:PUBLISH\r\n");
    expect(toIcs(cancelled)).toContain("METHOD:CANCEL\r\n");
  });
});

describe("bookingUid", () => {
  it("is stable per booking and distinct between bookings", () => {
    expect(bookingUid("123")).toBe("booking-123@edge-booking");
    expect(bookingUid("124")).not.toBe(bookingUid("123"));
  });
});
