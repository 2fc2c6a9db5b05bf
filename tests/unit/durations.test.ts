// ISO-8601 duration settings (domain/durations.ts): the two kinds, bounds, refusals, and properties
// over generated durations.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationSetting, parseDuration, wholeSeconds, type DurationSpec } from "../../domain/durations";

const HOLD: DurationSpec = { kind: "exact", min: "PT30S", max: "PT1H", example: "PT10M" };
const ESCROW: DurationSpec = { kind: "days", min: "P0D", max: "P365D", example: "P7D" };

function ok(text: unknown, spec: DurationSpec): Temporal.Duration {
  const parsed = parseDuration(text, spec);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.duration;
}
function refusal(text: unknown, spec: DurationSpec): string {
  const parsed = parseDuration(text, spec);
  if (parsed.ok) throw new Error(`accepted ${String(text)}`);
  return parsed.message;
}

describe("parseDuration, exact kind", () => {
  it.each([
    ["PT10M", 600],
    ["pt10m", 600],
    [" PT30S ", 30],
    ["PT1H", 3600],
    ["PT0.5H", 1800],
    ["PT1M30S", 90],
  ])("reads %s as %i s", (text, seconds) => {
    expect(ok(text, HOLD).total({ unit: "seconds" })).toBe(seconds);
  });

  it.each([[""], ["600"], ["10m"], ["P"], ["PT"], ["ten minutes"], [600], [undefined], [null], ["P".padEnd(80, "1")]])("refuses %j as not a duration", (text) => {
    expect(refusal(text, HOLD)).toBe("must be an ISO-8601 duration such as PT10M");
  });

  it("refuses negative durations", () => {
    expect(refusal("-PT10M", HOLD)).toMatch(/^must be an ISO-8601 duration such as PT10M \(not negative\)$/);
  });

  it.each([["P1D"], ["P1W"], ["P1M"], ["P1Y"], ["P1DT1M"]])("refuses the calendar units of %s, pointing to hours", (text) => {
    expect(refusal(text, { ...HOLD, max: "PT1000H" })).toMatch(/hours, minutes and seconds only.*PT24H rather than P1D/);
  });

  it("refuses fractions of a second", () => {
    expect(refusal("PT30.5S", HOLD)).toMatch(/whole seconds/);
  });

  it("keeps the bounds inclusive", () => {
    expect(ok("PT30S", HOLD).toString()).toBe("PT30S");
    expect(ok("PT60M", HOLD).toString()).toBe("PT60M");
    expect(refusal("PT29S", HOLD)).toBe("must be between PT30S and PT1H");
    expect(refusal("PT1H0M1S", HOLD)).toBe("must be between PT30S and PT1H");
    expect(refusal("PT0S", HOLD)).toBe("must be between PT30S and PT1H");
  });

  it("can be added to an instant", () => {
    const at = Temporal.Instant.from("2026-03-08T06:30:00Z");
    expect(at.add(ok("PT10M", HOLD)).toString()).toBe("2026-03-08T06:40:00Z");
  });
});

describe("parseDuration, days kind", () => {
  it.each([
    ["P7D", "P7D"],
    ["P1W", "P7D"],
    ["P2W3D", "P17D"],
    ["P0D", "PT0S"],
    ["P365D", "P365D"],
  ])("reads %s as %s", (text, days) => {
    expect(ok(text, ESCROW).toString()).toBe(days);
  });

  it.each([["PT168H"], ["P1DT12H"], ["P1M"], ["P1Y"], ["PT0.5S"]])("refuses %s: days or weeks only", (text) => {
    expect(refusal(text, ESCROW)).toBe("must be whole days or weeks, such as P7D: it counts calendar days");
  });

  it("keeps the bounds", () => {
    expect(refusal("P366D", ESCROW)).toBe("must be between P0D and P365D");
    expect(refusal("P53W", ESCROW)).toBe("must be between P0D and P365D");
    expect(refusal("7", ESCROW)).toBe("must be an ISO-8601 duration such as P7D");
  });

  it("adds calendar days in a zone: the wall-clock time holds across DST", () => {
    const end = Temporal.ZonedDateTime.from("2026-10-20T18:00[Europe/Berlin]");
    const later = end.add(ok("P7D", ESCROW));
    expect(later.toPlainDateTime().toString()).toBe("2026-10-27T18:00:00");
    expect(end.until(later, { largestUnit: "hours" }).hours).toBe(169);
  });
});

describe("durationSetting (zod)", () => {
  const schema = durationSetting({ ...HOLD, fallback: "PT10M" });

  it("falls back when unset or empty, parses text, and reports the rule", () => {
    expect(schema.parse(undefined).toString()).toBe("PT10M");
    expect(schema.parse("").toString()).toBe("PT10M");
    expect(schema.parse("PT5M").toString()).toBe("PT5M");
    const bad = schema.safeParse("P1D");
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/hours, minutes and seconds only/);
  });

  it("refuses a fallback outside its own bounds when the schema is built", () => {
    expect(() => durationSetting({ ...HOLD, fallback: "PT2H" })).toThrow(/fallback PT2H/);
  });
});

describe("properties", () => {
  const hms = fc.record({ hours: fc.integer({ min: 0, max: 2 }), minutes: fc.integer({ min: 0, max: 120 }), seconds: fc.integer({ min: 0, max: 7200 }) });

  it("exact: accepted exactly when the total is within the bounds, and the total is what was written", () => {
    fc.assert(
      fc.property(hms, (parts) => {
        const text = Temporal.Duration.from(parts).toString();
        const total = parts.hours * 3600 + parts.minutes * 60 + parts.seconds;
        const parsed = parseDuration(text, HOLD);
        expect(parsed.ok).toBe(total >= 30 && total <= 3600);
        if (parsed.ok) expect(wholeSeconds(parsed.duration)).toBe(total);
      }),
    );
  });

  it("days: weeks and days read as their day count; any time part is refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 400 }), fc.option(hms, { nil: undefined }), (weeks, days, time) => {
        const text = Temporal.Duration.from({ weeks, days, ...time }).toString();
        const parsed = parseDuration(text, ESCROW);
        const hasTime = time !== undefined && time.hours + time.minutes + time.seconds > 0;
        if (hasTime) expect(parsed.ok).toBe(false);
        else {
          expect(parsed.ok).toBe(weeks * 7 + days <= 365);
          if (parsed.ok) expect(parsed.duration.days).toBe(weeks * 7 + days);
        }
      }),
    );
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const parsed = parseDuration(text, HOLD);
        expect(typeof parsed.ok).toBe("boolean");
      }),
    );
  });
});
