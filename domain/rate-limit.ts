// Sliding-window rate limiting, as arithmetic only (the counters live in Postgres, see
// workers/auth/rate-limit.ts). Time is cut into fixed windows; an attempt is judged by
//
//   estimate = previous × (time left in the current window / window) + current
//
// where `previous` is the last window's count and `current` this window's count, this attempt included.
// Unlike plain fixed windows, a client cannot spend the limit at the end of one window and again at the
// start of the next (2× the limit in a moment): the previous window still weighs almost fully then.
// This is the approximation Cloudflare describes for its own rate limiting; it assumes attempts were
// spread evenly over the previous window, so it can err either way by a fraction of that window's count.
//
// All comparisons are done in integers (counts × milliseconds), so no rounding decides a verdict.

export interface WindowCounts {
  /** Attempts counted in the window before the current one. */
  previous: number;
  /** Attempts counted in the current window, this one included. */
  current: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  /** Attempts still allowed right now after this one (0 when refused). */
  remaining: number;
  /** When refused: whole seconds (≥ 1) until one more attempt would be allowed if none is made meanwhile; else 0. */
  retryAfterSeconds: number;
}

/**
 * Judges one attempt made `elapsedMs` into a window of `windowMs`, given the counts after it was
 * counted. Refused attempts are counted too (by the caller), so hammering pushes the wait further out.
 */
export function judgeAttempt(counts: WindowCounts, limit: number, windowMs: number, elapsedMs: number): RateLimitVerdict {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`window must be a positive integer of ms, got ${windowMs}`);
  if (!Number.isInteger(elapsedMs) || elapsedMs < 0 || elapsedMs >= windowMs) throw new RangeError(`elapsed must lie in [0, ${windowMs}), got ${elapsedMs}`);
  const { previous, current } = counts;
  const left = windowMs - elapsedMs;
  // estimate × windowMs, kept integral
  const weighted = previous * left + current * windowMs;
  if (weighted <= limit * windowMs) {
    return { allowed: true, remaining: Math.floor((limit * windowMs - weighted) / windowMs), retryAfterSeconds: 0 };
  }
  return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(msUntilAllowed(counts, limit, windowMs, elapsedMs) / 1000)) };
}

/**
 * Milliseconds from now until an attempt (which will count as current + 1) is allowed.
 * Still in this window at elapsed t: previous × (W − t) + (current + 1) × W ≤ limit × W.
 * Otherwise in the next one, at elapsed t': current × (W − t') + W ≤ limit × W.
 */
function msUntilAllowed({ previous, current }: WindowCounts, limit: number, windowMs: number, elapsedMs: number): number {
  const spare = limit - current - 1; // attempts this window could still take once `previous` has faded
  if (spare >= 0 && previous > 0) {
    const at = windowMs - Math.floor((spare * windowMs) / previous);
    return Math.max(0, at - elapsedMs);
  }
  const inNext = current === 0 ? 0 : windowMs - Math.floor(((limit - 1) * windowMs) / current);
  return windowMs - elapsedMs + inNext;
}
