import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { judgeAttempt, type WindowCounts } from "../../domain/rate-limit";

const W = 600_000; // a 10-minute window, in ms

/**
 * The verdict for one more attempt `waitMs` after an attempt at `elapsedMs` (counted in `counts`),
 * with nothing in between: it lands in this window, the next, or a later one.
 */
function nextAttempt(counts: WindowCounts, limit: number, windowMs: number, elapsedMs: number, waitMs: number) {
  const at = elapsedMs + waitMs;
  if (at < windowMs) return judgeAttempt({ previous: counts.previous, current: counts.current + 1 }, limit, windowMs, at);
  if (at < 2 * windowMs) return judgeAttempt({ previous: counts.current, current: 1 }, limit, windowMs, at - windowMs);
  return judgeAttempt({ previous: 0, current: 1 }, limit, windowMs, at % windowMs);
}

const scenario = fc
  .record({
    limit: fc.integer({ min: 1, max: 100 }),
    previous: fc.integer({ min: 0, max: 300 }),
    current: fc.integer({ min: 1, max: 300 }),
    windowMs: fc.constantFrom(1_000, 60_000, W, 3_600_000),
    elapsedPart: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ windowMs, elapsedPart, ...rest }) => ({ ...rest, windowMs, elapsedMs: Math.floor(elapsedPart * windowMs) }));

describe("judgeAttempt (sliding window)", () => {
  it("with a quiet previous window it admits exactly `limit` attempts", () => {
    for (const limit of [1, 10, 40]) {
      const verdicts = Array.from({ length: limit + 5 }, (_, i) => judgeAttempt({ previous: 0, current: i + 1 }, limit, W, 123_456));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(limit);
      expect(verdicts.map((v) => v.allowed)).toEqual(Array.from({ length: limit + 5 }, (_, i) => i < limit));
      expect(verdicts[limit - 1]!.remaining).toBe(0);
      expect(verdicts[0]!.remaining).toBe(limit - 1);
    }
  });

  it("a client that spent the limit at the end of one window is still refused at the start of the next", () => {
    // Plain fixed windows would allow another `limit` here: 2× the limit within a second.
    const refused = judgeAttempt({ previous: 40, current: 1 }, 40, W, 1_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    // Half a window on, half of the previous window's attempts still weigh: 20 + 20 fits, 20 + 21 does not.
    expect(judgeAttempt({ previous: 40, current: 20 }, 40, W, W / 2).allowed).toBe(true);
    expect(judgeAttempt({ previous: 40, current: 21 }, 40, W, W / 2).allowed).toBe(false);
  });

  it("more attempts never turn a refusal into an admission; waiting never turns an admission into a refusal", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (s, morePrevious, moreCurrent) => {
        const base = judgeAttempt(s, s.limit, s.windowMs, s.elapsedMs);
        const busier = judgeAttempt({ previous: s.previous + morePrevious, current: s.current + moreCurrent }, s.limit, s.windowMs, s.elapsedMs);
        if (!base.allowed) expect(busier.allowed).toBe(false);
        const later = Math.min(s.windowMs - 1, s.elapsedMs + 1 + ((morePrevious * 7919) % s.windowMs));
        if (base.allowed) expect(judgeAttempt(s, s.limit, s.windowMs, later).allowed).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("Retry-After is honoured and tight: one attempt after that wait is admitted, one a second earlier is not", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const verdict = judgeAttempt(s, s.limit, s.windowMs, s.elapsedMs);
        if (verdict.allowed) {
          expect(verdict.retryAfterSeconds).toBe(0);
          return;
        }
        expect(verdict.remaining).toBe(0);
        expect(verdict.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(verdict.retryAfterSeconds * 1000).toBeLessThanOrEqual(2 * s.windowMs + 1000);
        expect(nextAttempt(s, s.limit, s.windowMs, s.elapsedMs, verdict.retryAfterSeconds * 1000).allowed).toBe(true);
        expect(nextAttempt(s, s.limit, s.windowMs, s.elapsedMs, (verdict.retryAfterSeconds - 1) * 1000).allowed).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses nonsense arguments instead of guessing", () => {
    expect(() => judgeAttempt({ previous: 0, current: 1 }, 0, W, 0)).toThrow(RangeError);
    expect(() => judgeAttempt({ previous: 0, current: 1 }, 1.5, W, 0)).toThrow(RangeError);
    expect(() => judgeAttempt({ previous: 0, current: 1 }, 1, W, W)).toThrow(RangeError);
    expect(() => judgeAttempt({ previous: 0, current: 1 }, 1, W, -1)).toThrow(RangeError);
  });
});
