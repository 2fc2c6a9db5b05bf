import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Interval,
  contains,
  findContaining,
  mergeIntervals,
  overlaps,
  overlapsAnySorted,
  widen,
} from "../../domain/intervals";

const T0 = Temporal.Instant.from("2026-01-01T00:00:00Z");
/** Interval from minute offsets, keeps the examples readable. */
const iv = (startMin: number, endMin: number): Interval => ({
  start: T0.add({ minutes: startMin }),
  end: T0.add({ minutes: endMin }),
});
const asMinutes = (list: Interval[]) =>
  list.map((i) => [T0.until(i.start).total("minutes"), T0.until(i.end).total("minutes")]);

describe("overlaps", () => {
  it("is half-open: back-to-back intervals do not overlap", () => {
    expect(overlaps(iv(0, 60), iv(60, 120))).toBe(false);
    expect(overlaps(iv(60, 120), iv(0, 60))).toBe(false);
  });
  it("detects partial, nested and identical overlaps symmetrically", () => {
    expect(overlaps(iv(0, 60), iv(59, 120))).toBe(true);
    expect(overlaps(iv(0, 120), iv(30, 40))).toBe(true);
    expect(overlaps(iv(30, 40), iv(0, 120))).toBe(true);
    expect(overlaps(iv(0, 60), iv(0, 60))).toBe(true);
  });
  it("an empty interval overlaps nothing, even strictly inside another", () => {
    expect(overlaps(iv(30, 30), iv(0, 60))).toBe(false);
    expect(overlaps(iv(0, 60), iv(30, 30))).toBe(false);
  });
});

describe("widen", () => {
  it("adds exact minutes before and after", () => {
    expect(asMinutes([widen(iv(60, 120), 15, 10)])).toEqual([[45, 130]]);
    expect(asMinutes([widen(iv(60, 120), 0, 0)])).toEqual([[60, 120]]);
  });
  it("is real elapsed time, also across a DST change", () => {
    // 01:50 EST + 20 min after buffer on the spring-forward night lands at 03:10 EDT.
    const start = Temporal.Instant.from("2026-03-08T06:30:00Z"); // 01:30 EST
    const w = widen({ start, end: start.add({ minutes: 20 }) }, 0, 20);
    expect(w.end.toZonedDateTimeISO("America/New_York").toString()).toBe("2026-03-08T03:10:00-04:00[America/New_York]");
  });
});

describe("mergeIntervals", () => {
  it("sorts, coalesces overlapping and touching intervals, drops empty ones", () => {
    const merged = mergeIntervals([iv(200, 260), iv(0, 60), iv(60, 90), iv(30, 45), iv(100, 100), iv(80, 95)]);
    expect(asMinutes(merged)).toEqual([
      [0, 95],
      [200, 260],
    ]);
  });
  it("does not mutate its input", () => {
    const input = [iv(50, 60), iv(0, 10)];
    mergeIntervals(input);
    expect(asMinutes(input)).toEqual([
      [50, 60],
      [0, 10],
    ]);
  });
  it("returns [] for []", () => {
    expect(mergeIntervals([])).toEqual([]);
  });
});

describe("sorted-list lookups", () => {
  const merged = mergeIntervals([iv(0, 60), iv(120, 180), iv(300, 360)]);
  it("overlapsAnySorted", () => {
    expect(overlapsAnySorted(merged, iv(60, 120))).toBe(false); // fits exactly in the hole
    expect(overlapsAnySorted(merged, iv(59, 61))).toBe(true);
    expect(overlapsAnySorted(merged, iv(170, 310))).toBe(true);
    expect(overlapsAnySorted(merged, iv(400, 500))).toBe(false);
    expect(overlapsAnySorted([], iv(0, 10))).toBe(false);
  });
  it("findContaining", () => {
    expect(findContaining(merged, iv(120, 180))).toBeDefined();
    expect(findContaining(merged, iv(130, 170))).toBeDefined();
    expect(findContaining(merged, iv(100, 130))).toBeUndefined();
    expect(findContaining(merged, iv(170, 190))).toBeUndefined();
    expect(findContaining(merged, iv(0, 360))).toBeUndefined();
    expect(findContaining([], iv(0, 10))).toBeUndefined();
  });
});

describe("properties against brute force", () => {
  const interval = fc
    .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 120 }))
    .map(([s, len]) => iv(s, s + len));
  const list = fc.array(interval, { maxLength: 12 });

  // Unit minutes [m, m+1) probe coverage; built once because Temporal arithmetic is not free.
  const points = Array.from({ length: 640 }, (_, m) => iv(m, m + 1));

  it("mergeIntervals covers exactly the same minutes, disjoint and non-touching", () => {
    fc.assert(
      fc.property(list, (xs) => {
        const merged = mergeIntervals(xs);
        const covered = (l: Interval[]) => points.map((p) => l.some((i) => contains(i, p)));
        expect(covered(merged)).toEqual(covered(xs));
        for (let k = 1; k < merged.length; k++) {
          expect(Temporal.Instant.compare(merged[k - 1]!.end, merged[k]!.start)).toBe(-1);
        }
      }),
      { numRuns: 60 }
    );
  });

  it("overlapsAnySorted / findContaining agree with a linear scan", () => {
    fc.assert(
      fc.property(list, interval, (xs, probe) => {
        const merged = mergeIntervals(xs);
        expect(overlapsAnySorted(merged, probe)).toBe(xs.some((x) => overlaps(x, probe)));
        expect(findContaining(merged, probe) !== undefined).toBe(merged.some((m) => contains(m, probe)));
      }),
      { numRuns: 300 }
    );
  });
});
