// The object's mirror of booked time: which occupying bookings this provider has, with what the
// provider feed shows about them. Fed by bookingChanged (every writer calls it after its commit) and,
// when Postgres is configured, re-read from Postgres before snapshots so a fresh object (or one that
// missed a notification) does not show an empty calendar.
import { Temporal } from "@js-temporal/polyfill";
import type { z } from "zod";
import { OCCUPYING_STATUSES, isBookingStatus } from "../domain/booking-states";
import { assertNever } from "../domain/errors";
import type { AppConfig } from "../workers/env";
import { loadOccupyingBookings } from "./bookings-db";
import type { NewFeedEvent, SlotInterval } from "./live-messages";
import type { BookingChange, IntervalInput } from "./schedule-rpc";
import { type ScheduleStore, isoFromMs } from "./schedule-store";

/** Occupied bookings are re-read from Postgres into the mirror at most this often (on feed connects). */
const SYNC_EVERY_MS = 5 * 60_000;

const RELEASING: ReadonlySet<string> = new Set(["cancelled", "expired", "payment_failed"]);

function normalize(i: z.infer<typeof IntervalInput>): SlotInterval {
  const iso = (value: string) => isoFromMs(Temporal.Instant.from(value).epochMilliseconds);
  return { start: iso(i.start), end: iso(i.end), occupiedFrom: iso(i.occupiedFrom), occupiedUntil: iso(i.occupiedUntil) };
}

export class BookingMirror {
  private sync: Promise<void> | undefined;
  /** Bookings changed while a sync read Postgres: that older read must not overwrite them. */
  private touchedDuringSync: Set<string> | undefined;

  constructor(
    private readonly store: ScheduleStore,
    private readonly database: AppConfig | null,
    private readonly providerId: () => string,
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

  /** Best effort: re-reads Postgres at most every SYNC_EVERY_MS; concurrent callers share one read. */
  async syncIfStale(): Promise<void> {
    const database = this.database;
    if (!database) return;
    const last = Number(this.store.getMeta("mirror_synced_at") ?? "0");
    if (Date.now() - last < SYNC_EVERY_MS) return;
    this.sync ??= (async () => {
      const touched = new Set<string>();
      this.touchedDuringSync = touched;
      try {
        const sinceMs = Date.now();
        const rows = await loadOccupyingBookings(database, this.providerId(), sinceMs);
        this.store.replaceBookedAfter(sinceMs, rows, touched);
        this.store.setMeta("mirror_synced_at", String(Date.now()));
      } catch (error) {
        console.warn(JSON.stringify({ eventName: "schedule.mirror_sync_failed", message: error instanceof Error ? error.message : String(error) }));
      } finally {
        this.touchedDuringSync = undefined;
        this.sync = undefined;
      }
    })();
    await this.sync;
  }
}
