import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { isValidTimeZone } from "../../domain/time";
import { canonicalZoneName } from "../../domain/zone-names";

describe("canonicalZoneName", () => {
  it("gives the tz database's current name for the old names browsers report", () => {
    expect(canonicalZoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(canonicalZoneName("Europe/Kiev")).toBe("Europe/Kyiv");
    expect(canonicalZoneName("Asia/Katmandu")).toBe("Asia/Kathmandu");
  });

  it("spells UTC one way", () => {
    for (const name of ["Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Zulu", "UTC"]) expect(canonicalZoneName(name)).toBe("UTC");
  });

  it("leaves current names and unknown text alone", () => {
    expect(canonicalZoneName("Europe/Berlin")).toBe("Europe/Berlin");
    expect(canonicalZoneName("Not/AZone")).toBe("Not/AZone");
  });

  it("maps every old name to a zone with the same offsets (the rename changed nothing else)", () => {
    const instants = ["2000-01-15T12:00:00Z", "2015-07-15T12:00:00Z", "2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"].map((t) => Temporal.Instant.from(t));
    const olds = ["Asia/Calcutta", "Asia/Katmandu", "Asia/Saigon", "Asia/Rangoon", "Europe/Kiev", "Atlantic/Faeroe", "America/Buenos_Aires", "America/Indianapolis", "Pacific/Truk", "Etc/UTC", "GMT"];
    for (const old of olds) {
      const current = canonicalZoneName(old);
      expect(isValidTimeZone(current), current).toBe(true);
      for (const instant of instants) {
        expect(instant.toZonedDateTimeISO(current).offset, `${old} → ${current} at ${instant}`).toBe(instant.toZonedDateTimeISO(old).offset);
      }
    }
  });
});
