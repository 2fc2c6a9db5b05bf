// When escrow releases a provider's share: calendar days on the provider's wall clock after the service
// ended. Pinned across both DST changes, inside the spring-forward gap and the fall-back overlap, in a
// zone whose DST shift is 30 minutes, and as a property over many zones.
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escrowReleaseAt } from "../../domain/escrow";

const NY = "America/New_York"; // 2026: clocks go forward on 8 March, back on 1 November
const at = (zoned: string) => Temporal.ZonedDateTime.from(zoned).toInstant();
const hoursBetween = (a: Temporal.Instant, b: Temporal.Instant) => a.until(b, { largestUnit: "hours" }).total({ unit: "hours" });

describe("escrowReleaseAt", () => {
  it("keeps the wall-clock hour across spring forward: 7 days are 167 hours", () => {
    const end = at("2026-03-05T15:00-05:00[America/New_York]");
    const release = escrowReleaseAt(end, NY, { days: 7 });
    expect(release.toZonedDateTimeISO(NY).toString()).toBe("2026-03-12T15:00:00-04:00[America/New_York]");
    expect(hoursBetween(end, release)).toBe(167);
  });

  it("keeps the wall-clock hour across fall back: 7 days are 169 hours", () => {
    const end = at("2026-10-29T15:00-04:00[America/New_York]");
    const release = escrowReleaseAt(end, NY, { days: 7 });
    expect(release.toZonedDateTimeISO(NY).toString()).toBe("2026-11-05T15:00:00-05:00[America/New_York]");
    expect(hoursBetween(end, release)).toBe(169);
  });

  it("a release time inside the spring-forward gap moves later by the gap", () => {
    const end = at("2026-03-07T02:30-05:00[America/New_York]");
    const release = escrowReleaseAt(end, NY, { days: 1 });
    expect(release.toString()).toBe("2026-03-08T07:30:00Z"); // 03:30 EDT: 02:30 does not exist that night
    expect(hoursBetween(end, release)).toBe(24);
  });

  it("a release time that occurs twice is its first occurrence", () => {
    const end = at("2026-10-31T01:30-04:00[America/New_York]");
    const release = escrowReleaseAt(end, NY, { days: 1 });
    expect(release.toZonedDateTimeISO(NY).offset).toBe("-04:00");
    expect(release.toString()).toBe("2026-11-01T05:30:00Z");
  });

  it("Lord Howe's half-hour shift: 2 days across it are 47.5 hours", () => {
    const zone = "Australia/Lord_Howe"; // +10:30 → +11:00 at 02:00 on 4 October 2026
    const end = at("2026-10-03T12:00+10:30[Australia/Lord_Howe]");
    expect(hoursBetween(end, escrowReleaseAt(end, zone, { days: 2 }))).toBe(47.5);
  });

  it("no escrow releases at the end itself; a zone without DST counts exact days", () => {
    const end = at("2026-03-07T10:00+05:30[Asia/Kolkata]");
    expect(escrowReleaseAt(end, NY, { days: 0 }).equals(end)).toBe(true);
    expect(hoursBetween(end, escrowReleaseAt(end, "Asia/Kolkata", { days: 30 }))).toBe(720);
  });

  it("for any end, zone and number of days: the same wall time that many local dates later, unless it fell in a gap", () => {
    const zones = [NY, "Europe/London", "Australia/Sydney", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"];
    const from = at("2026-01-01T00:00Z[UTC]").epochMilliseconds;
    const to = at("2028-01-01T00:00Z[UTC]").epochMilliseconds;
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...zones), fc.integer({ min: 0, max: 60 }), (ms, zone, days) => {
        const end = Temporal.Instant.fromEpochMilliseconds(ms);
        const local = end.toZonedDateTimeISO(zone);
        const release = escrowReleaseAt(end, zone, { days }).toZonedDateTimeISO(zone);
        expect(release.toPlainDate().equals(local.toPlainDate().add({ days }))).toBe(true);
        const wanted = local.toPlainDate().add({ days }).toPlainDateTime(local.toPlainTime());
        // Either the wall time exists and is kept, or it was in a gap and moved later by at most an hour.
        if (!release.toPlainDateTime().equals(wanted)) {
          const moved = wanted.until(release.toPlainDateTime(), { largestUnit: "minutes" }).total({ unit: "minutes" });
          expect(moved).toBeGreaterThan(0);
          expect(moved).toBeLessThanOrEqual(60);
        }
        // Never earlier than the end, and never more than an hour off exact 24-hour days.
        const drift = hoursBetween(end, release.toInstant()) - days * 24;
        expect(Math.abs(drift)).toBeLessThanOrEqual(1);
        expect(Temporal.Instant.compare(release.toInstant(), end)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
