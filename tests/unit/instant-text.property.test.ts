// The fast instant text paths give exactly Temporal's answers.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { epochMsOfInstantText, instantText } from "../../domain/instant-text";
import { formatInZone, localDateOf } from "../../domain/time";

const temporalMs = (text: string): number | null => {
  try {
    return Temporal.Instant.from(text).epochMilliseconds;
  } catch {
    return null;
  }
};

// Instants from year 0000 to 10000 and beyond, at whole seconds, whole milliseconds and below.
const MS_RANGE = { min: Date.parse("-000100-01-01T00:00:00Z"), max: Date.parse("+010100-01-01T00:00:00Z") };
const instants = fc.oneof(
  fc.integer(MS_RANGE).map((ms) => Temporal.Instant.fromEpochMilliseconds(ms - (ms % 1000))),
  fc.integer(MS_RANGE).map((ms) => Temporal.Instant.fromEpochMilliseconds(ms)),
  fc.tuple(fc.integer(MS_RANGE), fc.integer({ min: 0, max: 999_999 })).map(([ms, ns]) => Temporal.Instant.fromEpochNanoseconds(BigInt(ms) * 1_000_000n + BigInt(ns))),
);

const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, "0"));
// Text in the fast path's shape, with impossible fields too (month 13, day 31 in April, hour 24, second 60).
const utcTexts = fc
  .tuple(digits(4, 9999), digits(2, 13), digits(2, 32), digits(2, 24), digits(2, 60), digits(2, 60), fc.option(fc.stringMatching(/^[0-9]{1,3}$/)))
  .map(([y, mo, d, h, mi, s, f]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f ? `.${f}` : ""}Z`);
const otherTexts = fc.oneof(
  fc.string(),
  instants.map((i) => i.toString({ fractionalSecondDigits: 9 })),
  instants.map((i) => i.toZonedDateTimeISO("Asia/Kathmandu").toString({ timeZoneName: "never" })),
  utcTexts.map((t) => t.replace("Z", "+00:00")),
  utcTexts.map((t) => t.toLowerCase()),
);

describe("instant text", () => {
  it("instantText(i) is i.toString()", () => {
    fc.assert(
      fc.property(instants, (instant) => {
        expect(instantText(instant)).toBe(instant.toString());
        expect(instantText(instant)).toBe(instant.toString()); // remembered
      }),
      { numRuns: 3000 },
    );
  });

  it("epochMsOfInstantText reads what Temporal reads, and refuses what it refuses", () => {
    fc.assert(
      fc.property(fc.oneof(utcTexts, otherTexts, instants.map((i) => i.toString())), (text) => {
        expect(epochMsOfInstantText(text)).toBe(temporalMs(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("examples", () => {
    expect(epochMsOfInstantText("2026-02-30T10:00:00Z")).toBeNull();
    expect(epochMsOfInstantText("2026-03-01T24:00:00Z")).toBeNull();
    expect(epochMsOfInstantText("2026-12-31T23:59:60Z")).toBe(Date.parse("2026-12-31T23:59:59Z")); // Temporal reads :60 as :59
    expect(epochMsOfInstantText("2026-03-08T09:00:00.5Z")).toBe(Date.parse("2026-03-08T09:00:00.500Z"));
    expect(instantText(Temporal.Instant.from("2026-03-08T09:00:00.120Z"))).toBe("2026-03-08T09:00:00.12Z");
  });
});

// Zones with DST at 02:00, at midnight (Santiago skips 00:00), half-hour shifts (Lord Howe), none.
const ZONES = ["America/New_York", "Europe/London", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", "Pacific/Apia"];

describe("formatInZone and localDateOf (per-zone clocks)", () => {
  it("give what Temporal gives, for instants in any order across DST changes", () => {
    const nearMs = fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2028-01-01T00:00:00Z") });
    // Whole seconds, milliseconds and nanoseconds (Temporal.Now has sub-second precision).
    const near = fc.oneof(nearMs.map((ms) => ms - (ms % 1000)), nearMs);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(fc.oneof(near, fc.integer(MS_RANGE)), { minLength: 1, maxLength: 30 }), (zone, list) => {
        for (const [i, ms] of list.entries()) {
          const instant = Temporal.Instant.fromEpochNanoseconds(BigInt(ms) * 1_000_000n + BigInt(i % 3 === 2 ? 1_234 * i : 0));
          const zoned = instant.toZonedDateTimeISO(zone);
          expect(formatInZone(instant, zone)).toBe(zoned.toString());
          expect(localDateOf(instant, zone).equals(zoned.toPlainDate())).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
