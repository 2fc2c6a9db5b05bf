// The service and schedule rules (workers/services/service-rules.ts, schedule-rules.ts), checked
// directly with the paths they report, and through the provider pages' form mapping
// (app/utils/*-form.server.ts) with the input names the pages show.
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { overrideFieldName, validateOverrideDraft, validateWeeklyDraft, weeklyDraftFrom } from "../../app/utils/schedule-form.server";
import { validateServiceDraft } from "../../app/utils/service-form.server";
import { isDomainError } from "../../domain/errors";
import { assertOverrideFits, checkOverride, checkWeeklyHours } from "../../workers/services/schedule-rules";
import { checkService, type ServiceInput } from "../../workers/services/service-rules";

const service: ServiceInput = {
  name: "Haircut",
  description: "",
  category: "Hair",
  durationMinutes: "45",
  price: "55.00",
  currency: "usd",
  bufferBeforeMinutes: "0",
  bufferAfterMinutes: "15",
  slotIntervalMinutes: "15",
  minNoticeMinutes: "60",
  bookingWindowDays: "60",
  requiresApproval: false,
  isActive: true,
  tiers: [
    { hours: "0", percent: "0" },
    { hours: "", percent: "" },
    { hours: "24", percent: "100" },
  ],
};

describe("service rules", () => {
  it("says what is wrong with a count in the field's own terms", () => {
    const messages = (values: Partial<ServiceInput>) => {
      const checked = checkService({ ...service, ...values });
      return checked.ok ? [] : checked.issues.map((issue) => issue.message);
    };
    expect(messages({ durationMinutes: "-5" })).toEqual(["Duration must be at least 1 minute."]);
    expect(messages({ durationMinutes: "1.5" })).toEqual(["Duration must be a whole number of minutes."]);
    expect(messages({ durationMinutes: "ten" })).toEqual(["Duration must be a number of minutes, e.g. 30."]);
    expect(messages({ durationMinutes: " 45 " })).toEqual([]);
    expect(messages({ bufferAfterMinutes: "-1" })).toEqual(["Buffer after must be at least 0 minutes."]);
    expect(messages({ bookingWindowDays: "99999" })).toEqual(["Booking window must be at most 3660 days."]);
    expect(messages({ tiers: [{ hours: "-3", percent: "50" }, { hours: "0", percent: "0" }] })).toEqual(["Tier 1: hours before must be 0 or more (0 means up to the start)."]);
    expect(messages({ tiers: [{ hours: "24", percent: "-10" }, { hours: "0", percent: "0" }] })).toEqual(["Tier 1: refund must be between 0 and 100 %."]);
  });

  it("accepts a service: price in minor units, tiers ordered by hours before, empty rows dropped", () => {
    const checked = checkService(service);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.values).toMatchObject({ priceAmount: 5500, durationMinutes: 45, bufferAfterMinutes: 15 });
    expect((checked.values.cancellationPolicy as { tiers: unknown }).tiers).toEqual([
      { minHoursBefore: 24, refundPercent: 100 },
      { minHoursBefore: 0, refundPercent: 0 },
    ]);
    expect(checked.input.tiers).toEqual([
      { hours: "24", percent: "100" },
      { hours: "0", percent: "0" },
    ]);
  });

  it("reports paths into the input, and the page keys them by input name", () => {
    const bad = { ...service, durationMinutes: "0", price: "0.10", tiers: [{ hours: "24", percent: "10" }, { hours: "2", percent: "50" }] };
    const checked = checkService(bad);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues).toEqual(
      expect.arrayContaining([
        { path: ["durationMinutes"], message: "Duration must be at least 1 minute." },
        { path: ["price"], message: expect.stringMatching(/^Price must be 0 \(free\) or at least/) },
        { path: ["tiers", 1, "percent"], message: "Tier 2: cancelling later cannot refund more than cancelling earlier." },
      ]),
    );
    const page = validateServiceDraft(bad);
    expect(page.ok).toBe(false);
    if (page.ok) return;
    expect(Object.keys(page.fieldErrors).sort()).toEqual(["durationMinutes", "price", "tier-1-percent"]);
  });

  it("asks for a tier when there is none", () => {
    const page = validateServiceDraft({ ...service, tiers: [{ hours: "", percent: "" }] });
    expect(page.ok).toBe(false);
    if (!page.ok) expect(page.fieldErrors["tier-0-hours"]).toEqual(["Add at least one refund tier (e.g. 0 hours before: 0 %)."]);
  });
});

describe("schedule rules", () => {
  const week = (monday: Array<{ start: string; end: string }>) => ({ ...weeklyDraftFrom("Europe/London", []), days: { ...weeklyDraftFrom("Europe/London", []).days, 1: monday } });

  it("accepts touching ranges and reads an end of 00:00 as midnight", () => {
    expect(checkWeeklyHours(week([{ start: "12:00", end: "00:00" }, { start: "09:00", end: "12:00" }]))).toEqual({
      ok: true,
      timeZone: "Europe/London",
      rules: [
        { weekday: 1, start: "09:00", end: "12:00" },
        { weekday: 1, start: "12:00", end: "24:00" },
      ],
    });
  });

  it("reports overlaps and bad rows at their row, and the page keys them by input name", () => {
    const draft = week([{ start: "09:00", end: "13:00" }, { start: "12:00", end: "17:00" }, { start: "18:00", end: "17:00" }]);
    const checked = checkWeeklyHours({ ...draft, timeZone: "Mars/Olympus" });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((i) => i.path)).toEqual([["timeZone"], ["days", 1, 2, "end"], ["days", 1, 1, "start"]]);
    const page = validateWeeklyDraft({ ...draft, timeZone: "Mars/Olympus" });
    expect(page).toMatchObject({ ok: false, formError: "The schedule was not saved: please correct the highlighted fields." });
    if (!page.ok) expect(Object.keys(page.fieldErrors).sort()).toEqual(["day-1-end-2", "day-1-start-1", "timeZone"]);
  });

  it("checks overrides against today and the date's other rows", () => {
    const today = Temporal.PlainDate.from("2026-05-10");
    const input = { date: "2026-05-09", kind: "hours" as const, start: "10:00", end: "09:00", reason: "" };
    const checked = checkOverride(input, today);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.map((i) => i.path)).toEqual([["date"], ["end"]]);
    const page = validateOverrideDraft(input, today);
    if (!page.ok) expect(Object.keys(page.fieldErrors).sort()).toEqual(["overrideDate", "overrideEnd"]);
    expect(checkOverride({ ...input, date: "2026-05-11", end: "00:00" }, today)).toEqual({
      ok: true,
      value: { date: "2026-05-11", start: "10:00", end: "24:00", reason: "" },
    });

    const existing = [{ id: "x", date: "2026-05-11", start: "09:00", end: "11:00", reason: "" }];
    try {
      assertOverrideFits({ start: "10:00", end: "12:00" }, existing);
      expect.unreachable();
    } catch (error) {
      expect(isDomainError(error, "VALIDATION")).toBe(true);
      if (isDomainError(error, "VALIDATION")) expect(overrideFieldName((error.details.fields as string[])[0])).toBe("overrideStart");
    }
    expect(() => assertOverrideFits({ start: "11:00", end: "12:00" }, existing)).not.toThrow();
  });
});
