// One instance per provider (addressed by idFromName(providerId)): decides contention for that
// provider's time (slot holds, stored in the object's SQLite and expired by alarms) and fans out
// availability changes to open pages (hibernatable WebSockets, SSE). The rules live in
// domain/holds.ts, storage in ./schedule-store.ts, the feed in ./live-feed.ts; this class wires them
// to typed RPC methods. Only the WebSocket/SSE upgrade goes through fetch().
//
// Where "is this time booked?" comes from: BOTH, in layers. The local SQLite mirror of booked intervals
// (kept current by bookingChanged) is checked first: no I/O, it refuses most conflicts, and it is all
// there is when DATABASE_URL is empty (unit tests). When Postgres is configured, a grant additionally
// asks Postgres, because the mirror depends on every writer calling bookingChanged after its commit and
// one lost notification would otherwise let holds be granted on booked time until checkout fails. The
// database exclusion constraint stays the final guarantee either way.
import { Temporal } from "@js-temporal/polyfill";
import { DurableObject } from "cloudflare:workers";
import {
  checkClaim,
  checkHold,
  checkOwnership,
  extendedExpiry,
  holdIntervals,
  type HoldLimits,
  resolveTtlSeconds,
} from "../domain/holds";
import { ConfigSchema, type Env, loadConfig } from "../workers/env";
import { BookingMirror } from "./booking-mirror";
import { occupyingBookingOverlaps } from "./bookings-db";
import { LiveFeed, type Window } from "./live-feed";
import { AUDIENCE_HEADER, type Audience, type NewFeedEvent } from "./live-messages";
import { RangeLock } from "./mutex";
import {
  BookingChange,
  ClaimRequest,
  type ClaimResult,
  FeedQuery,
  HoldRequest,
  type HoldResult,
  type HoldView,
  type OwnedHoldFailure,
} from "./schedule-rpc";
import { type HoldRow, ScheduleStore, holdFromRow, isoFromMs } from "./schedule-store";

export type { BookingChange, ClaimRequest, ClaimResult, HoldRequest, HoldResult, HoldView, OwnedHoldFailure } from "./schedule-rpc";

// ---------------------------------------------------------------------------------------------

const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;

function viewOf(row: HoldRow): HoldView {
  return {
    id: row.id,
    holder: row.holder,
    start: isoFromMs(row.start_ms),
    end: isoFromMs(row.end_ms),
    occupiedFrom: isoFromMs(row.occupied_from_ms),
    occupiedUntil: isoFromMs(row.occupied_until_ms),
    expiresAt: isoFromMs(row.expires_at_ms),
  };
}

export class ProviderSchedule extends DurableObject<Env> {
  private readonly store: ScheduleStore;
  private readonly feed: LiveFeed;
  /** Serializes overlapping hold/claim check+insert across the Postgres await (see ./mutex.ts for why). */
  private readonly holdLock = new RangeLock();
  private readonly ttlSeconds: number;
  private readonly limits: HoldLimits;
  /** Alarm time last set by this instance (avoids a storage write per hold when unchanged). */
  private armedAt: number | null | undefined;
  private readonly mirror: BookingMirror;

  /**
   * Asks the system of record whether an occupying booking overlaps [fromMs, untilMs); null when there
   * is none configured (mirror only). An instance field so tests can put a slow stand-in here and
   * prove the lock holds across a real await.
   */
  bookedInDatabase: ((fromMs: number, untilMs: number) => Promise<boolean>) | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ScheduleStore(ctx.storage.sql);
    this.feed = new LiveFeed(ctx, this.store);
    // Answered by the runtime without waking the object, so idle connections stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    const limits = ConfigSchema.pick({ HOLD_TTL_SECONDS: true, MAX_HOLDS_PER_HOLDER: true, MAX_HOLDS_PER_CLIENT: true }).parse(env);
    this.ttlSeconds = limits.HOLD_TTL_SECONDS;
    this.limits = { perHolder: limits.MAX_HOLDS_PER_HOLDER, perClient: limits.MAX_HOLDS_PER_CLIENT };
    const database = env.DATABASE_URL ? loadConfig(env) : null;
    this.mirror = new BookingMirror(this.store, database, () => this.providerId());
    this.bookedInDatabase = database
      ? (fromMs, untilMs) => occupyingBookingOverlaps(database, this.providerId(), fromMs, untilMs)
      : null;
  }

  private providerId(): string {
    const name = this.ctx.id.name;
    if (!name) throw new Error("ProviderSchedule must be addressed by idFromName(providerId)");
    return name;
  }

  // -------------------------------------------------------------------------------------------
  // Holds

  /** Number of holds that have not expired yet. */
  async liveHoldCount(): Promise<number> {
    return this.store.liveHoldCount(Date.now());
  }

  /** Live holds as the public may see them: intervals only. */
  async publicHolds(): Promise<{ count: number; holds: { start: string; end: string; occupiedFrom: string; occupiedUntil: string }[] }> {
    const rows = this.store.liveHoldsOverlapping(null, null, Date.now());
    return { count: rows.length, holds: rows.map(intervalFields) };
  }

  async hold(input: HoldRequest): Promise<HoldResult> {
    const req = HoldRequest.parse(input);
    const { slot, occupied } = holdIntervals({
      start: Temporal.Instant.from(req.start),
      durationMinutes: req.durationMinutes,
      bufferBeforeMinutes: req.bufferBeforeMinutes,
      bufferAfterMinutes: req.bufferAfterMinutes,
    });
    const fromMs = occupied.start.epochMilliseconds;
    const untilMs = occupied.end.epochMilliseconds;
    const ttl = resolveTtlSeconds(req.ttlSeconds, this.ttlSeconds);

    const clientKey = req.clientKey ?? null;
    const decide = (nowMs: number) => {
      const nowInstant = Temporal.Instant.fromEpochMilliseconds(nowMs);
      return checkHold({
        holder: req.holder,
        clientKey,
        serviceId: req.serviceId,
        slot,
        occupied,
        holds: this.store.liveHoldsOverlapping(fromMs, untilMs, nowMs).map(holdFromRow),
        booked: this.store
          .bookedOverlapping(fromMs, untilMs)
          .map((b) => ({ start: Temporal.Instant.fromEpochMilliseconds(b.occupiedFromMs), end: Temporal.Instant.fromEpochMilliseconds(b.occupiedUntilMs) })),
        own: this.store.liveHoldsOwnedBy(req.holder, clientKey, nowMs).map(holdFromRow),
        limits: this.limits,
        now: nowInstant,
      });
    };

    // Without the lock, two requests for the same time could both pass the checks while one of them
    // awaits Postgres (input gates stay open during non-storage I/O) and both would insert.
    return this.holdLock.run(fromMs, untilMs, async (): Promise<HoldResult> => {
      this.sweepExpired(Date.now());
      const local = decide(Date.now());
      if (!local.ok) return local;
      if (local.existing) return { ok: true, hold: viewOf(this.store.getHold(local.existing.id)!), replacedHoldIds: [] };
      if (this.bookedInDatabase) {
        if (await this.bookedInDatabase(fromMs, untilMs)) {
          return { ok: false, reason: "BOOKED", message: "This time is already booked." };
        }
        // Re-check what may have changed during the await: bookingChanged and release do not take the
        // lock, and holds for other (disjoint) times by the same holder count towards its limit. This
        // re-check and the insert below have no await between them, so together they are atomic.
      }
      const nowMs = Date.now();
      const verdict = this.bookedInDatabase ? decide(nowMs) : local;
      if (!verdict.ok) return verdict;
      if (verdict.existing) return { ok: true, hold: viewOf(this.store.getHold(verdict.existing.id)!), replacedHoldIds: [] };
      const row: HoldRow = {
        id: crypto.randomUUID(),
        holder: req.holder,
        service_id: req.serviceId,
        start_ms: slot.start.epochMilliseconds,
        end_ms: slot.end.epochMilliseconds,
        occupied_from_ms: fromMs,
        occupied_until_ms: untilMs,
        expires_at_ms: nowMs + ttl * 1000,
        created_at_ms: nowMs,
        client_key: clientKey,
        touched_at_ms: nowMs,
      };
      // The holder's previous pick for this service goes: going back and choosing again never piles up holds.
      const replaced = verdict.replaces.map((h) => this.store.getHold(h.id)).filter((r): r is HoldRow => r !== undefined);
      for (const old of replaced) {
        this.store.deleteHold(old.id);
        this.emitReleased(old, "replaced", nowMs);
      }
      this.tellBudgets(replaced.filter((old) => old.client_key !== clientKey));
      this.store.insertHold(row);
      this.emit({
        type: "slot.held",
        at: isoFromMs(nowMs),
        kind: "hold",
        interval: intervalFields(row),
        hold: { holdId: row.id, serviceId: row.service_id, expiresAt: isoFromMs(row.expires_at_ms) },
      });
      await this.rearm();
      return { ok: true, hold: viewOf(row), replacedHoldIds: replaced.map((old) => old.id) };
    });
  }

  // release/extend are synchronous check+write (no await in between), so input gates already make
  // them atomic; they do not need to queue behind a hold that is waiting for Postgres.
  /**
   * Releases a hold. `pageShownAtMs` (from a page that is going away: "choose another time", a
   * pagehide beacon) makes the release lose to any later page view of the same hold (a reload shows
   * it again before the old page's beacon may arrive): then it is kept and `kept: true` is answered.
   */
  async release(holdId: string, holder: string, pageShownAtMs?: number): Promise<{ ok: true; kept?: true } | OwnedHoldFailure> {
    const nowMs = Date.now();
    this.sweepExpired(nowMs);
    const row = this.store.getHold(holdId);
    const denied = this.ownership(holdId, row, holder, nowMs);
    if (denied) return denied;
    if (pageShownAtMs !== undefined && row!.touched_at_ms > pageShownAtMs) return { ok: true, kept: true };
    this.store.deleteHold(holdId);
    this.emitReleased(row!, "released", nowMs);
    this.tellBudgets([row!]);
    await this.rearm();
    return { ok: true };
  }

  /** The holder's live hold, marked as just shown on a page; the ownership failure otherwise. */
  async showHold(holdId: string, holder: string): Promise<{ ok: true; hold: HoldView } | OwnedHoldFailure> {
    const nowMs = Date.now();
    this.sweepExpired(nowMs);
    const row = this.store.getHold(holdId);
    const denied = this.ownership(holdId, row, holder, nowMs);
    if (denied) return denied;
    this.store.touchHold(holdId, nowMs);
    return { ok: true, hold: viewOf(row!) };
  }

  async extend(holdId: string, holder: string, ttlSeconds?: number): Promise<{ ok: true; hold: HoldView } | OwnedHoldFailure> {
    const nowMs = Date.now();
    this.sweepExpired(nowMs);
    const row = this.store.getHold(holdId);
    const denied = this.ownership(holdId, row, holder, nowMs);
    if (denied) return denied;
    const hold = row!;
    const expiresAt = extendedExpiry(
      {
        createdAt: Temporal.Instant.fromEpochMilliseconds(hold.created_at_ms),
        expiresAt: Temporal.Instant.fromEpochMilliseconds(hold.expires_at_ms),
      },
      Temporal.Instant.fromEpochMilliseconds(nowMs),
      resolveTtlSeconds(ttlSeconds, this.ttlSeconds),
      this.ttlSeconds,
    ).epochMilliseconds;
    this.store.setHoldExpiry(holdId, expiresAt);
    if (hold.client_key) {
      this.budget(hold.client_key)
        .holdExtended(holdId, expiresAt)
        .catch((error: unknown) => logBudgetFailure(error));
    }
    // No feed event: the interval did not change; provider pages read the new expiry from snapshots.
    await this.rearm();
    return { ok: true, hold: viewOf({ ...hold, expires_at_ms: expiresAt }) };
  }

  private ownership(holdId: string, row: HoldRow | undefined, holder: string, nowMs: number): OwnedHoldFailure | null {
    const tomb = row ? undefined : this.store.getTombstone(holdId);
    const record = row
      ? { holder: row.holder, expiresAt: Temporal.Instant.fromEpochMilliseconds(row.expires_at_ms) }
      : tomb
        ? { holder: tomb.holder, expiresAt: Temporal.Instant.fromEpochMilliseconds(tomb.expired_at_ms) }
        : undefined;
    const verdict = checkOwnership(record, holder, Temporal.Instant.fromEpochMilliseconds(nowMs));
    return verdict.ok ? null : verdict;
  }

  /**
   * Called right before a booking row is inserted. Refuses when another holder's live hold overlaps;
   * otherwise consumes the caller's overlapping holds. The database constraint stays the final word.
   */
  async claimForBooking(input: ClaimRequest): Promise<ClaimResult> {
    const req = ClaimRequest.parse(input);
    const fromMs = ms(req.occupiedFrom);
    const untilMs = ms(req.occupiedUntil);
    // Same lock as hold(): a hold waiting for Postgres must not be granted after this claim said "free".
    return this.holdLock.run(fromMs, untilMs, async (): Promise<ClaimResult> => {
      const nowMs = Date.now();
      this.sweepExpired(nowMs);
      const rows = this.store.liveHoldsOverlapping(fromMs, untilMs, nowMs);
      const named = req.holdId ? this.store.getHold(req.holdId) : undefined;
      if (named && !rows.some((r) => r.id === named.id)) rows.push(named);
      const verdict = checkClaim({
        holder: req.holder,
        holdId: req.holdId,
        occupied: { start: Temporal.Instant.fromEpochMilliseconds(fromMs), end: Temporal.Instant.fromEpochMilliseconds(untilMs) },
        holds: rows.map(holdFromRow),
        now: Temporal.Instant.fromEpochMilliseconds(nowMs),
      });
      if (!verdict.ok) return verdict;
      const claimed = verdict.consume.map((consumed) => rows.find((r) => r.id === consumed.id)!);
      for (const row of claimed) {
        this.store.deleteHold(row.id);
        this.emitReleased(row, "claimed", nowMs);
      }
      this.tellBudgets(claimed);
      await this.rearm();
      return { ok: true, consumedHoldIds: verdict.consume.map((h) => h.id) };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Changes reported by the Worker (API, UI, admin, cron, webhooks)

  async bookingChanged(input: BookingChange): Promise<{ seq: number }> {
    return { seq: this.emit(this.mirror.apply(BookingChange.parse(input), Date.now())) };
  }

  /** Working hours, overrides or services changed: every page should recompute its slots. */
  async scheduleChanged(): Promise<{ seq: number }> {
    return { seq: this.emit({ type: "schedule.changed", at: isoFromMs(Date.now()) }) };
  }

  /** Connected subscribers (ops and the benchmark). */
  async liveSubscriberCount(): Promise<{ webSockets: number; sse: number }> {
    return this.feed.counts();
  }

  // -------------------------------------------------------------------------------------------
  // Expiry

  override async alarm(): Promise<void> {
    const nowMs = Date.now();
    this.sweepExpired(nowMs);
    this.store.prune(nowMs);
    this.armedAt = undefined; // the alarm that just fired is gone
    await this.rearm();
  }

  /** Deletes holds expired at `nowMs` and announces them; also called on the request path, since alarms can run late. */
  private sweepExpired(nowMs: number): void {
    for (const row of this.store.takeExpiredHolds(nowMs)) this.emitReleased(row, "expired", nowMs);
  }

  /** Points the alarm at the earliest live expiry (or clears it). */
  private async rearm(): Promise<void> {
    const next = this.store.earliestExpiryMs();
    if (next === this.armedAt) return;
    // Recorded before awaiting: storage applies alarm operations in the order they were issued, so
    // the last caller's value is the one that sticks, and a concurrent rearm must compare against it.
    this.armedAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  // -------------------------------------------------------------------------------------------
  // Feed

  private emit(event: NewFeedEvent): number {
    const stored = this.store.appendEvent(event);
    this.feed.publish(stored);
    return stored.seq;
  }

  private budget(clientKey: string) {
    return this.env.CLIENT_BUDGET.get(this.env.CLIENT_BUDGET.idFromName(clientKey));
  }

  /**
   * Tells the clients' budgets that these holds ended before their expiry. Not awaited: a lost note
   * only leaves an entry there until the hold's own expiry (an over-count, never an under-count).
   */
  private tellBudgets(rows: readonly HoldRow[]): void {
    const byClient = new Map<string, string[]>();
    for (const row of rows) if (row.client_key) byClient.set(row.client_key, [...(byClient.get(row.client_key) ?? []), row.id]);
    for (const [clientKey, ids] of byClient) this.budget(clientKey).holdsEnded(ids).catch((error: unknown) => logBudgetFailure(error));
  }

  private emitReleased(row: HoldRow, reason: "expired" | "released" | "claimed" | "replaced", nowMs: number): void {
    this.emit({
      type: "slot.released",
      at: isoFromMs(nowMs),
      kind: "hold",
      interval: intervalFields(row),
      hold: { holdId: row.id, serviceId: row.service_id, expiresAt: isoFromMs(row.expires_at_ms) },
      reason,
    });
  }

  /** WebSocket (GET /ws, Upgrade) and SSE (GET /sse) subscriptions, forwarded by workers/api/live.ts. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // The Worker sets this after authorizing and strips any copy sent by the caller; the query's
    // `audience` is deliberately not read. Anything unexpected means public (fail closed).
    const audience: Audience = request.headers.get(AUDIENCE_HEADER) === "provider" ? "provider" : "public";
    const query = FeedQuery.safeParse({
      from: url.searchParams.get("from") || undefined,
      to: url.searchParams.get("to") || undefined,
      // An EventSource reconnects to its original URL (with the original `since`) plus Last-Event-ID,
      // so the header is the newer of the two and wins.
      since: request.headers.get("last-event-id") || url.searchParams.get("since") || undefined,
    });
    if (!query.success) return new Response(`Bad feed query: ${query.error.issues.map((i) => i.path.join(".")).join(", ")}`, { status: 400 });
    const window: Window = {
      fromMs: query.data.from ? ms(query.data.from) : null,
      untilMs: query.data.to ? ms(query.data.to) : null,
    };
    const since = query.data.since ?? null;

    if (url.pathname === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected Upgrade: websocket", { status: 426 });
      await this.mirror.syncIfStale();
      this.sweepExpired(Date.now());
      return this.feed.acceptWebSocket(audience, window, since);
    }
    if (url.pathname === "/sse") {
      await this.mirror.syncIfStale();
      this.sweepExpired(Date.now());
      return this.feed.openSse(audience, window, since);
    }
    return new Response("Not found", { status: 404 });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.feed.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.feed.onClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.feed.onError(ws);
  }
}

function logBudgetFailure(error: unknown): void {
  console.warn(JSON.stringify({ eventName: "schedule.budget_note_failed", message: error instanceof Error ? error.message : String(error) }));
}

function intervalFields(row: HoldRow) {
  return {
    start: isoFromMs(row.start_ms),
    end: isoFromMs(row.end_ms),
    occupiedFrom: isoFromMs(row.occupied_from_ms),
    occupiedUntil: isoFromMs(row.occupied_until_ms),
  };
}
