// The rules a provider's service must meet before it is written (db/queries/provider-admin.ts
// insertOwnService / updateOwnService): field limits, a chargeable price in the currency's minor
// units, and a cancellation policy the domain accepts. Input is text as submitted (numbers as
// strings, the price a decimal in the major unit); the provider pages' form parsing is
// app/utils/service-form.server.ts, which maps the issues here to its input names.
import { z } from "zod";
import { CancellationPolicySchema, type CancellationPolicy } from "../../domain/cancellation-policy";
import { formatMoney, money, parseMinorUnits } from "../../domain/money";
import { isChargeablePrice, MINIMUM_CHARGE } from "../../domain/pricing";
import { MAX_TIERS } from "../../domain/provider-setup";
import type { NewServiceValues } from "../../db/queries/provider-admin";
import type { FieldIssue } from "./field-issue";

export const MAX_PRICE_MINOR = 2_147_483_647; // the services.price_amount integer column

export interface TierInput {
  /** Whole hours before the start, as text. */
  hours: string;
  /** Whole percentage refunded, as text. */
  percent: string;
}

/** Every field as submitted (numbers as strings), so a rejected submission can be shown back as it was. */
export interface ServiceInput {
  name: string;
  description: string;
  category: string;
  durationMinutes: string;
  /** Decimal string in the currency's major unit, e.g. "55.00". */
  price: string;
  currency: string;
  bufferBeforeMinutes: string;
  bufferAfterMinutes: string;
  slotIntervalMinutes: string;
  minNoticeMinutes: string;
  bookingWindowDays: string;
  requiresApproval: boolean;
  isActive: boolean;
  tiers: TierInput[];
}

const amountOf = (count: number, unit: "minute" | "day") => `${count} ${unit}${count === 1 ? "" : "s"}`;

/**
 * A count of minutes or days typed into a form. The message says what is wrong in the field's own
 * terms: "-5" is below the minimum ("at least 1 minute"), "1.5" is not whole, "ten" is not a number.
 */
const wholeNumber = (label: string, min: number, max: number, unit: "minute" | "day") =>
  z
    .string()
    .trim()
    .min(1, `${label} is required.`)
    .regex(/^[-+]?\d{1,12}([.,]\d+)?$/, `${label} must be a number of ${unit}s, e.g. ${Math.max(min, 1) * (unit === "minute" ? 30 : 1)}.`)
    .transform((text) => Number(text.replace(",", ".")))
    .pipe(
      z
        .number()
        .min(min, `${label} must be at least ${amountOf(min, unit)}.`)
        .max(max, `${label} must be at most ${amountOf(max, unit)}.`)
        .int(`${label} must be a whole number of ${unit}s.`),
    );

const ServiceFieldsSchema = z.object({
  name: z.string().min(1, "Name is required.").max(120, "Name must be at most 120 characters."),
  description: z.string().max(2000, "Description must be at most 2000 characters."),
  category: z.string().min(1, "Category is required.").max(60, "Category must be at most 60 characters."),
  durationMinutes: wholeNumber("Duration", 1, 1440, "minute"),
  currency: z.string().regex(/^[a-z]{3}$/, "Choose a currency."),
  price: z.string().min(1, "Price is required."),
  bufferBeforeMinutes: wholeNumber("Buffer before", 0, 1440, "minute"),
  bufferAfterMinutes: wholeNumber("Buffer after", 0, 1440, "minute"),
  slotIntervalMinutes: wholeNumber("Slot interval", 1, 1440, "minute"),
  minNoticeMinutes: wholeNumber("Minimum notice", 0, 366 * 1440, "minute"),
  bookingWindowDays: wholeNumber("Booking window", 1, 3660, "day"),
  requiresApproval: z.boolean(),
  isActive: z.boolean(),
});

export type ServiceCheck = { ok: true; values: NewServiceValues; input: ServiceInput } | { ok: false; issues: FieldIssue[]; input: ServiceInput };

/**
 * Checks a service. Tiers are taken in the order of their "hours before" (largest first), as the
 * policy requires, and empty tier rows are dropped; the returned input shows them that way. Tier
 * issues have the path ["tiers", index, "hours" | "percent"]; one about the whole submission [].
 */
export function checkService(submitted: ServiceInput): ServiceCheck {
  const issues: FieldIssue[] = [];
  const add = (path: FieldIssue["path"], message: string) => issues.push({ path, message });
  const tierPath = (i: number, part: keyof TierInput) => ["tiers", i, part];

  const tierRows = submitted.tiers.filter((t) => t.hours !== "" || t.percent !== "");
  const numeric = (v: string) => (/^\d{1,6}$/.test(v) ? Number(v) : Number.NaN);
  const negative = (v: string) => /^-\d+([.,]\d+)?$/.test(v.trim());
  tierRows.sort((a, b) => (numeric(b.hours) || 0) - (numeric(a.hours) || 0));
  const input: ServiceInput = { ...submitted, tiers: tierRows.length ? tierRows : [{ hours: "", percent: "" }] };

  const parsed = ServiceFieldsSchema.safeParse(input);
  if (!parsed.success) for (const issue of parsed.error.issues) add(issue.path.slice(0, 1) as string[], issue.message);

  let priceAmount: number | null = null;
  if (input.price && /^[a-z]{3}$/.test(input.currency)) {
    const price = parseMinorUnits(input.price, input.currency, MAX_PRICE_MINOR);
    if (!price.ok) add(["price"], price.message);
    else if (!isChargeablePrice(money(price.amount, input.currency))) {
      add(["price"], `Price must be 0 (free) or at least ${formatMoney(money(MINIMUM_CHARGE[input.currency] ?? 1, input.currency))}: card payments below that are refused.`);
    } else priceAmount = price.amount;
  }

  let policy: CancellationPolicy | null = null;
  if (tierRows.length === 0) add(tierPath(0, "hours"), "Add at least one refund tier (e.g. 0 hours before: 0 %).");
  else if (tierRows.length > MAX_TIERS) add(tierPath(MAX_TIERS, "hours"), `At most ${MAX_TIERS} tiers.`);
  else {
    let tierProblem = false;
    const tiers = tierRows.map((t, i) => {
      const hours = numeric(t.hours);
      const percent = numeric(t.percent);
      if (Number.isNaN(hours)) {
        add(tierPath(i, "hours"), `Tier ${i + 1}: ${negative(t.hours) ? "hours before must be 0 or more (0 means up to the start)." : "hours before must be a whole number of hours."}`);
        tierProblem = true;
      }
      if (Number.isNaN(percent)) {
        add(tierPath(i, "percent"), `Tier ${i + 1}: ${negative(t.percent) ? "refund must be between 0 and 100 %." : "refund must be a whole percentage."}`);
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
          add(tierPath(i, part), `Tier ${i + 1}: ${message}`);
        }
      }
    }
  }

  if (!parsed.success || issues.length > 0 || priceAmount === null || !policy) {
    if (issues.length === 0) add([], "Please check the form.");
    return { ok: false, issues, input };
  }
  const data = parsed.data;
  money(priceAmount, data.currency); // the domain's own check of the amount and currency shape
  return {
    ok: true,
    input,
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
