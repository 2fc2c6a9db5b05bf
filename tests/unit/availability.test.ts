import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityInput,
  type DateOverride,
  type ServiceTiming,
  type Slot,
  type WeeklyRule,
  ALTERNATIVES_HORIZON_DAYS,
  computeSlots,
  isSlotBookable,
  nearestAlternatives,
  workingIntervals,
} from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import type { Interval } from "../../domain/intervals";
import {
  formatInZone,
  isValidTimeZone,
  localDateOf,
  parseLocalTime,
  resolveLocal,
  resolveLocalBoundary,
  startOfLocalDay,
} from "../../domain/time";

const I = (s: string) => Temporal.Instant.from(s);
const D = (s: string) => Temporal.PlainDate.from(s);
const T = (s: string) => Temporal.PlainTime.from(s);
type R = [string, string];
const ranges = (rs: R[]) => rs.map(([start, end]) => ({ start, end }));
const days = (weekdays: number[], rs: R[]): WeeklyRule[] =>
  weekdays.map((w) => ({ weekday: w as WeeklyRule["weekday"], ranges: ranges(rs) }));
const everyDay = (...rs: R[]) => days([1, 2, 3, 4, 5, 6, 7], rs);
const weekdays = (...rs: R[]) => days([1, 2, 3, 4, 5], rs);
const override = (date: string, ...rs: R[]): DateOverride => ({ date, ranges: ranges(rs) });
const service = (p: Partial<ServiceTiming> = {}): ServiceTiming => ({
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  slotIntervalMinutes: 60,
  minNoticeMinutes: 0,
  bookingWindowDays: 365,
  ...p,
});

/** Input for one provider-local day (or several) with everything else neutral. */
function dayInput(
  zone: string,
  firstDate: string,
  p: Partial<AvailabilityInput> & { days?: number } = {}
): AvailabilityInput {
  const { days: n = 1, ...rest } = p;
  return {
    providerZone: zone,
    weekly: [],
    overrides: [],
    service: service(),
    occupied: [],
    now: I("2026-01-01T00:00:00Z"),
    from: startOfLocalDay(D(firstDate), zone),
    to: startOfLocalDay(D(firstDate).add({ days: n }), zone),
    customerZone: zone,
    ...rest,
  };
}
const wall = (slots: Slot[]) => slots.map((s) => s.startProvider.slice(11, 16));
const utc = (slots: Slot[]) => slots.map((s) => s.start.toString());
const spans = (list: Interval[]) => list.map((i) => `${i.start.toString()}/${i.end.toString()}`);

function expectValidation(fn: () => unknown, field: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe("VALIDATION");
    expect((e as DomainError).details.fields).toContain(field);
    return;
  }
  throw new Error(`expected a VALIDATION error on ${field}`);
}

describe("time helpers", () => {
  it("isValidTimeZone accepts IANA ids, rejects garbage and fixed offsets", () => {
    for (const z of ["America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "UTC", "Etc/GMT+5"]) {
      expect(isValidTimeZone(z)).toBe(true);
    }
    for (const z of ["", "Mars/Olympus", "+05:00", "-03:00", "EST5EDT/x", "America/New York"]) {
      expect(isValidTimeZone(z)).toBe(false);
    }
  });

  it("parseLocalTime is strict HH:MM", () => {
    expect(parseLocalTime("09:00").equals(T("09:00"))).toBe(true);
    expect(parseLocalTime("23:59").equals(T("23:59"))).toBe(true);
    for (const bad of ["9:00", "24:00", "12:60", "12:00:00", " 12:00", "noon"]) {
      expectValidation(() => parseLocalTime(bad), "time");
    }
  });

  it("formatInZone prints offset and zone; localDateOf uses the zone's calendar date", () => {
    const t = I("2026-03-08T13:00:00Z");
    expect(formatInZone(t, "America/New_York")).toBe("2026-03-08T09:00:00-04:00[America/New_York]");
    expect(formatInZone(t, "Asia/Kathmandu")).toBe("2026-03-08T18:45:00+05:45[Asia/Kathmandu]");
    expect(localDateOf(I("2026-03-08T03:00:00Z"), "America/New_York").toString()).toBe("2026-03-07");
    expectValidation(() => formatInZone(t, "Nowhere/Land"), "zone");
  });

  it("resolveLocal: null in a spring-forward gap, earlier instant in a fall-back overlap", () => {
    expect(resolveLocal(D("2026-03-08"), T("02:30"), "America/New_York")).toBeNull();
    expect(resolveLocal(D("2026-03-08"), T("03:00"), "America/New_York")?.toString()).toBe("2026-03-08T07:00:00Z");
    expect(resolveLocal(D("2026-11-01"), T("01:30"), "America/New_York")?.toString()).toBe("2026-11-01T05:30:00Z");
    expect(resolveLocal(D("2026-09-06"), T("00:00"), "America/Santiago")).toBeNull();
  });

  it("resolveLocalBoundary is 'compatible': later in a gap, earlier in an overlap", () => {
    expect(resolveLocalBoundary(D("2026-03-08"), T("02:30"), "America/New_York").toString()).toBe(
      "2026-03-08T07:30:00Z" // 03:30 EDT
    );
    expect(resolveLocalBoundary(D("2026-11-01"), T("01:30"), "America/New_York").toString()).toBe(
      "2026-11-01T05:30:00Z" // 01:30 EDT
    );
  });

  it("startOfLocalDay is not always midnight (Santiago skips 00:00 on 2026-09-06)", () => {
    expect(formatInZone(startOfLocalDay(D("2026-09-06"), "America/Santiago"), "America/Santiago")).toBe(
      "2026-09-06T01:00:00-03:00[America/Santiago]"
    );
  });
});

describe("America/New_York DST days", () => {
  const NY = "America/New_York";

  it("spring-forward Sunday 09:00-17:00 stays 09:00-17:00 local: 8 one-hour slots, 8 real hours", () => {
    const input = dayInput(NY, "2026-03-08", { weekly: everyDay(["09:00", "17:00"]) });
    const slots = computeSlots(input);
    expect(wall(slots)).toEqual(["09", "10", "11", "12", "13", "14", "15", "16"].map((h) => `${h}:00`));
    expect(slots[0]!.startProvider).toBe("2026-03-08T09:00:00-04:00[America/New_York]");
    expect(slots[7]!.endProvider).toBe("2026-03-08T17:00:00-04:00[America/New_York]");
    expect(spans(workingIntervals(NY, input.weekly, [], input.from, input.to))).toEqual([
      "2026-03-08T13:00:00Z/2026-03-08T21:00:00Z",
    ]);
  });

  it("fall-back Sunday 09:00-17:00: 8 slots at -05:00", () => {
    const slots = computeSlots(dayInput(NY, "2026-11-01", { weekly: everyDay(["09:00", "17:00"]) }));
    expect(slots).toHaveLength(8);
    expect(slots[0]!.startProvider).toBe("2026-11-01T09:00:00-05:00[America/New_York]");
    expect(slots[0]!.start.toString()).toBe("2026-11-01T14:00:00Z");
  });

  it("01:00-04:00 across the spring-forward gap: 2 real hours, gap candidates skipped, not shifted", () => {
    const input = dayInput(NY, "2026-03-08", {
      overrides: [override("2026-03-08", ["01:00", "04:00"])],
      service: service({ durationMinutes: 30, slotIntervalMinutes: 30 }),
    });
    const slots = computeSlots(input);
    expect(wall(slots)).toEqual(["01:00", "01:30", "03:00", "03:30"]);
    expect(utc(slots)).toEqual([
      "2026-03-08T06:00:00Z",
      "2026-03-08T06:30:00Z",
      "2026-03-08T07:00:00Z",
      "2026-03-08T07:30:00Z",
    ]);
    expect(spans(workingIntervals(NY, [], input.overrides, input.from, input.to))).toEqual([
      "2026-03-08T06:00:00Z/2026-03-08T08:00:00Z",
    ]);
    // A 60-minute service measured in real time: 01:30 EST + 60 min = 03:30 EDT still fits.
    const long = computeSlots({ ...input, service: service({ durationMinutes: 60, slotIntervalMinutes: 30 }) });
    expect(long.map((s) => `${s.startProvider.slice(11, 16)}-${s.endProvider.slice(11, 16)}`)).toEqual([
      "01:00-03:00",
      "01:30-03:30",
      "03:00-04:00",
    ]);
  });

  it("01:00-04:00 across fall-back: 4 real hours; the repeated hour adds no start labels", () => {
    const input = dayInput(NY, "2026-11-01", {
      overrides: [override("2026-11-01", ["01:00", "04:00"])],
      service: service({ durationMinutes: 30, slotIntervalMinutes: 30 }),
    });
    const slots = computeSlots(input);
    expect(slots.map((s) => s.startProvider.slice(11, 25))).toEqual([
      "01:00:00-04:00",
      "01:30:00-04:00",
      "02:00:00-05:00",
      "02:30:00-05:00",
      "03:00:00-05:00",
      "03:30:00-05:00",
    ]);
    expect(spans(workingIntervals(NY, [], input.overrides, input.from, input.to))).toEqual([
      "2026-11-01T05:00:00Z/2026-11-01T09:00:00Z",
    ]);
    // 90 minutes from 01:30 EDT runs through the repeated hour and ends 02:00 EST.
    const long = computeSlots({ ...input, service: service({ durationMinutes: 90, slotIntervalMinutes: 30 }) });
    expect(utc(long)).toEqual([
      "2026-11-01T05:00:00Z",
      "2026-11-01T05:30:00Z",
      "2026-11-01T07:00:00Z",
      "2026-11-01T07:30:00Z",
    ]);
    expect(long[1]!.endProvider).toBe("2026-11-01T02:00:00-05:00[America/New_York]");
    // The second 01:00 (EST) is not on the grid, even though it lies in working time.
    expect(isSlotBookable(input, I("2026-11-01T06:00:00Z"))).toBe(false);
    expect(isSlotBookable(input, I("2026-11-01T05:00:00Z"))).toBe(true);
  });

  it("a range END inside the gap resolves to the later instant (02:30 -> 03:30 EDT)", () => {
    const input = dayInput(NY, "2026-03-08", {
      overrides: [override("2026-03-08", ["00:00", "02:30"])],
      service: service({ durationMinutes: 60, slotIntervalMinutes: 30 }),
    });
    expect(spans(workingIntervals(NY, [], input.overrides, input.from, input.to))).toEqual([
      "2026-03-08T05:00:00Z/2026-03-08T07:30:00Z",
    ]);
    expect(wall(computeSlots(input))).toEqual(["00:00", "00:30", "01:00", "01:30"]);
  });

  it("a range START inside the gap also resolves later; the grid still starts at the local start", () => {
    const input = dayInput(NY, "2026-03-08", {
      overrides: [override("2026-03-08", ["02:30", "05:00"])],
      service: service({ durationMinutes: 30, slotIntervalMinutes: 30 }),
    });
    expect(spans(workingIntervals(NY, [], input.overrides, input.from, input.to))).toEqual([
      "2026-03-08T07:30:00Z/2026-03-08T09:00:00Z",
    ]);
    // 02:30 does not exist; 03:00 EDT is on the grid but before working time starts (03:30 EDT).
    expect(wall(computeSlots(input))).toEqual(["03:30", "04:00", "04:30"]);
  });

  it("a range wholly inside the gap holds no time", () => {
    expect(
      workingIntervals(
        NY,
        [],
        [override("2026-03-08", ["02:00", "03:00"])],
        I("2026-03-08T00:00Z"),
        I("2026-03-09T00:00Z")
      )
    ).toEqual([]);
  });
});

describe("other zones", () => {
  it("Europe/London: spring-forward 01:00->02:00 and fall-back 02:00->01:00", () => {
    const LON = "Europe/London";
    const normal = computeSlots(dayInput(LON, "2026-03-29", { weekly: everyDay(["09:00", "17:00"]) }));
    expect(normal).toHaveLength(8);
    expect(normal[0]!.startProvider).toBe("2026-03-29T09:00:00+01:00[Europe/London]");

    const gap = computeSlots(
      dayInput(LON, "2026-03-29", {
        overrides: [override("2026-03-29", ["00:30", "02:30"])],
        service: service({ durationMinutes: 30, slotIntervalMinutes: 30 }),
      })
    );
    expect(wall(gap)).toEqual(["00:30", "02:00"]);
    expect(utc(gap)).toEqual(["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"]);

    // 00:00-03:00 on fall-back day is 4 real hours but has 3 hourly start labels.
    const back = computeSlots(dayInput(LON, "2026-10-25", { overrides: [override("2026-10-25", ["00:00", "03:00"])] }));
    expect(utc(back)).toEqual(["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]);
  });

  it("Australia/Lord_Howe: 30-minute DST shift both ways", () => {
    const LH = "Australia/Lord_Howe";
    const thirty = service({ durationMinutes: 30, slotIntervalMinutes: 30 });
    // 2026-10-04: 02:00 +10:30 -> 02:30 +11:00
    const spring = computeSlots(
      dayInput(LH, "2026-10-04", { overrides: [override("2026-10-04", ["01:00", "04:00"])], service: thirty })
    );
    expect(wall(spring)).toEqual(["01:00", "01:30", "02:30", "03:00", "03:30"]);
    expect(spring[0]!.startProvider).toBe("2026-10-04T01:00:00+10:30[Australia/Lord_Howe]");
    expect(spring[2]!.startProvider).toBe("2026-10-04T02:30:00+11:00[Australia/Lord_Howe]");
    expect(utc(spring)[2]).toBe("2026-10-03T15:30:00Z");
    // 2026-04-05: 02:00 +11:00 -> 01:30 +10:30, so 01:30-02:00 happens twice
    const autumn = computeSlots(
      dayInput(LH, "2026-04-05", { overrides: [override("2026-04-05", ["01:00", "03:00"])], service: thirty })
    );
    expect(utc(autumn)).toEqual([
      "2026-04-04T14:00:00Z",
      "2026-04-04T14:30:00Z",
      "2026-04-04T15:30:00Z",
      "2026-04-04T16:00:00Z",
    ]);
    expect(computeSlots(dayInput(LH, "2026-04-05", { weekly: everyDay(["09:00", "17:00"]) }))).toHaveLength(8);
    expect(computeSlots(dayInput(LH, "2026-10-04", { weekly: everyDay(["09:00", "17:00"]) }))).toHaveLength(8);
  });

  it("Asia/Kathmandu (+05:45): provider and customer strings", () => {
    const slots = computeSlots(
      dayInput("Asia/Kathmandu", "2026-03-09", { weekly: weekdays(["09:00", "17:00"]), customerZone: "UTC" })
    );
    expect(slots).toHaveLength(8);
    expect(slots[0]!.startProvider).toBe("2026-03-09T09:00:00+05:45[Asia/Kathmandu]");
    expect(slots[0]!.startCustomer).toBe("2026-03-09T03:15:00+00:00[UTC]");
    expect(slots[0]!.endCustomer).toBe("2026-03-09T04:15:00+00:00[UTC]");
  });

  it("Pacific/Chatham (+12:45/+13:45): gap 02:45->03:45 on 2026-09-27", () => {
    const CH = "Pacific/Chatham";
    const slots = computeSlots(
      dayInput(CH, "2026-09-27", {
        overrides: [override("2026-09-27", ["02:00", "05:00"])],
        service: service({ durationMinutes: 30, slotIntervalMinutes: 30 }),
      })
    );
    expect(slots.map((s) => s.startProvider.slice(11, 25))).toEqual([
      "02:00:00+12:45",
      "02:30:00+12:45",
      "04:00:00+13:45",
      "04:30:00+13:45",
    ]);
    expect(computeSlots(dayInput(CH, "2026-09-27", { weekly: everyDay(["09:00", "17:00"]) }))).toHaveLength(8);
    expect(computeSlots(dayInput(CH, "2026-04-05", { weekly: everyDay(["09:00", "17:00"]) }))).toHaveLength(8);
  });

  it("America/Santiago: midnight does not exist on 2026-09-06; a late-night range joins the next morning", () => {
    const SCL = "America/Santiago";
    const input = dayInput(SCL, "2026-09-05", {
      days: 2,
      overrides: [override("2026-09-05", ["20:00", "24:00"]), override("2026-09-06", ["00:00", "03:00"])],
      service: service({ durationMinutes: 120, slotIntervalMinutes: 60 }),
    });
    // Saturday's "24:00" is Sunday's first instant (01:00 -03), exactly where Sunday's 00:00 resolves.
    expect(spans(workingIntervals(SCL, [], input.overrides, input.from, input.to))).toEqual([
      "2026-09-06T00:00:00Z/2026-09-06T06:00:00Z",
    ]);
    const slots = computeSlots(input);
    expect(slots.map((s) => `${s.startProvider.slice(0, 25)} ${s.endProvider.slice(0, 25)}`)).toEqual([
      "2026-09-05T20:00:00-04:00 2026-09-05T22:00:00-04:00",
      "2026-09-05T21:00:00-04:00 2026-09-05T23:00:00-04:00",
      "2026-09-05T22:00:00-04:00 2026-09-06T01:00:00-03:00",
      "2026-09-05T23:00:00-04:00 2026-09-06T02:00:00-03:00",
      "2026-09-06T01:00:00-03:00 2026-09-06T03:00:00-03:00",
    ]);
  });

  it("America/Santiago: 23:00-24:00 repeats on 2026-04-04; 24:00 is the single midnight at -04:00", () => {
    const SCL = "America/Santiago";
    const input = dayInput(SCL, "2026-04-04", { overrides: [override("2026-04-04", ["20:00", "24:00"])] });
    expect(spans(workingIntervals(SCL, [], input.overrides, input.from, input.to))).toEqual([
      "2026-04-04T23:00:00Z/2026-04-05T04:00:00Z", // 5 real hours
    ]);
    const slots = computeSlots(input);
    expect(slots.map((s) => s.startProvider.slice(11, 25))).toEqual([
      "20:00:00-03:00",
      "21:00:00-03:00",
      "22:00:00-03:00",
      "23:00:00-03:00",
    ]);
    expect(slots[3]!.endProvider).toBe("2026-04-04T23:00:00-04:00[America/Santiago]");
    expect(formatInZone(startOfLocalDay(D("2026-04-05"), SCL), SCL)).toBe(
      "2026-04-05T00:00:00-04:00[America/Santiago]"
    );
  });
});

describe("schedule rules", () => {
  const NY = "America/New_York";

  it("an override with no ranges closes a normally open day", () => {
    const input = dayInput(NY, "2026-03-10", {
      days: 2,
      weekly: weekdays(["09:00", "17:00"]),
      overrides: [override("2026-03-10")],
    });
    const slots = computeSlots(input);
    expect(slots).toHaveLength(8);
    expect(slots.every((s) => s.startProvider.startsWith("2026-03-11"))).toBe(true);
  });

  it("an override adds hours on a normally closed Sunday, and only that Sunday", () => {
    const input = dayInput(NY, "2026-03-15", {
      days: 8,
      weekly: weekdays(["09:00", "17:00"]),
      overrides: [override("2026-03-15", ["10:00", "12:00"])],
    });
    const slots = computeSlots(input);
    expect(
      slots.filter((s) => s.startProvider.startsWith("2026-03-15")).map((s) => s.startProvider.slice(11, 16))
    ).toEqual(["10:00", "11:00"]);
    expect(slots.some((s) => s.startProvider.startsWith("2026-03-22"))).toBe(false);
    expect(slots).toHaveLength(2 + 5 * 8);
  });

  it("breaks: no slot straddles the gap between ranges", () => {
    const slots = computeSlots(
      dayInput(NY, "2026-03-09", {
        weekly: weekdays(["09:00", "12:00"], ["13:00", "17:00"]),
        service: service({ durationMinutes: 60, slotIntervalMinutes: 30 }),
      })
    );
    expect(wall(slots)).toEqual([
      "09:00",
      "09:30",
      "10:00",
      "10:30",
      "11:00",
      "13:00",
      "13:30",
      "14:00",
      "14:30",
      "15:00",
      "15:30",
      "16:00",
    ]);
  });

  it("touching ranges are one stretch; each range keeps its own grid", () => {
    const slots = computeSlots(
      dayInput(NY, "2026-03-09", {
        weekly: weekdays(["12:00", "17:00"], ["09:00", "12:00"]), // order does not matter
        service: service({ durationMinutes: 60, slotIntervalMinutes: 45 }),
      })
    );
    expect(wall(slots)).toEqual([
      "09:00",
      "09:45",
      "10:30",
      "11:15",
      "12:00",
      "12:45",
      "13:30",
      "14:15",
      "15:00",
      "15:45",
    ]);
  });

  it("ranges touching across midnight let a service run past midnight", () => {
    const slots = computeSlots(
      dayInput(NY, "2026-03-09", {
        weekly: [
          { weekday: 1, ranges: ranges([["20:00", "24:00"]]) },
          { weekday: 2, ranges: ranges([["00:00", "02:00"]]) },
        ],
        service: service({ durationMinutes: 180, slotIntervalMinutes: 60 }),
      })
    );
    expect(slots.map((s) => s.endProvider.slice(0, 16))).toEqual([
      "2026-03-09T23:00",
      "2026-03-10T00:00",
      "2026-03-10T01:00",
      "2026-03-10T02:00",
    ]);
  });

  it("buffers must fit inside working time and keep clear of occupied time; touching is fine", () => {
    const base = dayInput(NY, "2026-03-09", {
      weekly: weekdays(["09:00", "12:00"]),
      service: service({
        durationMinutes: 60,
        slotIntervalMinutes: 30,
        bufferBeforeMinutes: 15,
        bufferAfterMinutes: 15,
      }),
    });
    expect(wall(computeSlots(base))).toEqual(["09:30", "10:00", "10:30"]);
    const occupied = [{ start: I("2026-03-09T10:45:00-04:00"), end: I("2026-03-09T11:00:00-04:00") }];
    // 09:30 occupies 09:15-10:45 and ends exactly where the other booking's time begins.
    expect(wall(computeSlots({ ...base, occupied }))).toEqual(["09:30"]);
  });

  it("minimum notice: earliest start = now + minNotice, inclusive", () => {
    const base = dayInput("America/New_York", "2026-03-02", {
      weekly: weekdays(["09:00", "17:00"]),
      service: service({ slotIntervalMinutes: 30, minNoticeMinutes: 120 }),
    });
    expect(wall(computeSlots({ ...base, now: I("2026-03-02T09:10:00-05:00") }))[0]).toBe("11:30");
    expect(wall(computeSlots({ ...base, now: I("2026-03-02T09:00:00-05:00") }))[0]).toBe("11:00");
  });

  it("booking window counts provider-local calendar days (same wall time), inclusive, across DST", () => {
    const input = dayInput("America/New_York", "2026-03-08", {
      weekly: everyDay(["09:00", "17:00"]),
      service: service({ durationMinutes: 30, slotIntervalMinutes: 30, bookingWindowDays: 7 }),
      now: I("2026-03-01T12:00:00-05:00"),
    });
    // Latest start 2026-03-08 12:00 EDT; exact 7x24h would have been 13:00 EDT.
    expect(wall(computeSlots(input))).toEqual(["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]);
    expect(isSlotBookable(input, I("2026-03-08T12:00:00-04:00"))).toBe(true);
    expect(isSlotBookable(input, I("2026-03-08T12:30:00-04:00"))).toBe(false);
  });

  it("the query window is [from, to) on slot starts", () => {
    const base = dayInput("America/New_York", "2026-03-09", { weekly: weekdays(["09:00", "17:00"]) });
    const slots = computeSlots({ ...base, from: I("2026-03-09T10:00:00-04:00"), to: I("2026-03-09T12:00:00-04:00") });
    expect(wall(slots)).toEqual(["10:00", "11:00"]);
    expect(computeSlots({ ...base, to: base.from })).toEqual([]);
  });

  it("isSlotBookable: grid, whole minutes, occupied", () => {
    const input = dayInput("America/New_York", "2026-03-09", {
      weekly: weekdays(["09:00", "17:00"]),
      service: service({ slotIntervalMinutes: 30 }),
      occupied: [{ start: I("2026-03-09T14:00:00-04:00"), end: I("2026-03-09T15:00:00-04:00") }],
    });
    expect(isSlotBookable(input, I("2026-03-09T09:30:00-04:00"))).toBe(true);
    expect(isSlotBookable(input, I("2026-03-09T09:15:00-04:00"))).toBe(false);
    expect(isSlotBookable(input, I("2026-03-09T09:30:01-04:00"))).toBe(false);
    expect(isSlotBookable(input, I("2026-03-09T13:30:00-04:00"))).toBe(false);
    expect(isSlotBookable(input, I("2026-03-09T15:00:00-04:00"))).toBe(true);
    expect(isSlotBookable(input, I("2026-03-09T16:30:00-04:00"))).toBe(false); // would end 17:30
  });
});

describe("nearestAlternatives", () => {
  const NY = "America/New_York";
  const base = {
    providerZone: NY,
    weekly: weekdays(["09:00", "17:00"]),
    overrides: [] as DateOverride[],
    service: service(),
    occupied: [{ start: I("2026-03-02T14:00:00-05:00"), end: I("2026-03-02T15:00:00-05:00") }],
    now: I("2026-03-01T00:00:00Z"),
    customerZone: "Europe/London",
  };
  const labels = (slots: Slot[]) => slots.map((s) => s.startProvider.slice(5, 16));

  it("same day first by distance (ties: earlier first), then following days in order", () => {
    const wanted = I("2026-03-02T14:00:00-05:00");
    expect(labels(nearestAlternatives(base, wanted, 4))).toEqual([
      "03-02T13:00",
      "03-02T15:00",
      "03-02T12:00",
      "03-02T16:00",
    ]);
    expect(labels(nearestAlternatives(base, wanted, 10))).toEqual([
      "03-02T13:00",
      "03-02T15:00",
      "03-02T12:00",
      "03-02T16:00",
      "03-02T11:00",
      "03-02T10:00",
      "03-02T09:00",
      "03-03T09:00",
      "03-03T10:00",
      "03-03T11:00",
    ]);
    expect(nearestAlternatives(base, wanted, 0)).toEqual([]);
  });

  it("never returns wanted itself and orders an off-grid wish by distance", () => {
    const free = { ...base, occupied: [] };
    expect(labels(nearestAlternatives(free, I("2026-03-02T14:00:00-05:00"), 2))).toEqual([
      "03-02T13:00",
      "03-02T15:00",
    ]);
    expect(labels(nearestAlternatives(free, I("2026-03-02T14:20:00-05:00"), 2))).toEqual([
      "03-02T14:00",
      "03-02T15:00",
    ]);
  });

  it("skips closed days and stops after the horizon", () => {
    const sparse = {
      ...base,
      weekly: [],
      overrides: [
        override("2026-03-04", ["09:00", "10:00"]),
        override(`2026-03-${2 + ALTERNATIVES_HORIZON_DAYS + 1}`, ["09:00", "10:00"]),
      ],
    };
    expect(labels(nearestAlternatives(sparse, I("2026-03-02T14:00:00-05:00"), 5))).toEqual(["03-04T09:00"]);
  });

  it("respects the booking window", () => {
    const short = { ...base, service: service({ bookingWindowDays: 2 }) };
    const got = nearestAlternatives(short, I("2026-03-02T14:00:00-05:00"), 50);
    // now = 2026-02-28 19:00 EST, + 2 calendar days = 2026-03-02 19:00 EST: nothing after that day.
    expect(got).toHaveLength(7);
    expect(labels(got).every((l) => l.startsWith("03-02"))).toBe(true);
  });
});

describe("validation", () => {
  const good = dayInput("America/New_York", "2026-03-09", { weekly: weekdays(["09:00", "17:00"]) });

  it("rejects bad zones", () => {
    expectValidation(() => computeSlots({ ...good, providerZone: "Nowhere/Land" }), "providerZone");
    expectValidation(() => computeSlots({ ...good, customerZone: "+02:00" }), "customerZone");
    expectValidation(() => workingIntervals("bad", [], [], good.from, good.to), "providerZone");
  });

  it("rejects non-positive or fractional durations and negative buffers", () => {
    expectValidation(
      () => computeSlots({ ...good, service: service({ durationMinutes: 0 }) }),
      "service.durationMinutes"
    );
    expectValidation(
      () => computeSlots({ ...good, service: service({ durationMinutes: 1.5 }) }),
      "service.durationMinutes"
    );
    expectValidation(
      () => computeSlots({ ...good, service: service({ slotIntervalMinutes: 0 }) }),
      "service.slotIntervalMinutes"
    );
    expectValidation(
      () => computeSlots({ ...good, service: service({ bufferAfterMinutes: -5 }) }),
      "service.bufferAfterMinutes"
    );
    expectValidation(
      () => computeSlots({ ...good, service: service({ bookingWindowDays: Number.NaN }) }),
      "service.bookingWindowDays"
    );
  });

  it("rejects malformed ranges, weekdays and dates", () => {
    expectValidation(() => computeSlots({ ...good, weekly: weekdays(["17:00", "09:00"]) }), "weekly[0].ranges[0].end");
    expectValidation(() => computeSlots({ ...good, weekly: weekdays(["9:00", "17:00"]) }), "weekly[0].ranges[0].start");
    expectValidation(
      () => computeSlots({ ...good, weekly: weekdays(["24:00", "24:00"]) }),
      "weekly[0].ranges[0].start"
    );
    expectValidation(() => computeSlots({ ...good, weekly: weekdays(["09:00", "24:30"]) }), "weekly[0].ranges[0].end");
    expectValidation(() => computeSlots({ ...good, weekly: [{ weekday: 8 as 1, ranges: [] }] }), "weekly[0].weekday");
    expectValidation(
      () => computeSlots({ ...good, weekly: [...weekdays(["09:00", "10:00"]), { weekday: 1, ranges: [] }] }),
      "weekly[5].weekday"
    );
    expectValidation(() => computeSlots({ ...good, overrides: [override("2026-02-30")] }), "overrides[0].date");
    expectValidation(() => computeSlots({ ...good, overrides: [override("2026-3-1")] }), "overrides[0].date");
    expectValidation(
      () => computeSlots({ ...good, overrides: [override("2026-03-01"), override("2026-03-01", ["09:00", "10:00"])] }),
      "overrides[1].date"
    );
  });

  it("rejects reversed windows and occupied intervals", () => {
    expectValidation(() => computeSlots({ ...good, from: good.to, to: good.from }), "to");
    expectValidation(() => computeSlots({ ...good, occupied: [{ start: good.to, end: good.from }] }), "occupied[0]");
  });
});
