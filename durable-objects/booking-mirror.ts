// The object's mirror of booked time: which occupying bookings this provider has, with what the
// provider feed shows about them. Fed by bookingChanged (every writer calls it after its commit) and,
// when Postgres is configured, read from Postgres: in full on first use, then only what changed.
//
// Order and gaps: every booking write in Postgres takes the provider's next change number in the same
// statement (bookings.change_seq, migration 0008; gap-free per provider). Notices carry it. The mirror
// remembers the number up to which it has applied everything (`applied`): a notice numbered applied+1
// is applied at once; an older or repeated one is dropped (a duplicate must not re-announce or undo a
// newer state); one further ahead waits in memory for the missing ones, and if they have not come
// within GAP_GRACE_MS the mirror pulls every booking changed after `applied` from Postgres (as they are
// now, with the head in the same snapshot). While a gap is open the mirror does not vouch for itself,
// so holds ask Postgres. A notice lost with nothing after it is delivered by the minute cron
// (deliverChanges in workers/cron.ts), and any read older than the freshness window re-reads too.
import type { z } from "zod";
import { OCCUPYING_STATUSES, isBookingStatus } from "../domain/booking-states";
import { assertNever } from "../domain/errors";
import { epochMsOfInstantText } from "../domain/instant-text";
import type { BookedChange, BookedRead, BookedReadScope } from "./bookings-db";
import type { BookingState } from "./booking-status-feed";
import type { BookingChangeKind, NewFeedEvent, SlotInterval } from "./live-messages";
import type { BookingChange, IntervalInput } from "./schedule-rpc";
import { type ScheduleStore, isoFromMs } from "./schedule-store";

/** The provider's bookings from Postgres (./bookings-db.ts readBooked, on the warm connection). */
export type ReadBooked = (scope: BookedReadScope) => Promise<BookedRead>;

/** Occupied bookings are re-read from Postgres into the mirror at most this often (on feed connects). */
export const SYNC_EVERY_MS = 5 * 60_000;
/**
 * Availability and holds trust the mirror when a read of Postgres found it current this recently and
 * no gap is open since: a notice lost with nothing after it shows a taken slot as free for at most
 * this long (booking it then answers 409 with alternatives; Postgres's constraint decides).
 */
export const FRESH_FOR_AVAILABILITY_MS = 30_000;
/** How long a notice that arrived ahead of its predecessors waits for them before Postgres is asked. */
export const GAP_GRACE_MS = 250;
/** Read from this far back: a slot's buffer before may reach into time that has just passed. */
const SYNC_REACH_BACK_MS = 24 * 60 * 60_000;

const RELEASING: ReadonlySet<string> = new Set(["cancelled", "expired", "payment_failed"]);

type Change = z.infer<typeof BookingChange>;

function normalize(i: z.infer<typeof IntervalInput>): SlotInterval {
  // The schema checked the text: it reads.
  const iso = (value: string) => isoFromMs(epochMsOfInstantText(value)!);
  return { start: iso(i.start), end: iso(i.end), occupiedFrom: iso(i.occupiedFrom), occupiedUntil: iso(i.occupiedUntil) };
}

function intervalOfRow(row: { startMs: number; endMs: number; occupiedFromMs: number; occupiedUntilMs: number }): SlotInterval {
  return { start: isoFromMs(row.startMs), end: isoFromMs(row.endMs), occupiedFrom: isoFromMs(row.occupiedFromMs), occupiedUntil: isoFromMs(row.occupiedUntilMs) };
}

/** The feed's word for a booking now in `status` (a pulled change has no writer to name it). */
function kindForStatus(status: string): BookingChangeKind {
  switch (status) {
    case "pending":
    case "awaiting_approval":
      return "booked";
    case "confirmed":
    case "in_progress":
      return "confirmed";
    case "completed":
      return "completed";
    case "expired":
      return "expired";
    case "payment_failed":
      return "payment_failed";
    default:
      return "cancelled";
  }
}

export class BookingMirror {
  private sync: Promise<boolean> | undefined;
  /** Bookings changed while a full read was in flight: that older read must not overwrite them. */
  private touchedDuringSync: Set<string> | undefined;
  /** Notices that came ahead of a missing one, by change number. */
  private readonly ahead = new Map<number, Change[]>();
  /** The kinds already applied for the change number `applied` (a write may send two notices: created, then confirmed). */
  private kindsAtApplied = new Set<string>();
  private repairTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: ScheduleStore,
    private readonly read: ReadBooked | null,
    private readonly emit: (event: NewFeedEvent) => void,
    /** Told every booking state applied, in order (the per-booking status channel). */
    private readonly observe: (state: BookingState) => void = () => {},
  ) {}

  /**
   * Takes a validated notice: applies it (and any that waited for it) and announces each on the
   * feed, drops it as a duplicate, or keeps it until the gap before it closes.
   */
  receive(change: Change, nowMs: number): void {
    const applied = this.appliedSeq();
    const seq = change.seq;
    // No order to keep: no Postgres, never read from it yet (the first read sets `applied`), or a
    // notice from a writer that did not know its number.
    if (this.read === null || applied === null || seq === undefined) {
      this.emit(this.applyNotice(change, nowMs));
      return;
    }
    if (seq < applied || (seq === applied && this.kindsAtApplied.has(change.kind))) return; // seen: a duplicate or older than what is applied
    if (seq === applied) {
      this.kindsAtApplied.add(change.kind);
      this.emit(this.applyNotice(change, nowMs));
      return;
    }
    if (seq > applied + 1) {
      const waiting = this.ahead.get(seq) ?? [];
      // A notice repeated while it waits is still one change.
      if (!waiting.some((c) => c.kind === change.kind)) this.ahead.set(seq, [...waiting, change]);
      this.repairTimer ??= setTimeout(() => {
        this.repairTimer = undefined;
        void this.catchUp();
      }, GAP_GRACE_MS);
      return;
    }
    this.advanceTo(seq, change.kind);
    this.emit(this.applyNotice(change, nowMs));
    this.drainAhead(nowMs);
  }

  /** Applies the waiting notices that now follow `applied` without a gap. */
  private drainAhead(nowMs: number): void {
    for (let next = this.appliedSeq()! + 1; this.ahead.has(next); next++) {
      const waiting = this.ahead.get(next)!;
      this.ahead.delete(next);
      this.advanceTo(next, waiting[0]!.kind);
      for (const change of waiting) {
        this.kindsAtApplied.add(change.kind);
        this.emit(this.applyNotice(change, nowMs));
      }
    }
    if (this.ahead.size === 0 && this.repairTimer !== undefined) {
      clearTimeout(this.repairTimer);
      this.repairTimer = undefined;
    }
  }

  /** Applies a notice's state to the mirror and returns the feed event announcing it. */
  private applyNotice(change: Change, nowMs: number): NewFeedEvent {
    const interval = normalize(change.interval);
    const status = change.details.status;
    const occupying = isBookingStatus(status) && OCCUPYING_STATUSES.includes(status) && !RELEASING.has(change.kind);
    if (occupying) {
      this.store.upsertBooked({
        bookingId: change.bookingId,
        startMs: Date.parse(interval.start),
        endMs: Date.parse(interval.end),
        occupiedFromMs: Date.parse(interval.occupiedFrom),
        occupiedUntilMs: Date.parse(interval.occupiedUntil),
        details: { bookingId: change.bookingId, ...change.details },
      });
    } else {
      this.store.deleteBooked(change.bookingId);
    }
    this.touchedDuringSync?.add(change.bookingId);
    this.observe({
      bookingId: change.bookingId,
      confirmationCode: change.details.confirmationCode,
      status,
      start: interval.start,
      end: interval.end,
      version: change.seq ?? null,
    });

    const booking = { bookingId: change.bookingId, ...change.details };
    const at = isoFromMs(nowMs);
    switch (change.kind) {
      case "booked":
      case "confirmed":
      case "completed":
        return { type: "slot.booked", at, kind: "booking", interval, change: change.kind, booking };
      case "cancelled":
      case "expired":
      case "payment_failed":
        return { type: "slot.cancelled", at, kind: "booking", interval, change: change.kind, booking };
      case "rescheduled":
        // The schema requires previousInterval for rescheduled.
        return { type: "slot.rescheduled", at, kind: "booking", interval, previousInterval: normalize(change.previousInterval!), change: change.kind, booking };
      default:
        return assertNever(change.kind, "booking change");
    }
  }

  /** Applies a booking as Postgres holds it now, announcing what changed on the calendar (nothing if nothing did). */
  private applyRow(row: BookedChange, nowMs: number): void {
    const known = this.store.bookedById(row.bookingId);
    if (!row.occupying && !known) return;
    const interval = intervalOfRow(row);
    const previousInterval = known ? intervalOfRow(known) : undefined;
    const moved = row.occupying && previousInterval !== undefined && (known!.occupiedFromMs !== row.occupiedFromMs || known!.occupiedUntilMs !== row.occupiedUntilMs || known!.startMs !== row.startMs);
    const { bookingId: _id, ...details } = row.details;
    this.emit(
      this.applyNotice(
        {
          kind: moved ? "rescheduled" : kindForStatus(row.details.status),
          bookingId: row.bookingId,
          seq: row.seq,
          interval,
          previousInterval: moved ? previousInterval : undefined,
          details,
        },
        nowMs,
      ),
    );
  }

  private appliedCache: number | null | undefined;
  /** Every change numbered up to this is in the mirror; null until a read of Postgres set it. */
  appliedSeq(): number | null {
    if (this.appliedCache === undefined) {
      const stored = this.store.getMeta("mirror_applied_seq");
      this.appliedCache = stored === undefined ? null : Number(stored);
    }
    return this.appliedCache;
  }

  private advanceTo(seq: number, kind: string | null): void {
    const current = this.appliedSeq();
    if (current !== null && seq <= current) return;
    this.appliedCache = seq;
    this.kindsAtApplied = new Set(kind ? [kind] : []);
    this.store.setMeta("mirror_applied_seq", String(seq));
  }

  /** When a read of Postgres last found the mirror current (0: never). Kept in memory too: holds ask it on every grant. */
  private syncedAtCache: number | undefined;
  syncedAtMs(): number {
    this.syncedAtCache ??= Number(this.store.getMeta("mirror_synced_at") ?? "0");
    return this.syncedAtCache;
  }

  private markSynced(atMs: number): void {
    this.store.setMeta("mirror_synced_at", String(atMs));
    this.syncedAtCache = atMs;
  }

  /** A notice is waiting for an earlier one: the mirror may lack a booking. */
  gapOpen(): boolean {
    return this.ahead.size > 0;
  }

  /** True when Postgres is configured, a read found the mirror current less than `maxAgeMs` ago, and no gap is open. */
  syncedWithin(maxAgeMs: number, nowMs = Date.now()): boolean {
    return this.read !== null && !this.gapOpen() && nowMs - this.syncedAtMs() < maxAgeMs;
  }

  /**
   * Best effort: reads Postgres when the last read is older than `maxAgeMs` or a gap is open;
   * concurrent callers share one read. True when the mirror is now current (or there is no Postgres,
   * so the mirror is all there is), false when the read failed.
   */
  async syncIfOlderThan(maxAgeMs: number = SYNC_EVERY_MS): Promise<boolean> {
    if (!this.read) return true;
    if (!this.gapOpen() && Date.now() - this.syncedAtMs() < maxAgeMs) return true;
    return this.catchUp();
  }

  /**
   * Reads Postgres now (shared by concurrent callers): everything changed after `applied`, or all of
   * it when nothing was read before or too much changed. True when the mirror is current as of the
   * read, false when the read failed.
   */
  catchUp(): Promise<boolean> {
    const read = this.read;
    if (!read) return Promise.resolve(true);
    this.sync ??= (async () => {
      try {
        const startedMs = Date.now();
        const applied = this.appliedSeq();
        let result = applied === null ? null : await read({ all: false, afterSeq: applied });
        if (result === null || result.truncated) result = await this.readAll(read, startedMs);
        else {
          const nowMs = Date.now();
          // Rows at or below `applied` are already there, possibly newer (a notice came during the read).
          for (const row of result.rows) if (row.seq > (this.appliedSeq() ?? -1)) this.applyRow(row, nowMs);
          this.advanceTo(result.head, null);
        }
        // Waiting notices the read covered are in it (as their bookings are now); later ones may follow on.
        for (const seq of [...this.ahead.keys()]) if (seq <= result.head) this.ahead.delete(seq);
        this.drainAhead(Date.now());
        // The read began at startedMs: that is how current the mirror is now.
        this.markSynced(startedMs);
        return true;
      } catch (error) {
        console.warn(JSON.stringify({ eventName: "schedule.mirror_sync_failed", message: error instanceof Error ? error.message : String(error) }));
        return false;
      } finally {
        this.sync = undefined;
      }
    })();
    return this.sync;
  }

  /** Replaces the mirror with a full read (first use, or a gap too long to pull change by change). */
  private async readAll(read: ReadBooked, startedMs: number): Promise<BookedRead> {
    const touched = new Set<string>();
    this.touchedDuringSync = touched;
    try {
      const sinceMs = startedMs - SYNC_REACH_BACK_MS;
      const result = await read({ all: true, sinceMs });
      this.store.replaceBookedAfter(sinceMs, result.rows, touched);
      // Notices applied in order during the read may already have taken `applied` past the head.
      const applied = Math.max(this.appliedSeq() ?? 0, result.head);
      this.appliedCache = applied;
      this.kindsAtApplied = new Set();
      this.store.setMeta("mirror_applied_seq", String(applied));
      return result;
    } finally {
      this.touchedDuringSync = undefined;
    }
  }
}
