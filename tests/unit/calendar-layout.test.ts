// The provider calendar's layout (app/utils/calendar-layout.ts): items on the provider's local days,
// split across midnight, side by side when they overlap, working hours from overrides before weekly
// rules, a note on days the clocks change, and an hour grid that covers everything shown.
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { calendarOpeningDate, type CalendarSpan, layoutCalendar } from "../../app/utils/calendar-layout";

const zone = "America/New_York";
const at = (local: string) => Temporal.ZonedDateTime.from(`${local}[${zone}]`).toInstant();
const span = (key: string, start: string, end: string, status = "confirmed"): CalendarSpan => ({
  kind: "booking",
  key,
  start: at(start),
  end: at(end),
  href: `/provider/bookings/${key}`,
  title: "Massage",
  customerName: "Ann",
  status,
});
const week = (monday: string) => Array.from({ length: 7 }, (_, i) => Temporal.PlainDate.from(monday).add({ days: i }));
const layout = (spans: CalendarSpan[], dates = week("2026-03-02"), overrides: { date: string; ranges: { start: string; end: string }[] }[] = []) =>
  layoutCalendar({
    dates,
    zone,
    today: Temporal.PlainDate.from("2026-03-04"),
    view: "week",
    spans,
    weekly: [{ weekday: 3, ranges: [{ start: "09:00", end: "17:00" }] }],
    overrides,
    released: new Set(["cancelled"]),
  });

describe("layoutCalendar", () => {
  it("places items at their local minutes, and side by side only when they overlap", () => {
    const { days } = layout([
      span("a", "2026-03-04T09:00", "2026-03-04T10:00"),
      span("b", "2026-03-04T09:30", "2026-03-04T10:30"),
      span("c", "2026-03-04T10:30", "2026-03-04T11:00", "cancelled"),
    ]);
    const wednesday = days[2]!;
    expect(wednesday).toMatchObject({ date: "2026-03-04", isToday: true, lanes: 2, working: [{ startMin: 540, endMin: 1020 }] });
    expect(wednesday.items.map((i) => [i.key, i.startMin, i.endMin, i.lane, i.released])).toEqual([
      ["a-2026-03-04", 540, 600, 0, false],
      ["b-2026-03-04", 570, 630, 1, false],
      ["c-2026-03-04", 630, 660, 0, true],
    ]);
    expect(days.filter((d) => d.items.length > 0)).toHaveLength(1);
  });

  it("splits an item across midnight onto both days, labelled with both dates", () => {
    const { days } = layout([span("late", "2026-03-04T23:00", "2026-03-05T01:00")]);
    expect(days[2]!.items.map((i) => [i.startMin, i.endMin])).toEqual([[1380, 1440]]);
    expect(days[3]!.items.map((i) => [i.startMin, i.endMin])).toEqual([[0, 60]]);
    expect(days[3]!.items[0]!.timeLabel).toMatch(/Wed.*4.*–.*Thu.*5/);
  });

  it("notes the day the clocks change and keeps an item in the lost hour from folding onto itself", () => {
    const { days } = layout([span("dst", "2026-03-08T01:30", "2026-03-08T03:30")], week("2026-03-02"));
    const sunday = days[6]!;
    expect(sunday.note).toBe("Clocks change on this day: it has 23 hours.");
    // 01:30 EST to 03:30 EDT is one real hour: drawn from 01:30 to 03:30 local.
    expect(sunday.items.map((i) => [i.startMin, i.endMin])).toEqual([[90, 210]]);
    expect(days[5]!.note).toBeNull();
  });

  it("takes a date's override before its weekly hours (closed: none)", () => {
    const { days } = layout([], week("2026-03-02"), [{ date: "2026-03-04", ranges: [] }]);
    expect(days[2]!.working).toEqual([]);
  });

  it("covers 08:00-18:00 at least, and stretches to whole hours around earlier or later items", () => {
    expect(layout([]).grid).toMatchObject({ startMin: 480, endMin: 1080 });
    const { grid } = layout([span("early", "2026-03-03T06:15", "2026-03-03T07:00"), span("late", "2026-03-05T19:00", "2026-03-05T20:40")]);
    expect([grid.startMin, grid.endMin]).toEqual([360, 1260]);
    expect(grid.hours[0]).toEqual({ min: 360, label: "06:00" });
  });
});

describe("calendarOpeningDate", () => {
  const wednesday = Temporal.PlainDate.from("2026-12-09");
  it("opens on today while something is booked in the shown week, or nothing at all is", () => {
    expect(calendarOpeningDate({ today: wednesday, view: "week", nextBooking: null }).toString()).toBe("2026-12-09");
    expect(calendarOpeningDate({ today: wednesday, view: "week", nextBooking: wednesday }).toString()).toBe("2026-12-09");
    // Sunday is the week's last day (weeks start on Monday).
    expect(calendarOpeningDate({ today: wednesday, view: "week", nextBooking: Temporal.PlainDate.from("2026-12-13") }).toString()).toBe("2026-12-09");
  });

  it("opens on the next booking's week (or day) when the shown one has nothing left", () => {
    expect(calendarOpeningDate({ today: wednesday, view: "week", nextBooking: Temporal.PlainDate.from("2026-12-14") }).toString()).toBe("2026-12-14");
    expect(calendarOpeningDate({ today: wednesday, view: "day", nextBooking: Temporal.PlainDate.from("2026-12-10") }).toString()).toBe("2026-12-10");
    const sunday = Temporal.PlainDate.from("2026-12-13");
    expect(calendarOpeningDate({ today: sunday, view: "week", nextBooking: Temporal.PlainDate.from("2026-12-14") }).toString()).toBe("2026-12-14");
  });
});
