// The rules a provider's schedule must meet before it is written (db/queries/provider-admin.ts
// replaceWeeklySchedule / addOverride): weekly hours in a tz-database zone, well-formed ranges that do
// not overlap, and date overrides that are not in the past and fit the date's other rows. Input is text
// as submitted ("HH:MM"); the schedule page's form parsing is app/utils/schedule-form.server.ts, which
// maps the issues here to its input names.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { workingIntervals, type WeeklyRule } from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import { MAX_RANGES_PER_DAY, WEEKDAYS, type Weekday } from "../../domain/provider-setup";
import { isValidTimeZone, parsePlainDate } from "../../domain/time";
import type { OverrideRow, WeeklyRuleRow } from "../../db/queries/provider-admin";
import type { FieldIssue } from "./field-issue";

export interface RangeInput {
  /** "HH:MM" as typed; an end of "00:00" means midnight at the end of the day. */
  start: string;
  end: string;
}

export interface WeeklyHoursInput {
  timeZone: string;
  days: Record<Weekday, RangeInput[]>;
}

export interface OverrideInput {
  date: string;
  kind: "closed" | "hours";
  start: string;
  end: string;
  reason: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)(?::00)?$/;

function minuteOf(value: string): number | null {
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}
const textOf = (minute: number) => (minute === 1440 ? "24:00" : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`);

const TimeZoneField = z
  .string()
  .min(1, "Choose a time zone.")
  .refine((zone) => isValidTimeZone(zone), "Choose a time zone from the list (an IANA zone such as Europe/London).");

const RangeSchema = z
  .object({
    start: z.string().min(1, "Enter a start time.").regex(HHMM, "Start must be a time like 09:00."),
    end: z.string().min(1, "Enter an end time.").regex(HHMM, "End must be a time like 17:30 (00:00 = midnight)."),
  })
  .transform((r) => {
    const startMin = minuteOf(r.start)!;
    const endRaw = minuteOf(r.end)!;
    return { startMin, endMin: endRaw === 0 ? 1440 : endRaw };
  })
  .refine((r) => r.startMin < r.endMin, { message: "End must be after start.", path: ["end"] });

export type WeeklyHoursCheck = { ok: true; timeZone: string; rules: WeeklyRuleRow[] } | { ok: false; issues: FieldIssue[] };

/**
 * Checks weekly hours: a zone from the tz database; every non-empty row well-formed (HH:MM, end after
 * start, an end of 00:00 meaning midnight); ranges of one day must not overlap (touching is fine:
 * 09:00-12:00 and 12:00-17:00 are one stretch); at most MAX_RANGES_PER_DAY per day. Finally the domain
 * engine itself must accept the schedule (workingIntervals), so nothing is stored that the
 * availability engine refuses. Issue paths: ["timeZone"], ["days", weekday, row, "start" | "end"];
 * the engine's refusal has the path [] (the schedule as a whole).
 */
export function checkWeeklyHours(input: WeeklyHoursInput): WeeklyHoursCheck {
  const issues: FieldIssue[] = [];
  const add = (path: FieldIssue["path"], message: string) => issues.push({ path, message });
  const zone = TimeZoneField.safeParse(input.timeZone);
  if (!zone.success) add(["timeZone"], zone.error.issues[0]!.message);

  const rules: WeeklyRuleRow[] = [];
  for (const day of WEEKDAYS) {
    const ranges: Array<{ index: number; startMin: number; endMin: number }> = [];
    input.days[day.number].forEach((row, index) => {
      if (!row.start && !row.end) return; // an empty row is "no range", not an error
      const parsed = RangeSchema.safeParse(row);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) add(["days", day.number, index, issue.path[0] === "end" ? "end" : "start"], `${day.name}: ${issue.message}`);
        return;
      }
      ranges.push({ index, ...parsed.data });
    });
    if (ranges.length > MAX_RANGES_PER_DAY) {
      add(["days", day.number, ranges[MAX_RANGES_PER_DAY]!.index, "start"], `${day.name}: at most ${MAX_RANGES_PER_DAY} ranges per day.`);
    }
    const sorted = [...ranges].sort((a, b) => a.startMin - b.startMin || a.endMin - b.endMin);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (current.startMin < previous.endMin) {
        add(
          ["days", day.number, current.index, "start"],
          `${day.name}: ${textOf(current.startMin)}–${textOf(current.endMin)} overlaps ${textOf(previous.startMin)}–${textOf(previous.endMin)}.`,
        );
      }
    }
    for (const r of sorted) rules.push({ weekday: day.number, start: textOf(r.startMin), end: textOf(r.endMin) });
  }
  if (issues.length > 0) return { ok: false, issues };
  // The availability engine's own validation, over a week so every weekday is exercised.
  try {
    const weekly: WeeklyRule[] = WEEKDAYS.map((d) => ({
      weekday: d.number,
      ranges: rules.filter((r) => r.weekday === d.number).map((r) => ({ start: r.start, end: r.end })),
    }));
    const now = Temporal.Now.instant();
    workingIntervals(input.timeZone, weekly, [], now, now.add({ hours: 24 * 8 }));
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, issues: [{ path: [], message: error.message }] };
    throw error;
  }
  return { ok: true, timeZone: input.timeZone, rules };
}

export type OverrideCheck =
  | { ok: true; value: { date: string; start: string | null; end: string | null; reason: string } }
  | { ok: false; issues: FieldIssue[] };

/**
 * Field-level checks of a new override; `today` is the provider's local date (no overrides in the
 * past). Issue paths: ["date"], ["start"], ["end"], ["reason"].
 */
export function checkOverride(input: OverrideInput, today: Temporal.PlainDate): OverrideCheck {
  const issues: FieldIssue[] = [];
  const add = (field: keyof OverrideInput, message: string) => issues.push({ path: [field], message });
  const date = parsePlainDate(input.date);
  if (!date) add("date", "Enter a date like 2026-12-24.");
  else if (Temporal.PlainDate.compare(date, today) < 0) add("date", "The date is in the past.");
  else if (Temporal.PlainDate.compare(date, today.add({ years: 3 })) > 0) add("date", "The date is more than three years ahead.");
  if (input.reason.length > 200) add("reason", "The reason must be at most 200 characters.");
  let start: string | null = null;
  let end: string | null = null;
  if (input.kind === "hours") {
    const parsed = RangeSchema.safeParse({ start: input.start, end: input.end });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) add(issue.path[0] === "end" ? "end" : "start", issue.message);
    } else {
      start = textOf(parsed.data.startMin);
      end = textOf(parsed.data.endMin);
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { date: date!.toString(), start, end, reason: input.reason } };
}

/**
 * Checks a new override against the rows its date already has (run inside the insert's transaction):
 * DomainError VALIDATION naming the field "date" or "start".
 */
export function assertOverrideFits(value: { start: string | null; end: string | null }, existing: OverrideRow[]): void {
  if (value.start === null || value.end === null) return; // closing replaces the date's rows
  if (existing.some((o) => o.start === null)) {
    throw new DomainError("VALIDATION", "This date is marked closed. Delete the closed entry first to set custom hours.", { fields: ["date"] });
  }
  const s = minuteOf(value.start)!;
  const e = value.end === "24:00" ? 1440 : minuteOf(value.end)!;
  for (const o of existing) {
    const os = minuteOf(o.start!)!;
    const oe = o.end === "24:00" ? 1440 : minuteOf(o.end!)!;
    if (s < oe && os < e) {
      throw new DomainError("VALIDATION", `These hours overlap ${o.start}–${o.end} already set for this date.`, { fields: ["start"] });
    }
  }
}
