// One instance per provider (addressed by idFromName(providerId)): decides contention for that
// provider's time (slot holds, stored in the object's SQLite and expired by alarms) and fans out
// availability changes to open pages (hibernatable WebSockets, SSE). The rules live in
// domain/holds.ts, storage in ./schedule-store.ts, the feed in ./live-feed.ts; this class wires them
// to typed RPC methods. Only the WebSocket/SSE upgrade goes through fetch().
//
// Where "is this time booked?" comes from: BOTH, in layers. The local SQLite mirror of booked intervals
// (kept current by bookingChanged, in the order of Postgres's per-provider change numbers, with gaps
// pulled from Postgres: ./booking-mirror.ts) is checked first: no I/O, it refuses most conflicts, and it
// is all there is when DATABASE_URL is empty (unit tests). When Postgres is configured, a grant asks
// Postgres only while the mirror cannot be shown current (a gap is open, or no read of Postgres in the
// last FRESH_FOR_AVAILABILITY_MS confirmed it). The database exclusion constraint stays the final
// guarantee either way.
//
// Availability is answered here too (availability()), from the provider's schedule kept in memory
// (./schedule-snapshot.ts), the mirror and the live holds: a warm object answers with no Postgres
// round trip. Postgres is reached over one connection the object keeps while it is busy
// (./warm-database.ts), not a new one per call.
import { describeFailure } from "../db/unreachable";
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
import type { BookableServiceCard } from "../db/queries/catalog";
import { CancellationPolicySchema, DEFAULT_CANCELLATION_POLICY } from "../domain/cancellation-policy";
import { type EpochMsInterval, type ServiceTiming, computeSlots, isSlotBookable } from "../domain/availability";
import { isDomainError } from "../domain/errors";
import { wholeSeconds } from "../domain/durations";
import { epochMsOfInstantText } from "../domain/instant-text";
import type { Interval } from "../domain/intervals";
import { availabilityResult, engineReach, resolveWindow, timingOf, type AvailabilityResult } from "../workers/services/availability";
import { type AppConfig, ConfigSchema, type Env, loadConfig } from "../workers/env";
import { type CreateBookingRequest, type CreateBookingResult, createBooking } from "../workers/services/create-booking";
import { type RemoteOutcome, captureOutcome } from "../workers/services/remote-outcome";
import type { LocalScheduleView } from "../workers/services/ports";
import { depsOver } from "../workers/composition";
import { schedulePortOver } from "../workers/services/schedule-port";
import { AnswerMemo } from "./answer-memo";
import { BookingMirror, FRESH_FOR_AVAILABILITY_MS } from "./booking-mirror";
import { BookingStatusFeed } from "./booking-status-feed";
import { occupyingBookingOverlaps, readBooked } from "./bookings-db";
import { LiveFeed, type Window } from "./live-feed";
import { AUDIENCE_HEADER, type Audience, BOOKING_STATE_HEADER, BookingStatusMessage, type NewFeedEvent } from "./live-messages";
import { RangeLock } from "./mutex";
import {
  BookingChange,
  ClaimRequest,
  type ClaimResult,
  FeedQuery,
  AvailabilityRequest,
  FreeTimesRequest,
  HoldRequest,
  type HoldResult,
  type HoldView,
  type OwnedHoldFailure,
  type PublicHold,
  type ScheduleFailure,
  type ScheduleTarget,
} from "./schedule-rpc";
import { type HoldRow, ScheduleStore, holdFromRow, isoFromMs } from "./schedule-store";
import { ScheduleCache, type ScheduleSnapshot, loadScheduleSnapshot } from "./schedule-snapshot";
import { WarmDatabase } from "./warm-database";

export type { BookingChange, ClaimRequest, ClaimResult, HoldRequest, HoldResult, HoldView, OwnedHoldFailure } from "./schedule-rpc";

/** What the Worker answers with Retry-After when Postgres cannot be read. */
const RETRY_AFTER_SECONDS = 2;

/** availability(): the API's answer, or why there is none. */
export type AvailabilityAnswer = { ok: true; result: AvailabilityResult } | ScheduleFailure;
export type FreeTimesAnswer = { ok: true; counts: Record<string, number>; stale: boolean } | ScheduleFailure;

// ---------------------------------------------------------------------------------------------

/** Epoch ms of instant text its schema already accepted. */
const ms = (iso: string) => epochMsOfInstantText(iso)!;

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

export class ProviderSchedule extends DurableObject<Env> implements ScheduleTarget {
  private readonly store: ScheduleStore;
  private readonly feed: LiveFeed;
  /** Per-booking status channels for customers' pages (./booking-status-feed.ts). */
  private readonly bookingStatus: BookingStatusFeed;
  /** Serializes overlapping hold/claim check+insert across the Postgres await (see ./mutex.ts for why). */
  private readonly holdLock = new RangeLock();
  private readonly ttlSeconds: number;
  private readonly limits: HoldLimits;
  /** Alarm time last set by this instance (avoids a storage write per hold when unchanged). */
  private armedAt: number | null | undefined;
  private readonly mirror: BookingMirror;
  /**
   * Postgres, kept connected while the object is busy; null without DATABASE_URL (unit tests). Every
   * read goes through this field, so the fault suite can put a connection it can cut here.
   */
  warm: WarmDatabase | null;
  private readonly config: AppConfig | null;
  /** The provider's rules and services in memory; null without Postgres. */
  private readonly schedule: ScheduleCache | null;
  /** Answers computed from the state above, dropped on every announced change (./answer-memo.ts). */
  private readonly memo = new AnswerMemo();

  /**
   * Asks the system of record whether an occupying booking overlaps [fromMs, untilMs), for holds
   * granted while the mirror cannot be shown current (see BookingMirror.syncedWithin); null when there is none
   * configured (mirror only). An instance field so tests can put a slow stand-in here and
   * prove the lock holds across a real await.
   */
  bookedInDatabase: ((fromMs: number, untilMs: number) => Promise<boolean>) | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ScheduleStore(ctx.storage.sql);
    this.feed = new LiveFeed(ctx, this.store);
    this.bookingStatus = new BookingStatusFeed(ctx);
    // Answered by the runtime without waking the object, so idle connections stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    const limits = ConfigSchema.pick({ HOLD_TTL: true, MAX_HOLDS_PER_HOLDER: true, MAX_HOLDS_PER_CLIENT: true }).parse(env);
    this.ttlSeconds = wholeSeconds(limits.HOLD_TTL);
    this.limits = { perHolder: limits.MAX_HOLDS_PER_HOLDER, perClient: limits.MAX_HOLDS_PER_CLIENT };
    this.config = env.DATABASE_URL ? loadConfig(env) : null;
    const warm = this.config ? new WarmDatabase(this.config) : null;
    this.warm = warm;
    this.mirror = new BookingMirror(
      this.store,
      warm ? (scope) => this.database().run((db) => readBooked(db, this.providerId(), scope)) : null,
      (event) => this.emit(event),
      (state) => this.bookingStatus.publish(state),
    );
    this.bookedInDatabase = warm
      ? (fromMs, untilMs) => this.database().run((db) => occupyingBookingOverlaps(db, this.providerId(), fromMs, untilMs))
      : null;
    this.schedule = warm ? new ScheduleCache(() => this.database().run((db) => loadScheduleSnapshot(db, this.providerId(), Temporal.Now.instant()))) : null;
  }

  private database(): WarmDatabase {
    if (!this.warm) throw new Error("ProviderSchedule: no Postgres configured");
    return this.warm;
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
  async publicHolds(): Promise<{ count: number; holds: PublicHold[] }> {
    const rows = this.store.liveHoldsOverlapping(null, null, Date.now());
    return { count: rows.length, holds: rows.map(intervalFields) };
  }

  /**
   * The service's timing for a hold. A caller that sends it has checked the start against the
   * provider's rules itself (trusted code: the object is reachable only from the Worker); otherwise the
   * object takes the timing from its schedule snapshot and checks working hours, grid, notice and
   * booking window there, with no Postgres round trip when warm.
   */
  private async holdTiming(req: HoldRequest, start: Temporal.Instant): Promise<{ ok: true; timing: Omit<ServiceTiming, "slotIntervalMinutes" | "minNoticeMinutes" | "bookingWindowDays"> } | ScheduleFailure> {
    const { durationMinutes, bufferBeforeMinutes, bufferAfterMinutes } = req;
    if (durationMinutes !== undefined && bufferBeforeMinutes !== undefined && bufferAfterMinutes !== undefined) {
      return { ok: true, timing: { durationMinutes, bufferBeforeMinutes, bufferAfterMinutes } };
    }
    if (!this.schedule) throw new Error("hold: without Postgres the caller must send the service's timing");
    const found = await this.bookableService(req.serviceId);
    if (!found.ok) return found;
    // A stale snapshot means Postgres could not be read just now: a hold then would lead to a
    // booking that cannot be written, so it is refused with 503 while availability still answers.
    if (found.stale) return unavailable(new Error("the schedule snapshot could not be re-read"));
    const { snapshot, service } = found;
    const timing = timingOf(service);
    const rulesOnly = { providerZone: snapshot.provider.timeZone, weekly: snapshot.weekly, overrides: snapshot.overrides, service: timing, occupied: [] };
    if (!isSlotBookable({ ...rulesOnly, now: Temporal.Now.instant() }, start)) {
      return { ok: false, reason: "NOT_BOOKABLE", message: "This time is not offered by the provider." };
    }
    return { ok: true, timing };
  }

  /** The active provider's active service from the snapshot, or why not. */
  private async bookableService(
    serviceId: string,
  ): Promise<{ ok: true; snapshot: ScheduleSnapshot; service: ScheduleSnapshot["services"][number]; stale: boolean } | ScheduleFailure> {
    let read;
    try {
      read = await this.schedule!.read();
    } catch (error) {
      return unavailable(error);
    }
    const { snapshot, stale } = read;
    if (!snapshot || !snapshot.provider.isActive) return { ok: false, reason: "NOT_FOUND", message: "No such provider", field: "providerId" };
    const service = snapshot.services.find((s) => s.id === serviceId && s.isActive);
    if (!service) return { ok: false, reason: "NOT_FOUND", message: "No such service for this provider", field: "serviceId" };
    return { ok: true, snapshot, service, stale };
  }

  // -------------------------------------------------------------------------------------------
  // Availability

  /**
   * Free slots of one service for the availability API and the slot page, from memory: the schedule
   * snapshot, the booked mirror (re-read when older than FRESH_FOR_AVAILABILITY_MS) and live holds.
   * With Postgres unreachable it still answers from what it has, marked `stale`.
   */
  async availability(input: AvailabilityRequest): Promise<AvailabilityAnswer> {
    if (!this.schedule) throw new Error("availability needs Postgres (DATABASE_URL)");
    const req = AvailabilityRequest.parse(input);
    const found = await this.bookableService(req.serviceId);
    if (!found.ok) return found;
    const { snapshot, service } = found;
    const provider = snapshot.provider;
    const customerZone = req.timeZone ?? provider.timeZone;
    let window: { from: Temporal.Instant; to: Temporal.Instant };
    try {
      window = resolveWindow(req.from, req.to, customerZone);
    } catch (error) {
      if (isDomainError(error, "VALIDATION")) {
        return { ok: false, reason: "VALIDATION", message: error.message, fields: (error.details.fields as { path: string; message: string }[]) ?? [] };
      }
      throw error;
    }
    const mirrorCurrent = await this.mirror.syncIfOlderThan(FRESH_FOR_AVAILABILITY_MS);
    const timing = timingOf(service);
    const nowMs = Date.now();
    const slots = computeSlots({
      providerZone: provider.timeZone,
      weekly: snapshot.weekly,
      overrides: snapshot.overrides,
      service: timing,
      occupied: [],
      occupiedMs: this.occupiedMsFor(timing, window, provider.timeZone, { includeHolds: true }, nowMs),
      now: Temporal.Instant.fromEpochMilliseconds(nowMs),
      from: window.from,
      to: window.to,
      customerZone,
    });
    const result = availabilityResult(provider, service, { ...window, customerZone }, slots);
    return { ok: true, result: found.stale || !mirrorCurrent ? { ...result, stale: true } : result };
  }

  /**
   * How many free times each of `serviceIds` has in the window (0 for one that is not offered), for
   * the home page's date search: one call per provider, not per service. The services share the
   * snapshot, the mirror and the holds, so this costs at most the one Postgres read availability does.
   */
  async freeTimes(input: FreeTimesRequest): Promise<FreeTimesAnswer> {
    const { serviceIds, ...window } = FreeTimesRequest.parse(input);
    const counts: Record<string, number> = {};
    let stale = false;
    for (const serviceId of new Set(serviceIds)) {
      const answer = await this.availability({ ...window, serviceId });
      if (answer.ok) {
        counts[serviceId] = answer.result.slots.length;
        stale ||= answer.result.stale === true;
      } else if (answer.reason === "NOT_FOUND" || answer.reason === "NOT_BOOKABLE") counts[serviceId] = 0;
      else return answer;
    }
    return { ok: true, counts, stale };
  }

  /**
   * Booked (and, when asked, held) time that decides slots starting in `window`, from the mirror, as
   * the epoch milliseconds it is stored in: the engine takes them as they are (occupiedMs).
   */
  private occupiedMsFor(
    timing: ServiceTiming,
    window: { from: Temporal.Instant; to: Temporal.Instant },
    providerZone: string,
    options: { includeHolds: boolean; excludeBookingId?: string },
    nowMs: number,
  ): EpochMsInterval[] {
    const reach = engineReach(timing, window.from, window.to, providerZone).window;
    const fromMs = reach.start.epochMilliseconds;
    const untilMs = reach.end.epochMilliseconds;
    this.sweepExpired(nowMs);
    const occupied: EpochMsInterval[] = this.store
      .bookedOverlapping(fromMs, untilMs)
      .filter((b) => b.bookingId !== options.excludeBookingId)
      .map((b) => ({ startMs: b.occupiedFromMs, endMs: b.occupiedUntilMs }));
    if (options.includeHolds) {
      for (const h of this.store.liveHoldsOverlapping(fromMs, untilMs, nowMs)) occupied.push({ startMs: h.occupied_from_ms, endMs: h.occupied_until_ms });
    }
    return occupied;
  }

  /** The booking pages' card of an offered service (null when not offered), from the snapshot. */
  async serviceCard(serviceId: string): Promise<BookableServiceCard | null> {
    if (!this.schedule) throw new Error("serviceCard needs Postgres (DATABASE_URL)");
    const found = await this.bookableService(serviceId);
    if (!found.ok) {
      if (found.reason === "UNAVAILABLE") throw new Error(found.message);
      return null;
    }
    const { provider } = found.snapshot;
    const { id, name, description, category, durationMinutes, priceAmount, currency, requiresApproval, cancellationPolicy } = found.service;
    return {
      id,
      name,
      description,
      category,
      durationMinutes,
      priceAmount,
      currency,
      requiresApproval,
      // Validated when the provider saved it; read as booking-view reads a booking's snapshot.
      cancellationPolicy: CancellationPolicySchema.safeParse(cancellationPolicy).data ?? DEFAULT_CANCELLATION_POLICY,
      provider: { id: provider.id, slug: provider.slug, displayName: provider.displayName, timeZone: provider.timeZone },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Holds (continued)

  async hold(input: HoldRequest): Promise<HoldResult> {
    const req = HoldRequest.parse(input);
    const start = Temporal.Instant.from(req.start);
    const timing = await this.holdTiming(req, start);
    if (!timing.ok) return timing;
    const { slot, occupied } = holdIntervals({ start, ...timing.timing });
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
      // A mirror re-read from Postgres within FRESH_FOR_AVAILABILITY_MS (and told of every booking made
      // since) already answered in `decide`; only an older one asks Postgres, and re-reads it for the
      // holds that follow. Postgres's constraint still decides the booking itself.
      const lookup = this.mirror.syncedWithin(FRESH_FOR_AVAILABILITY_MS) ? null : this.bookedInDatabase;
      if (lookup) {
        void this.mirror.syncIfOlderThan(FRESH_FOR_AVAILABILITY_MS);
        let booked: boolean;
        try {
          booked = await lookup(fromMs, untilMs);
        } catch (error) {
          return unavailable(error);
        }
        if (booked) return { ok: false, reason: "BOOKED", message: "This time is already booked." };
        // Re-check what may have changed during the await: bookingChanged and release do not take the
        // lock, and holds for other (disjoint) times by the same holder count towards its limit. This
        // re-check and the insert below have no await between them, so together they are atomic.
      }
      const nowMs = Date.now();
      const verdict = lookup ? decide(nowMs) : local;
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
      const consumedNamed = req.holdId ? verdict.consume.find((h) => h.id === req.holdId) : undefined;
      return { ok: true, consumedHoldIds: verdict.consume.map((h) => h.id), ...(consumedNamed ? { heldUntil: consumedNamed.expiresAt.toString() } : {}) };
    });
  }

  /**
   * This object's memory as the booking services see it when they run here (createBooking): the
   * schedule snapshot and the booked mirror instead of Postgres reads, when both are current.
   */
  private readonly local: LocalScheduleView = {
    bookableService: async (providerId, serviceId) => {
      if (!this.schedule || providerId.toLowerCase() !== this.providerId()) return null;
      const found = await this.bookableService(serviceId.toLowerCase());
      // Not found here may mean a service created a moment ago: Postgres answers that.
      if (!found.ok || found.stale) return null;
      return { provider: found.snapshot.provider, service: found.service };
    },
    engineData: async ({ providerId, timing, from, to, excludeBookingId, includeHolds }) => {
      if (!this.schedule || providerId.toLowerCase() !== this.providerId()) return null;
      let read;
      try {
        read = await this.schedule.read();
      } catch {
        return null;
      }
      if (!read.snapshot || read.stale) return null;
      if (!(await this.mirror.syncIfOlderThan(FRESH_FOR_AVAILABILITY_MS))) return null;
      const { snapshot } = read;
      const providerZone = snapshot.provider.timeZone;
      // As Instants: this view promises the same data loadEngineData reads from Postgres.
      const instant = Temporal.Instant.fromEpochMilliseconds;
      const occupied: Interval[] = this.occupiedMsFor(timing, { from, to }, providerZone, { includeHolds, excludeBookingId }, Date.now()).map((o) => ({
        start: instant(o.startMs),
        end: instant(o.endMs),
      }));
      return { providerZone, weekly: snapshot.weekly, overrides: snapshot.overrides, service: timing, occupied };
    },
    memo: (key, compute) => this.memo.get(key, compute),
  };

  // -------------------------------------------------------------------------------------------
  // Bookings

  /**
   * Creates a booking of this provider: the same service the Worker ran before
   * (workers/services/create-booking.ts), here on the object's warm connection and with the object
   * itself as the schedule port, so a booking pays no connection setup and no RPC back here for its
   * claim and its change notice. Postgres's exclusion constraint stays the final word.
   */
  async createBooking(request: CreateBookingRequest): Promise<RemoteOutcome<CreateBookingResult>> {
    const warm = this.warm;
    const config = this.config;
    if (!warm || !config) throw new Error("createBooking needs Postgres (DATABASE_URL)");
    const named = (request.body as { providerId?: unknown } | null)?.providerId;
    if (typeof named !== "string" || named.toLowerCase() !== this.providerId()) {
      throw new Error("createBooking: the booking's provider is not this object's"); // a routing bug, not bad input
    }
    const port = { ...schedulePortOver(() => this), local: this.local };
    return captureOutcome(() => warm.run((db) => createBooking(db, request, depsOver(port, config, db))));
  }

  // -------------------------------------------------------------------------------------------
  // Changes reported by the Worker (API, UI, admin, cron, webhooks)

  /** `seq` is the feed's last event number afterwards (unchanged when the notice was a duplicate or waits for an earlier one). */
  async bookingChanged(input: BookingChange): Promise<{ seq: number }> {
    this.mirror.receive(BookingChange.parse(input), Date.now());
    return { seq: this.store.lastSeq() };
  }

  /**
   * The minute cron's delivery pass: Postgres's change head for this provider is `head`; reads what
   * the mirror lacks when it is behind. Answers the number the mirror has applied up to (the cron
   * records it as delivered), or null when Postgres could not be read.
   */
  async ensureApplied(head: number): Promise<{ applied: number | null }> {
    const applied = this.mirror.appliedSeq();
    if (applied !== null && applied >= head && !this.mirror.gapOpen()) return { applied };
    return { applied: (await this.mirror.catchUp()) ? this.mirror.appliedSeq() : null };
  }

  /** Working hours, overrides or services changed: every page should recompute its slots. */
  async scheduleChanged(): Promise<{ seq: number }> {
    this.schedule?.invalidate();
    this.memo.clear();
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
    // The backstop reads the table itself rather than trust what the request paths remember.
    this.store.forgetEarliestExpiry();
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
    this.memo.clear();
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

  /**
   * WebSocket (GET /ws, Upgrade) and SSE (GET /sse) subscriptions, forwarded by workers/api/live.ts;
   * one booking's channel (GET /booking/ws, /booking/sse), forwarded by workers/api/booking-events.ts
   * with the state it read in the `x-booking-state` header.
   */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/booking/ws" || url.pathname === "/booking/sse") return this.bookingChannel(url.pathname, request);
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
      await this.mirror.syncIfOlderThan();
      this.sweepExpired(Date.now());
      return this.feed.acceptWebSocket(audience, window, since);
    }
    if (url.pathname === "/sse") {
      await this.mirror.syncIfOlderThan();
      this.sweepExpired(Date.now());
      return this.feed.openSse(audience, window, since);
    }
    return new Response("Not found", { status: 404 });
  }

  private bookingChannel(path: string, request: Request): Response {
    let read: BookingStatusMessage;
    try {
      read = BookingStatusMessage.parse({ type: "booking.status", ...JSON.parse(request.headers.get(BOOKING_STATE_HEADER) ?? "null") });
    } catch {
      return new Response(`Bad or missing ${BOOKING_STATE_HEADER}`, { status: 400 });
    }
    const { type: _type, ...state } = read;
    if (path === "/booking/sse") return this.bookingStatus.openSse(state);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected Upgrade: websocket", { status: 426 });
    return this.bookingStatus.acceptWebSocket(state);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (BookingStatusFeed.isBookingSocket(this.ctx, ws)) return this.bookingStatus.onMessage(ws, message);
    this.feed.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.feed.onClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.feed.onError(ws);
  }
}

function unavailable(error: unknown): ScheduleFailure {
  console.warn(JSON.stringify({ eventName: "schedule.postgres_unavailable", ...describeFailure(error) }));
  return { ok: false, reason: "UNAVAILABLE", message: "Bookings cannot be checked right now. Please try again in a moment.", retryAfterSeconds: RETRY_AFTER_SECONDS };
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
