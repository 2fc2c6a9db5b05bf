// Form parsing and validation of the provider's services editor (/provider/services/new and
// /provider/services/:id): zod and the domain's rules (money, cancellation policy); field errors are
// keyed by input name.
import { z } from "zod";
import { CancellationPolicySchema, type CancellationPolicy } from "../../domain/cancellation-policy";
import { formatMinorUnits, formatMoney, money, parseMinorUnits } from "../../domain/money";
import { isChargeablePrice, MINIMUM_CHARGE } from "../../domain/pricing";
import type { NewServiceValues, ServiceRow } from "../../db/queries/provider-admin";
import type { FieldErrors } from "../components/provider/form-controls";
import { MAX_TIERS, tierFieldName, type ServiceDraft } from "../components/provider/service-form";

export const MAX_PRICE_MINOR = 2_147_483_647; // the services.price_amount integer column

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
    const price = parseMinorUnits(draft.price, draft.currency, MAX_PRICE_MINOR);
    if (!price.ok) add("price", price.message);
    else if (!isChargeablePrice(money(price.amount, draft.currency))) {
      add("price", `Price must be 0 (free) or at least ${formatMoney(money(MINIMUM_CHARGE[draft.currency] ?? 1, draft.currency))}: card payments below that are refused.`);
    } else priceAmount = price.amount;
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
