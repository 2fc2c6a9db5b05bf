// Server helpers for the provider area (app/routes/provider.*): which provider a request is about,
// the provider's Durable Object, DomainError → inline message, and the form parsers of the schedule
// and services editors (zod + the domain's rules, field errors keyed by input name).
//
// Scope: a provider always works on their own profile (a `?provider=` parameter is ignored for them).
// An admin works on the provider named by `?provider=<id>`, or on their own profile if they have one,
// or on the oldest provider; the pages show which one and let an admin switch. Booking detail pages
// are the exception: an admin (support) may open any booking by its code.
import type { AppLoadContext } from "@remix-run/cloudflare";
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { Actor } from "../../domain/booking-states";
import { CancellationPolicySchema, type CancellationPolicy } from "../../domain/cancellation-policy";
import { workingIntervals, type WeeklyRule } from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import { minorUnitDigits, money, toDecimalString } from "../../domain/money";
import { isValidTimeZone } from "../../domain/time";
import {
  findProviderProfileById,
  findProviderProfileByUser,
  firstProviderProfile,
  listProviderChoices,
  type NewServiceValues,
  type OverrideRow,
  type ProviderProfile,
  type ServiceRow,
  type WeeklyRuleRow,
} from "../../db/queries/provider-admin";
import { statusForDomainErrorCode } from "../../workers/http/errors";
import { logEvent } from "../../workers/services/context";
import { requireRole, type SessionUser } from "./auth.server";
import { MAX_RANGES_PER_DAY, WEEKDAYS, rangeFieldName, type WeeklyDraft } from "../components/provider/weekly-hours-editor";
import { MAX_TIERS, tierFieldName, type ServiceDraft } from "../components/provider/service-form";

export { MAX_RANGES_PER_DAY, MAX_TIERS };

export const PROVIDER_ROLES = ["provider", "admin"] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type FieldErrors = Partial<Record<string, string[]>>;

export interface ProviderScope {
  user: SessionUser;
  provider: ProviderProfile;
  isAdmin: boolean;
  /** "?provider=<id>" for admins (so links and forms stay on the same provider), "" for providers. */
  query: string;
}

function notFound(message: string): Response {
  return new Response(message, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * requireRole(["provider","admin"]) plus the provider the request works on (see the header).
 * Throws 404 when a provider account has no profile or an admin names an unknown provider.
 */
export async function requireProviderScope(request: Request, context: AppLoadContext): Promise<ProviderScope> {
  const user = await requireRole(request, context, PROVIDER_ROLES);
  const db = context.database.db;
  if (user.role !== "admin") {
    const provider = await findProviderProfileByUser(db, user.id);
    if (!provider) throw notFound("This account has no provider profile.");
    return { user, provider, isAdmin: false, query: "" };
  }
  const wanted = new URL(request.url).searchParams.get("provider");
  let provider: ProviderProfile | null = null;
  if (wanted) {
    provider = UUID.test(wanted) ? await findProviderProfileById(db, wanted.toLowerCase()) : null;
    if (!provider) throw notFound("No provider with that id.");
  } else {
    provider = (await findProviderProfileByUser(db, user.id)) ?? (await firstProviderProfile(db));
    if (!provider) throw notFound("There are no providers yet.");
  }
  return { user, provider, isAdmin: true, query: `?provider=${provider.id}` };
}

/** `path` with the admin's provider parameter (and `extra` parameters) appended. */
export function scopedHref(scope: Pick<ProviderScope, "isAdmin" | "provider">, path: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (scope.isAdmin) params.set("provider", scope.provider.id);
  const search = params.toString();
  return search ? `${path}${path.includes("?") ? "&" : "?"}${search}` : path;
}

/** The admin's provider picker choices; none for providers. */
export async function adminChoices(scope: ProviderScope, context: AppLoadContext): Promise<Array<{ id: string; displayName: string }>> {
  return scope.isAdmin ? listProviderChoices(context.database.db) : [];
}

export function actorFor(user: SessionUser): Actor {
  return { type: user.role === "admin" ? "admin" : "provider", id: user.id };
}

// ---------------------------------------------------------------------------------------------
// The provider's Durable Object

export function scheduleStub(context: AppLoadContext, providerId: string) {
  const ns = context.cloudflare.env.PROVIDER_SCHEDULE;
  return ns.get(ns.idFromName(providerId));
}

export function logScheduleError(providerId: string, error: unknown): void {
  logEvent("schedule.read_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Tells the provider's schedule that hours, overrides or services changed, so open booking pages
 * recompute their slots. After the commit; a failure is logged, never shown: the save has happened.
 */
export async function announceScheduleChanged(context: AppLoadContext, providerId: string): Promise<void> {
  try {
    await scheduleStub(context, providerId).scheduleChanged();
  } catch (error) {
    logEvent("schedule.schedule_changed_failed", { providerId, message: error instanceof Error ? error.message : String(error) });
  }
}

// ---------------------------------------------------------------------------------------------
// DomainError → inline message

export function statusForDomainError(error: DomainError): number {
  return statusForDomainErrorCode(error.code) ?? 400;
}

/** A sentence for the page: the domain's messages are written for people already, with a hint on what to do. */
export function messageForDomainError(error: DomainError): string {
  switch (error.code) {
    case "STALE_VERSION":
      return "This booking changed since you opened the page. Check its current state below and try again.";
    case "ILLEGAL_TRANSITION":
      return `${error.message}. The page now shows the booking's current state.`;
    default:
      return error.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Time helpers (provider zone)

export function todayIn(zone: string): Temporal.PlainDate {
  return Temporal.Now.instant().toZonedDateTimeISO(zone).toPlainDate();
}

export function parsePlainDate(value: string | null | undefined): Temporal.PlainDate | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  try {
    return Temporal.PlainDate.from(value, { overflow: "reject" });
  } catch {
    return null;
  }
}

/** "Tue 3 Mar 2026, 09:30 GMT+5:45" in `zone`. */
export function formatDateTime(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: zone,
    timeZoneName: "short",
  }).format(instant);
}

/** "09:30" in `zone`. */
export function formatTime(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(instant);
}

export function formatPlainDate(date: Temporal.PlainDate, options: Intl.DateTimeFormatOptions = { weekday: "long", day: "numeric", month: "long", year: "numeric" }): string {
  // A PlainDate has no zone; format its noon in UTC so no offset can move it to another day.
  return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(new Date(Date.UTC(date.year, date.month - 1, date.day, 12)));
}

export function timeZoneOptions(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    zones = [];
  }
  const set = new Set(zones.filter((z) => isValidTimeZone(z)));
  set.add("UTC");
  if (isValidTimeZone(current)) set.add(current);
  return [...set].sort((a, b) => a.localeCompare(b));
}

// ---------------------------------------------------------------------------------------------
// Schedule editor

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

// ---------------------------------------------------------------------------------------------
// Services editor

export const MAX_PRICE_MINOR = 2_147_483_647; // the services.price_amount integer column

/**
 * A decimal string ("55", "55.5", "55.50") → integer minor units of `currency`, by string arithmetic
 * only (no float ever holds the amount): "55.5" usd → 5550, "1200" jpy → 1200, "1.5" jpy → error.
 */
export function parseMinorUnits(input: string, currency: string): { ok: true; amount: number } | { ok: false; message: string } {
  const text = input.trim().replace(/^[^\d.]+/, ""); // tolerate a leading currency sign: "$55.50"
  let digits: number;
  try {
    digits = minorUnitDigits(currency);
  } catch {
    return { ok: false, message: "Choose a currency first." };
  }
  const m = /^(\d{0,12})(?:\.(\d*))?$/.exec(text);
  if (!text || !m || (m[1] === "" && !m[2])) return { ok: false, message: "Enter the price as a number like 55.00." };
  const whole = m[1] || "0";
  const fraction = m[2] ?? "";
  if (fraction.length > digits) {
    return {
      ok: false,
      message: digits === 0 ? `${currency.toUpperCase()} has no minor unit: enter a whole amount.` : `Use at most ${digits} decimal places.`,
    };
  }
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  if (minor > BigInt(MAX_PRICE_MINOR)) return { ok: false, message: "The price is too large." };
  return { ok: true, amount: Number(minor) };
}

/** Minor units → the decimal string the price input shows ("5550" usd → "55.50"). */
export function formatMinorUnits(amount: number, currency: string): string {
  return toDecimalString(amount, minorUnitDigits(currency));
}

export function serviceDraftFrom(row: ServiceRow | null): ServiceDraft {
  const policy = CancellationPolicySchema.safeParse(row?.cancellationPolicy);
  const tiers = policy.success
    ? policy.data.tiers
    : [
        { minHoursBefore: 24, refundPercent: 100 },
        { minHoursBefore: 2, refundPercent: 50 },
        { minHoursBefore: 0, refundPercent: 0 },
      ];
  const currency = row?.currency ?? "usd";
  return {
    name: row?.name ?? "",
    description: row?.description ?? "",
    category: row?.category ?? "",
    durationMinutes: String(row?.durationMinutes ?? 60),
    price: row ? formatMinorUnits(row.priceAmount, currency) : "",
    currency,
    bufferBeforeMinutes: String(row?.bufferBeforeMinutes ?? 0),
    bufferAfterMinutes: String(row?.bufferAfterMinutes ?? 0),
    slotIntervalMinutes: String(row?.slotIntervalMinutes ?? 30),
    minNoticeMinutes: String(row?.minNoticeMinutes ?? 60),
    bookingWindowDays: String(row?.bookingWindowDays ?? 60),
    requiresApproval: row?.requiresApproval ?? false,
    isActive: row?.isActive ?? true,
    tiers: tiers.map((t) => ({ hours: String(t.minHoursBefore), percent: String(t.refundPercent) })),
  };
}

export function serviceDraftFromForm(formData: FormData): ServiceDraft {
  const text = (name: string, max = 200) => String(formData.get(name) ?? "").trim().slice(0, max);
  const tiers = new Map<number, { hours: string; percent: string }>();
  for (const [key, value] of formData) {
    const m = /^tier-(\d{1,2})-(hours|percent)$/.exec(key);
    if (!m || typeof value !== "string") continue;
    const index = Number(m[1]);
    const tier = tiers.get(index) ?? { hours: "", percent: "" };
    tier[m[2] as "hours" | "percent"] = value.trim().slice(0, 12);
    tiers.set(index, tier);
  }
  return {
    name: text("name", 200),
    description: text("description", 4000),
    category: text("category", 100),
    durationMinutes: text("durationMinutes", 12),
    price: text("price", 24),
    currency: text("currency", 3).toLowerCase(),
    bufferBeforeMinutes: text("bufferBeforeMinutes", 12),
    bufferAfterMinutes: text("bufferAfterMinutes", 12),
    slotIntervalMinutes: text("slotIntervalMinutes", 12),
    minNoticeMinutes: text("minNoticeMinutes", 12),
    bookingWindowDays: text("bookingWindowDays", 12),
    requiresApproval: formData.get("requiresApproval") === "on",
    isActive: formData.get("isActive") === "on",
    tiers: [...tiers.entries()].sort(([a], [b]) => a - b).map(([, t]) => t).slice(0, MAX_TIERS * 2),
  };
}

const wholeNumber = (label: string, min: number, max: number) =>
  z
    .string()
    .min(1, `${label} is required.`)
    .regex(/^\d{1,9}$/, `${label} must be a whole number.`)
    .transform(Number)
    .pipe(z.number().min(min, `${label} must be at least ${min}.`).max(max, `${label} must be at most ${max}.`));

const ServiceFieldsSchema = z.object({
  name: z.string().min(1, "Name is required.").max(120, "Name must be at most 120 characters."),
  description: z.string().max(2000, "Description must be at most 2000 characters."),
  category: z.string().min(1, "Category is required.").max(60, "Category must be at most 60 characters."),
  durationMinutes: wholeNumber("Duration", 1, 1440),
  currency: z.string().regex(/^[a-z]{3}$/, "Choose a currency."),
  price: z.string().min(1, "Price is required."),
  bufferBeforeMinutes: wholeNumber("Buffer before", 0, 1440),
  bufferAfterMinutes: wholeNumber("Buffer after", 0, 1440),
  slotIntervalMinutes: wholeNumber("Slot interval", 1, 1440),
  minNoticeMinutes: wholeNumber("Minimum notice", 0, 366 * 1440),
  bookingWindowDays: wholeNumber("Booking window", 1, 3660),
  requiresApproval: z.boolean(),
  isActive: z.boolean(),
});

export const SERVICE_FIELD_ORDER = [
  "name",
  "description",
  "category",
  "durationMinutes",
  "price",
  "currency",
  "bufferBeforeMinutes",
  "bufferAfterMinutes",
  "slotIntervalMinutes",
  "minNoticeMinutes",
  "bookingWindowDays",
] as const;

export type ServiceParse = { ok: true; values: NewServiceValues; draft: ServiceDraft } | { ok: false; fieldErrors: FieldErrors; draft: ServiceDraft };

/**
 * Validates a service draft. Tiers are taken in the order of their "hours before" (largest first), as
 * the policy requires, and empty tier rows are dropped; the returned draft shows them that way.
 */
export function validateServiceDraft(input: ServiceDraft): ServiceParse {
  const fieldErrors: FieldErrors = {};
  const add = (field: string, message: string) => (fieldErrors[field] ??= []).push(message);

  const tierRows = input.tiers.filter((t) => t.hours !== "" || t.percent !== "");
  const numeric = (v: string) => (/^\d{1,6}$/.test(v) ? Number(v) : Number.NaN);
  tierRows.sort((a, b) => (numeric(b.hours) || 0) - (numeric(a.hours) || 0));
  const draft: ServiceDraft = { ...input, tiers: tierRows.length ? tierRows : [{ hours: "", percent: "" }] };

  const parsed = ServiceFieldsSchema.safeParse(draft);
  if (!parsed.success) for (const issue of parsed.error.issues) add(String(issue.path[0] ?? "form"), issue.message);

  let priceAmount: number | null = null;
  if (draft.price && /^[a-z]{3}$/.test(draft.currency)) {
    const price = parseMinorUnits(draft.price, draft.currency);
    if (price.ok) priceAmount = price.amount;
    else add("price", price.message);
  }

  let policy: CancellationPolicy | null = null;
  if (tierRows.length === 0) add(tierFieldName(0, "hours"), "Add at least one refund tier (e.g. 0 hours before: 0 %).");
  else if (tierRows.length > MAX_TIERS) add(tierFieldName(MAX_TIERS, "hours"), `At most ${MAX_TIERS} tiers.`);
  else {
    let tierProblem = false;
    const tiers = tierRows.map((t, i) => {
      const hours = numeric(t.hours);
      const percent = numeric(t.percent);
      if (Number.isNaN(hours)) {
        add(tierFieldName(i, "hours"), `Tier ${i + 1}: hours before must be a whole number.`);
        tierProblem = true;
      }
      if (Number.isNaN(percent)) {
        add(tierFieldName(i, "percent"), `Tier ${i + 1}: refund must be a whole percentage.`);
        tierProblem = true;
      }
      return { minHoursBefore: hours, refundPercent: percent };
    });
    if (!tierProblem) {
      const result = CancellationPolicySchema.safeParse({ tiers, providerCancellationRefundPercent: 100 });
      if (result.success) policy = result.data;
      else {
        for (const issue of result.error.issues) {
          const [, index, key] = issue.path;
          const i = typeof index === "number" ? index : 0;
          const part = key === "refundPercent" ? "percent" : "hours";
          const message =
            issue.code === "too_big" || issue.code === "too_small"
              ? part === "percent"
                ? "refund must be between 0 and 100 %."
                : `hours before must be between 0 and ${24 * 366}.`
              : key === "minHoursBefore"
                ? "each tier needs a different number of hours."
                : key === "refundPercent"
                  ? "cancelling later cannot refund more than cancelling earlier."
                  : issue.message;
          add(tierFieldName(i, part), `Tier ${i + 1}: ${message}`);
        }
      }
    }
  }

  if (!parsed.success || Object.keys(fieldErrors).length > 0 || priceAmount === null || !policy) {
    if (Object.keys(fieldErrors).length === 0) add("form", "Please check the form.");
    return { ok: false, fieldErrors, draft };
  }
  const data = parsed.data;
  money(priceAmount, data.currency); // the domain's own check of the amount and currency shape
  return {
    ok: true,
    draft,
    values: {
      name: data.name,
      description: data.description,
      category: data.category,
      durationMinutes: data.durationMinutes,
      priceAmount,
      currency: data.currency,
      bufferBeforeMinutes: data.bufferBeforeMinutes,
      bufferAfterMinutes: data.bufferAfterMinutes,
      slotIntervalMinutes: data.slotIntervalMinutes,
      minNoticeMinutes: data.minNoticeMinutes,
      bookingWindowDays: data.bookingWindowDays,
      requiresApproval: data.requiresApproval,
      isActive: data.isActive,
      cancellationPolicy: policy,
    },
  };
}

/** Applies a no-JavaScript "add row" / "remove row" button to a list draft. */
export function applyRowIntent<T>(list: T[], intent: string, prefix: string, blank: () => T, max: number): T[] | null {
  if (intent === `${prefix}add` && list.length < max) return [...list, blank()];
  const m = new RegExp(`^${prefix}remove:(\\d{1,2})$`).exec(intent);
  if (m) return list.filter((_, i) => i !== Number(m[1]));
  return intent.startsWith(prefix) ? list : null;
}

export interface ServiceFormResult {
  draft: ServiceDraft;
  fieldErrors?: FieldErrors;
  formError?: string;
  notice?: string;
}

/**
 * One submission of the service editor: a no-JavaScript tier add/remove (re-display, nothing saved),
 * an invalid form (400 with field errors), or values to save.
 */
export function processServiceForm(formData: FormData): { save: NewServiceValues } | { result: ServiceFormResult; status: number } {
  const intent = String(formData.get("intent") ?? "save");
  const draft = serviceDraftFromForm(formData);
  const rows = applyRowIntent(draft.tiers, intent, "tiers:", () => ({ hours: "", percent: "" }), MAX_TIERS);
  if (rows) {
    return { result: { draft: { ...draft, tiers: rows }, notice: "Not saved yet: press the save button when you are done." }, status: 200 };
  }
  if (intent !== "save") return { result: { draft, formError: "Unknown action." }, status: 400 };
  const parsed = validateServiceDraft(draft);
  if (!parsed.ok) {
    const { form, ...fieldErrors } = parsed.fieldErrors;
    return {
      result: { draft: parsed.draft, fieldErrors, formError: `The service was not saved: ${form?.join(" ") ?? "please correct the highlighted fields."}` },
      status: 400,
    };
  }
  return { save: parsed.values };
}
