// One object per client network address (addressed by idFromName(clientKey), the hash from
// workers/auth/client-key.ts): the budgets that must hold across providers and must not cost a
// Postgres write per attempt.
//   * Sliding-window attempt limits (holds, booking submissions), counted in this object's SQLite:
//     exact, synchronous (no await between read and write, so concurrent attempts cannot race), and
//     durable across eviction. The verdict is domain/rate-limit.ts, the same one sign-in uses.
//   * The overall cap on live holds across providers (domain/holds.ts checkOverallHolds): a hold is
//     reserved here, decided by the provider's object, then recorded with its expiry. Providers tell
//     this object when a hold ends early (released, replaced, claimed by a booking); if such a note is
//     lost the entry still ends at the hold's expiry, so the error is a brief over-count, never an
//     under-count.
import { Temporal } from "@js-temporal/polyfill";
import { DurableObject } from "cloudflare:workers";
import { checkOverallHolds, type ClientHold, type HoldRefusal } from "../domain/holds";
import { judgeAttempt, type RateLimitVerdict } from "../domain/rate-limit";
import type { Env } from "../workers/env";
import { ConfigSchema } from "../workers/env";
import type { HoldRequest, HoldResult } from "./schedule-rpc";

/** A named limit: how many attempts per sliding window of `windowSeconds`. */
export interface AttemptRule {
  purpose: string;
  limit: number;
  windowSeconds: number;
}

export type BudgetedHoldResult = HoldResult | { ok: false; reason: "RATE_LIMITED"; message: string; retryAfterSeconds: number };

interface HoldEntryRow extends Record<string, SqlStorageValue> {
  hold_id: string;
  holder: string;
  provider_id: string;
  service_id: string;
  expires_at_ms: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS attempts (purpose TEXT NOT NULL, window_start_ms INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (purpose, window_start_ms))`,
  `CREATE TABLE IF NOT EXISTS holds (hold_id TEXT PRIMARY KEY, holder TEXT NOT NULL, provider_id TEXT NOT NULL, service_id TEXT NOT NULL, expires_at_ms INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS holds_expiry_idx ON holds (expires_at_ms)`,
];

/** Holds in flight (asked of a provider, not answered yet) count like holds; keyed by a random id. */
type Reservation = ClientHold;

export class ClientBudget extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly reservations = new Map<string, Reservation>();
  /** Per purpose, the window whose predecessors were last pruned. */
  private readonly prunedWindow = new Map<string, number>();
  private readonly overallLimit: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
    this.overallLimit = ConfigSchema.pick({ MAX_HOLDS_OVERALL: true }).parse(env).MAX_HOLDS_OVERALL;
  }

  private clientKey(): string {
    const name = this.ctx.id.name;
    if (!name) throw new Error("ClientBudget must be addressed by idFromName(clientKey)");
    return name;
  }

  /** Counts one attempt under `rule` and judges it (refused attempts count too). */
  async attempt(rule: AttemptRule): Promise<RateLimitVerdict> {
    return this.count(rule, Date.now());
  }

  private count(rule: AttemptRule, nowMs: number): RateLimitVerdict {
    const windowMs = rule.windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    // Windows older than the previous one no longer weigh in any verdict: dropped once per new window.
    if (this.prunedWindow.get(rule.purpose) !== windowStart) {
      this.sql.exec(`DELETE FROM attempts WHERE purpose = ? AND window_start_ms < ?`, rule.purpose, windowStart - windowMs);
      this.prunedWindow.set(rule.purpose, windowStart);
    }
    const current = this.sql
      .exec<{ count: number }>(
        `INSERT INTO attempts (purpose, window_start_ms, count) VALUES (?, ?, 1)
         ON CONFLICT (purpose, window_start_ms) DO UPDATE SET count = count + 1 RETURNING count`,
        rule.purpose,
        windowStart,
      )
      .one().count;
    const previous =
      this.sql
        .exec<{ count: number }>(`SELECT count FROM attempts WHERE purpose = ? AND window_start_ms = ?`, rule.purpose, windowStart - windowMs)
        .toArray()[0]?.count ?? 0;
    return judgeAttempt({ previous, current }, rule.limit, windowMs, nowMs - windowStart);
  }

  /**
   * A hold on `request.providerId`'s time, within this client's budgets: the attempt limit, then the
   * overall live-hold cap, then the provider's object decides (its own per-provider caps included).
   */
  async hold(request: HoldRequest & { providerId: string }, rule: AttemptRule | null): Promise<BudgetedHoldResult> {
    const nowMs = Date.now();
    // `null` when the caller already counted this attempt with attempt() (before its own checks).
    const verdict = rule ? this.count(rule, nowMs) : null;
    if (verdict && !verdict.allowed) {
      return { ok: false, reason: "RATE_LIMITED", message: "Too many hold attempts from your network.", retryAfterSeconds: verdict.retryAfterSeconds };
    }
    const wanted = { holder: request.holder, providerId: request.providerId, serviceId: request.serviceId };
    const refusal: HoldRefusal | null = checkOverallHolds(
      [...this.liveHolds(nowMs), ...this.reservations.values()],
      wanted,
      this.overallLimit,
      Temporal.Instant.fromEpochMilliseconds(nowMs),
    );
    if (refusal) return refusal;
    // Reserved before the await, so concurrent attempts from this client see it (exact cap).
    const reservation = crypto.randomUUID();
    this.reservations.set(reservation, { holdId: reservation, ...wanted });
    try {
      const { providerId, ...forProvider } = request;
      const result = await this.env.PROVIDER_SCHEDULE.get(this.env.PROVIDER_SCHEDULE.idFromName(providerId)).hold({
        ...forProvider,
        clientKey: this.clientKey(),
      });
      if (result.ok) {
        for (const id of result.replacedHoldIds) this.sql.exec(`DELETE FROM holds WHERE hold_id = ?`, id);
        this.sql.exec(
          `INSERT INTO holds (hold_id, holder, provider_id, service_id, expires_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (hold_id) DO UPDATE SET expires_at_ms = excluded.expires_at_ms`,
          result.hold.id,
          request.holder,
          providerId,
          request.serviceId,
          Date.parse(result.hold.expiresAt),
        );
      }
      return result;
    } finally {
      this.reservations.delete(reservation);
    }
  }

  /** A provider's object says these holds ended before their expiry (released, replaced, claimed). */
  async holdsEnded(holdIds: string[]): Promise<void> {
    for (const id of holdIds) this.sql.exec(`DELETE FROM holds WHERE hold_id = ?`, id);
  }

  /** A provider's object extended a hold: its budget entry lives as long. */
  async holdExtended(holdId: string, expiresAtMs: number): Promise<void> {
    this.sql.exec(`UPDATE holds SET expires_at_ms = ? WHERE hold_id = ?`, expiresAtMs, holdId);
  }

  /** The client's live holds (ops and tests). */
  async liveHoldCount(): Promise<number> {
    return this.liveHolds(Date.now()).length;
  }

  private liveHolds(nowMs: number): ClientHold[] {
    this.sql.exec(`DELETE FROM holds WHERE expires_at_ms <= ?`, nowMs);
    return this.sql
      .exec<HoldEntryRow>(`SELECT * FROM holds`)
      .toArray()
      .map((r) => ({
        holdId: r.hold_id,
        holder: r.holder,
        providerId: r.provider_id,
        serviceId: r.service_id,
        expiresAt: Temporal.Instant.fromEpochMilliseconds(r.expires_at_ms),
      }));
  }
}
