// Form parsing and validation of the provider's schedule editor (/provider/schedule): the weekly
// hours and the date overrides, with zod and the domain's own rules; field errors are keyed by input
// name.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { workingIntervals, type WeeklyRule } from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import { isValidTimeZone } from "../../domain/time";
import type { OverrideRow, WeeklyRuleRow } from "../../db/queries/provider-admin";
import type { FieldErrors } from "../components/provider/form-controls";
import { MAX_RANGES_PER_DAY, WEEKDAYS, rangeFieldName, type WeeklyDraft } from "../components/provider/weekly-hours-editor";
import { parsePlainDate } from "./dates";

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)(?::00)?$/;

function minuteOf(value: string): number | null {
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}
const textOf = (minute: number) => (minute === 1440 ? "24:00" : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`);

/** Loader rows → the editor's draft (every weekday present, possibly with no ranges). */
export function weeklyDraftFrom(timeZone: string, rows: WeeklyRuleRow[]): WeeklyDraft {
  const days = Object.fromEntries(WEEKDAYS.map((d) => [d.number, [] as Array<{ start: string; end: string }>])) as WeeklyDraft["days"];
  for (const row of rows) days[row.weekday as keyof WeeklyDraft["days"]]?.push({ start: row.start, end: row.end === "24:00" ? "00:00" : row.end });
  return { timeZone, days };
}

/** The submitted form as a draft, exactly as typed (for re-display), rows in submitted order. */
export function weeklyDraftFromForm(formData: FormData): WeeklyDraft {
  const days = Object.fromEntries(WEEKDAYS.map((d) => [d.number, [] as Array<{ start: string; end: string }>])) as WeeklyDraft["days"];
  const rows = new Map<string, { day: number; index: number; start: string; end: string }>();
  for (const [key, value] of formData) {
    const m = /^day-([1-7])-(start|end)-(\d{1,2})$/.exec(key);
    if (!m || typeof value !== "string") continue;
    const id = `${m[1]}-${m[3]}`;
    const row = rows.get(id) ?? { day: Number(m[1]), index: Number(m[3]), start: "", end: "" };
    row[m[2] as "start" | "end"] = value.trim().slice(0, 8);
    rows.set(id, row);
  }
  for (const row of [...rows.values()].sort((a, b) => a.day - b.day || a.index - b.index)) {
    const list = days[row.day as keyof WeeklyDraft["days"]];
    if (list.length < MAX_RANGES_PER_DAY * 2) list.push({ start: row.start, end: row.end });
  }
  return { timeZone: String(formData.get("timeZone") ?? "").trim().slice(0, 64), days };
}

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

export type WeeklyParse =
  | { ok: true; timeZone: string; rules: WeeklyRuleRow[] }
  | { ok: false; fieldErrors: FieldErrors; formError: string };

/**
 * Validates a weekly draft: a zone from the tz database; every non-empty row well-formed (HH:MM,
 * end after start, an end of 00:00 meaning midnight); ranges of one day must not overlap (touching is
 * fine: 09:00-12:00 and 12:00-17:00 are one stretch); at most MAX_RANGES_PER_DAY per day. Finally the
 * domain engine itself must accept the schedule (workingIntervals), so the editor can never store
 * something the availability engine refuses.
 */
export function validateWeeklyDraft(draft: WeeklyDraft): WeeklyParse {
  const fieldErrors: FieldErrors = {};
  const add = (field: string, message: string) => (fieldErrors[field] ??= []).push(message);
  const zone = TimeZoneField.safeParse(draft.timeZone);
  if (!zone.success) add("timeZone", zone.error.issues[0]!.message);

  const rules: WeeklyRuleRow[] = [];
  for (const day of WEEKDAYS) {
    const ranges: Array<{ index: number; startMin: number; endMin: number }> = [];
    draft.days[day.number].forEach((row, index) => {
      if (!row.start && !row.end) return; // an empty row is "no range", not an error
      const parsed = RangeSchema.safeParse(row);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) add(rangeFieldName(day.number, issue.path[0] === "end" ? "end" : "start", index), `${day.name}: ${issue.message}`);
        return;
      }
      ranges.push({ index, ...parsed.data });
    });
    if (ranges.length > MAX_RANGES_PER_DAY) {
      add(rangeFieldName(day.number, "start", ranges[MAX_RANGES_PER_DAY]!.index), `${day.name}: at most ${MAX_RANGES_PER_DAY} ranges per day.`);
    }
    const sorted = [...ranges].sort((a, b) => a.startMin - b.startMin || a.endMin - b.endMin);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (current.startMin < previous.endMin) {
        add(
          rangeFieldName(day.number, "start", current.index),
          `${day.name}: ${textOf(current.startMin)}–${textOf(current.endMin)} overlaps ${textOf(previous.startMin)}–${textOf(previous.endMin)}.`,
        );
      }
    }
    for (const r of sorted) rules.push({ weekday: day.number, start: textOf(r.startMin), end: textOf(r.endMin) });
  }
  if (Object.keys(fieldErrors).length > 0) {
    return { ok: false, fieldErrors, formError: "The schedule was not saved: please correct the highlighted fields." };
  }
  // The availability engine's own validation, over a week so every weekday is exercised.
  try {
    const weekly: WeeklyRule[] = WEEKDAYS.map((d) => ({
      weekday: d.number,
      ranges: rules.filter((r) => r.weekday === d.number).map((r) => ({ start: r.start, end: r.end })),
    }));
    const now = Temporal.Now.instant();
    workingIntervals(draft.timeZone, weekly, [], now, now.add({ hours: 24 * 8 }));
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, fieldErrors, formError: `The schedule was not saved: ${error.message}` };
    throw error;
  }
  return { ok: true, timeZone: draft.timeZone, rules };
}

export interface OverrideDraft {
  date: string;
  kind: "closed" | "hours";
  start: string;
  end: string;
  reason: string;
}

export function overrideDraftFromForm(formData: FormData): OverrideDraft {
  const text = (name: string, max: number) => String(formData.get(name) ?? "").trim().slice(0, max);
  return {
    date: text("overrideDate", 10),
    kind: formData.get("overrideKind") === "hours" ? "hours" : "closed",
    start: text("overrideStart", 8),
    end: text("overrideEnd", 8),
    reason: text("overrideReason", 300),
  };
}

export type OverrideParse =
  | { ok: true; value: { date: string; start: string | null; end: string | null; reason: string } }
  | { ok: false; fieldErrors: FieldErrors };

/** Field-level checks of a new override; `today` is the provider's local date (no overrides in the past). */
export function validateOverrideDraft(draft: OverrideDraft, today: Temporal.PlainDate): OverrideParse {
  const fieldErrors: FieldErrors = {};
  const add = (field: string, message: string) => (fieldErrors[field] ??= []).push(message);
  const date = parsePlainDate(draft.date);
  if (!date) add("overrideDate", "Enter a date like 2026-12-24.");
  else if (Temporal.PlainDate.compare(date, today) < 0) add("overrideDate", "The date is in the past.");
  else if (Temporal.PlainDate.compare(date, today.add({ years: 3 })) > 0) add("overrideDate", "The date is more than three years ahead.");
  if (draft.reason.length > 200) add("overrideReason", "The reason must be at most 200 characters.");
  let start: string | null = null;
  let end: string | null = null;
  if (draft.kind === "hours") {
    const parsed = RangeSchema.safeParse({ start: draft.start, end: draft.end });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) add(issue.path[0] === "end" ? "overrideEnd" : "overrideStart", issue.message);
    } else {
      start = textOf(parsed.data.startMin);
      end = textOf(parsed.data.endMin);
    }
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, value: { date: date!.toString(), start, end, reason: draft.reason } };
}

/** Checks a new override against the rows its date already has (run inside the insert's transaction). */
export function assertOverrideFits(value: { start: string | null; end: string | null }, existing: OverrideRow[]): void {
  if (value.start === null || value.end === null) return; // closing replaces the date's rows
  if (existing.some((o) => o.start === null)) {
    throw new DomainError("VALIDATION", "This date is marked closed. Delete the closed entry first to set custom hours.", { fields: ["overrideDate"] });
  }
  const s = minuteOf(value.start)!;
  const e = value.end === "24:00" ? 1440 : minuteOf(value.end)!;
  for (const o of existing) {
    const os = minuteOf(o.start!)!;
    const oe = o.end === "24:00" ? 1440 : minuteOf(o.end!)!;
    if (s < oe && os < e) {
      throw new DomainError("VALIDATION", `These hours overlap ${o.start}–${o.end} already set for this date.`, { fields: ["overrideStart"] });
    }
  }
}
