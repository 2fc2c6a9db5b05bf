// The object's mirror of booked time: which occupying bookings this provider has, with what the
// provider feed shows about them. Fed by bookingChanged (every writer calls it after its commit) and,
// when Postgres is configured, re-read from Postgres: before feed snapshots when older than
// SYNC_EVERY_MS, and before availability answers when older than FRESH_FOR_AVAILABILITY_MS, so a
// fresh object (or one that missed a notification) does not show an empty or stale calendar for long.
import type { z } from "zod";
import { OCCUPYING_STATUSES, isBookingStatus } from "../domain/booking-states";
import { assertNever } from "../domain/errors";
import { epochMsOfInstantText } from "../domain/instant-text";
import type { NewFeedEvent, SlotInterval } from "./live-messages";
import type { BookingChange, IntervalInput } from "./schedule-rpc";
import { type BookedInterval, type ScheduleStore, isoFromMs } from "./schedule-store";

/** Occupying bookings of the provider ending after `sinceMs`, from Postgres. */
export type LoadBooked = (sinceMs: number) => Promise<BookedInterval[]>;

/** Occupied bookings are re-read from Postgres into the mirror at most this often (on feed connects). */
export const SYNC_EVERY_MS = 5 * 60_000;
/**
 * Availability is answered from the mirror when it was re-read this recently: a lost bookingChanged
 * can show a taken slot as free for at most this long (booking it then answers 409 with alternatives;
 * Postgres's constraint decides).
 */
export const FRESH_FOR_AVAILABILITY_MS = 30_000;
/** Re-read from this far back: a slot's buffer before may reach into time that has just passed. */
const SYNC_REACH_BACK_MS = 24 * 60 * 60_000;

const RELEASING: ReadonlySet<string> = new Set(["cancelled", "expired", "payment_failed"]);

function normalize(i: z.infer<typeof IntervalInput>): SlotInterval {
  // The schema checked the text: it reads.
  const iso = (value: string) => isoFromMs(epochMsOfInstantText(value)!);
  return { start: iso(i.start), end: iso(i.end), occupiedFrom: iso(i.occupiedFrom), occupiedUntil: iso(i.occupiedUntil) };
}

export class BookingMirror {
  private sync: Promise<boolean> | undefined;
  /** Bookings changed while a sync read Postgres: that older read must not overwrite them. */
  private touchedDuringSync: Set<string> | undefined;

  constructor(
    private readonly store: ScheduleStore,
    private readonly load: LoadBooked | null,
  ) {}

  /** Applies a validated change to the mirror and returns the feed event announcing it. */
  apply(change: z.infer<typeof BookingChange>, nowMs: number): NewFeedEvent {
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

  /** When the mirror was last re-read from Postgres (0: never). Kept in memory too: holds ask it on every grant. */
  private syncedAtCache: number | undefined;
  syncedAtMs(): number {
    this.syncedAtCache ??= Number(this.store.getMeta("mirror_synced_at") ?? "0");
    return this.syncedAtCache;
  }

  /** True when Postgres is configured and the mirror was re-read from it less than `maxAgeMs` ago. */
  syncedWithin(maxAgeMs: number, nowMs = Date.now()): boolean {
    return this.load !== null && nowMs - this.syncedAtMs() < maxAgeMs;
  }

  /**
   * Best effort: re-reads Postgres when the last re-read is older than `maxAgeMs`; concurrent callers
   * share one read. True when the mirror is now at most `maxAgeMs` old (or there is no Postgres, so
   * the mirror is all there is), false when the re-read failed.
   */
  async syncIfOlderThan(maxAgeMs: number = SYNC_EVERY_MS): Promise<boolean> {
    const load = this.load;
    if (!load) return true;
    if (Date.now() - this.syncedAtMs() < maxAgeMs) return true;
    this.sync ??= (async () => {
      const touched = new Set<string>();
      this.touchedDuringSync = touched;
      try {
        const startedMs = Date.now();
        const sinceMs = startedMs - SYNC_REACH_BACK_MS;
        const rows = await load(sinceMs);
        this.store.replaceBookedAfter(sinceMs, rows, touched);
        // The read began at startedMs: that is how current the mirror is now.
        this.store.setMeta("mirror_synced_at", String(startedMs));
        this.syncedAtCache = startedMs;
        return true;
      } catch (error) {
        console.warn(JSON.stringify({ eventName: "schedule.mirror_sync_failed", message: error instanceof Error ? error.message : String(error) }));
        return false;
      } finally {
        this.touchedDuringSync = undefined;
        this.sync = undefined;
      }
    })();
    return this.sync;
  }
}
