// Form handling of the provider's schedule editor (/provider/schedule): loader rows or the submitted
// FormData as drafts, and the schedule rules' issues (workers/services/schedule-rules.ts, where what
// weekly hours and overrides must meet is decided) keyed by input name.
import type { Temporal } from "@js-temporal/polyfill";
import type { WeeklyRuleRow } from "../../db/queries/provider-admin";
import { messagesByName } from "../../workers/services/field-issue";
import { checkOverride, checkWeeklyHours, type OverrideInput } from "../../workers/services/schedule-rules";
import type { FieldErrors } from "../components/provider/form-controls";
import { MAX_RANGES_PER_DAY, WEEKDAYS, rangeFieldName, type WeeklyDraft } from "../components/provider/weekly-hours-editor";

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

export type WeeklyParse =
  | { ok: true; timeZone: string; rules: WeeklyRuleRow[] }
  | { ok: false; fieldErrors: FieldErrors; formError: string };

/** Checks a weekly draft by the schedule rules; a refusal of the schedule as a whole is the form's message. */
export function validateWeeklyDraft(draft: WeeklyDraft): WeeklyParse {
  const checked = checkWeeklyHours(draft);
  if (checked.ok) return checked;
  const whole = checked.issues.find((issue) => issue.path.length === 0);
  if (whole) return { ok: false, fieldErrors: {}, formError: `The schedule was not saved: ${whole.message}` };
  const fieldErrors = messagesByName(checked.issues, (path) =>
    path[0] === "days" ? rangeFieldName(Number(path[1]), path[3] === "end" ? "end" : "start", Number(path[2])) : "timeZone",
  );
  return { ok: false, fieldErrors, formError: "The schedule was not saved: please correct the highlighted fields." };
}

export type OverrideDraft = OverrideInput;

/** The override form's input name of a schedule-rules field ("date" → "overrideDate"). */
export const overrideFieldName = (field: string | number | undefined) => `override${String(field ?? "date").replace(/^./, (c) => c.toUpperCase())}`;

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

/** Field-level checks of a new override (schedule rules); `today` is the provider's local date. */
export function validateOverrideDraft(draft: OverrideDraft, today: Temporal.PlainDate): OverrideParse {
  const checked = checkOverride(draft, today);
  return checked.ok ? checked : { ok: false, fieldErrors: messagesByName(checked.issues, (path) => overrideFieldName(path[0])) };
}
