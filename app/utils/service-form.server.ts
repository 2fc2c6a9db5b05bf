// Form handling of the provider's services editor (/provider/services/new and /provider/services/:id):
// a row or the submitted FormData as a draft, the no-JavaScript tier buttons, and the service rules'
// issues (workers/services/service-rules.ts, where what a service must meet is decided) keyed by input
// name.
import { CancellationPolicySchema } from "../../domain/cancellation-policy";
import { formatMinorUnits } from "../../domain/money";
import type { NewServiceValues, ServiceRow } from "../../db/queries/provider-admin";
import { messagesByName, type FieldIssue } from "../../workers/services/field-issue";
import { checkService } from "../../workers/services/service-rules";
import type { FieldErrors } from "../components/provider/form-controls";
import { MAX_TIERS, tierFieldName, type ServiceDraft } from "../components/provider/service-form";

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

export type ServiceParse = { ok: true; values: NewServiceValues; draft: ServiceDraft } | { ok: false; fieldErrors: FieldErrors; draft: ServiceDraft };

/** The form's input name for a rule issue's path (workers/services/service-rules.ts); "form" for the whole. */
function fieldNameOf(path: FieldIssue["path"]): string {
  if (path[0] === "tiers") return tierFieldName(Number(path[1]), path[2] === "percent" ? "percent" : "hours");
  return path.length > 0 ? String(path[0]) : "form";
}

/** Checks a service draft by the service rules, with their issues keyed by input name. */
export function validateServiceDraft(input: ServiceDraft): ServiceParse {
  const checked = checkService(input);
  if (checked.ok) return { ok: true, values: checked.values, draft: checked.input };
  return { ok: false, fieldErrors: messagesByName(checked.issues, fieldNameOf), draft: checked.input };
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
