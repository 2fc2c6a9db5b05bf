// Rate limits stored in Postgres (table rate_limit_buckets), usable from Remix routes, the JSON API and
// services. Sliding windows (domain/rate-limit.ts): a bucket per key and fixed window, one statement
// per attempt that counts it atomically and reads the previous window's count beside it, so concurrent
// attempts can neither skip a count nor race a read-modify-write.
import { lt, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { rateLimitBuckets } from "../../db/schema";
import { judgeAttempt } from "../../domain/rate-limit";

export interface RateLimitResult {
  allowed: boolean;
  /** Attempts counted in the current window, this one included. */
  count: number;
  limit: number;
  remaining: number;
  /** When refused: seconds (≥ 1) until a next attempt would be allowed; what Retry-After says. 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Counts one attempt for `key` and says whether it is within `limit` per sliding `windowSeconds`.
 * Refused attempts are counted as well, so hammering does not shorten the wait.
 * Use distinct keys per purpose, e.g. `booking:ip:<ip>`; `rateLimitKey()` hashes personal parts.
 */
export async function rateLimit(
  db: Queryable,
  key: string,
  limit: number,
  windowSeconds: number,
  now: Date = new Date(),
): Promise<RateLimitResult> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError(`window must be whole seconds ≥ 1, got ${windowSeconds}`);
  const windowMs = windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const previousStart = new Date(windowStart.getTime() - windowMs);
  const result = await db.execute<{ current: number; previous: number }>(sql`
    with hit as (
      insert into ${rateLimitBuckets} (key, window_start, count) values (${key}, ${windowStart.toISOString()}::timestamptz, 1)
      on conflict (key, window_start) do update set count = ${rateLimitBuckets}.count + 1
      returning count
    )
    select hit.count as current,
      coalesce((select b.count from ${rateLimitBuckets} b where b.key = ${key} and b.window_start = ${previousStart.toISOString()}::timestamptz), 0) as previous
    from hit`);
  const row = result.rows[0]!;
  const counts = { current: Number(row.current), previous: Number(row.previous) };
  const verdict = judgeAttempt(counts, limit, windowMs, now.getTime() - windowStart.getTime());
  return { ...verdict, count: counts.current, limit };
}

/** Several limits for one attempt (e.g. per IP and per IP+email); all are counted, the strictest refusal wins. */
export async function rateLimitAll(
  db: Queryable,
  rules: Array<{ key: string; limit: number; windowSeconds: number }>,
  now: Date = new Date(),
): Promise<RateLimitResult> {
  const results = await Promise.all(rules.map((rule) => rateLimit(db, rule.key, rule.limit, rule.windowSeconds, now)));
  const refused = results.filter((result) => !result.allowed);
  if (refused.length > 0) return refused.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
  return results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
}

/**
 * Deletes buckets no verdict reads any more: a bucket matters for its own window and, as the previous
 * one, for the next; so those that started more than twice `maxWindowSeconds` (the longest window any
 * caller uses) before `now` go. Call it from the housekeeping cron.
 */
export async function pruneRateLimitBuckets(db: Queryable, now: Date = new Date(), maxWindowSeconds = 60 * 60): Promise<number> {
  const deleted = await db
    .delete(rateLimitBuckets)
    .where(lt(rateLimitBuckets.windowStart, new Date(now.getTime() - 2 * maxWindowSeconds * 1000)))
    .returning({ key: rateLimitBuckets.key });
  return deleted.length;
}

/** The client's IP as Cloudflare reports it; "unknown" when absent (local tools, tests). */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip")?.trim() || "unknown";
}

/**
 * A bucket key from a readable purpose and identifying parts (IP, email). The parts are SHA-256 hashed
 * so the counters table holds no personal data in clear.
 */
export async function rateLimitKey(purpose: string, ...parts: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\u0000")));
  const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${purpose}:${hex}`;
}

export function retryAfterHeaders(result: Pick<RateLimitResult, "retryAfterSeconds">): Record<string, string> {
  return { "Retry-After": String(result.retryAfterSeconds) };
}

/** "3 minutes", "45 seconds": for messages people read. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** A 429 in the API's JSON error envelope with Retry-After; can be returned, or thrown from a Remix loader/action. */
export function tooManyRequests(result: Pick<RateLimitResult, "retryAfterSeconds">, message: string): Response {
  return new Response(
    JSON.stringify({ error: { code: "RATE_LIMITED", message: `${message} Try again in ${describeWait(result.retryAfterSeconds)}.`, retryAfterSeconds: result.retryAfterSeconds } }),
    { status: 429, headers: { "content-type": "application/json; charset=utf-8", ...retryAfterHeaders(result) } },
  );
}

/**
 * Sign-in limits: per IP+email stops guessing one account, per IP stops spraying many accounts, per
 * email stops guessing one account from many addresses (a botnet). The per-email limit is higher so a
 * stranger cannot easily lock someone out, and it counts unknown addresses too, so its answer says
 * nothing about which accounts exist.
 */
export const SIGN_IN_LIMITS = {
  perIpAndEmail: { limit: 10, windowSeconds: 15 * 60 },
  perIp: { limit: 50, windowSeconds: 15 * 60 },
  perEmail: { limit: 30, windowSeconds: 15 * 60 },
} as const;

/** Sign-up: each attempt costs a PBKDF2 hash and may create a row, so cap it per IP. */
export const SIGN_UP_LIMITS = { perIp: { limit: 20, windowSeconds: 60 * 60 } } as const;

/** Password change: a stolen session must not become a way to guess the current password. */
export const PASSWORD_CHANGE_LIMITS = { perUser: { limit: 5, windowSeconds: 15 * 60 } } as const;
