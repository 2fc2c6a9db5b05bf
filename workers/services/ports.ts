// What the booking services need from the outside world besides Postgres, as interfaces, so the
// services run unchanged in the Worker (Durable Object adapter, schedule-port.ts), in Node tests and
// scripts (noopSchedulePort or a fake), and so the payments work can plug in without touching them.
import type { Temporal } from "@js-temporal/polyfill";
import type { AvailabilityInput, ServiceTiming } from "../../domain/availability";
import type { BookingStatus } from "../../domain/booking-states";
import type { RefundDecision } from "../../domain/cancellation-policy";
import type { Interval } from "../../domain/intervals";
import type { Database } from "../../db/client";
import type { ProviderRow, ServiceRow } from "../../db/queries/availability";
import type { BookingRow } from "../../db/queries/bookings";
import type { BookingEmailContext } from "../email/booking-emails";
import type { QueuedEmail } from "../email/outbox";

export interface ClaimArgs {
  providerId: string;
  /**
   * Who is booking: the holder token the browser used for its hold (send it, also when signed in, or
   * the customer's own hold counts as someone else's), else `user:<id>` / `guest:<bookingId>` /
   * `booking:<id>` which match no hold.
   */
  holder: string;
  holdId?: string;
  occupiedFrom: Temporal.Instant;
  occupiedUntil: Temporal.Instant;
  bookingId: string;
}

/** heldUntil: the expiry of the customer's own hold this booking consumed, if any. */
export type ClaimResult = { ok: true; heldUntil?: Temporal.Instant } | { ok: false; reason: string; message: string };

/** What happened to a booking's time, for the provider's live schedule. */
export type BookingChangeKind =
  | "created" // a new booking occupies `interval`
  | "rescheduled" // `previousInterval` is free again, `interval` is occupied
  | "released" // `interval` no longer occupied (cancelled, expired, declined, payment failed)
  | "occupied" // a booking re-entered an occupying state (payment retry)
  | "updated"; // status changed, occupancy did not (e.g. pending → confirmed)

export interface BookingInterval {
  start: Temporal.Instant;
  end: Temporal.Instant;
  occupiedFrom: Temporal.Instant;
  occupiedUntil: Temporal.Instant;
}

export interface BookingChange {
  kind: BookingChangeKind;
  bookingId: string;
  interval: BookingInterval;
  previousInterval?: BookingInterval;
  /** What the provider's live schedule shows about the booking (provider audience only). */
  details: {
    status: BookingStatus;
    from?: BookingStatus | null;
    reason?: string;
    confirmationCode: string;
    customerName: string;
    serviceName: string;
  };
  /**
   * The booking's `change_seq` after the write (db/schema.ts): the provider object applies notices in
   * this order and pulls from Postgres what a gap says it missed. Absent: the writer did not know it,
   * and the object re-reads Postgres before it trusts its mirror again.
   */
  seq?: number;
  /** The change's mail was committed with the change itself (see SchedulePort.mailWithChange): do not queue it again. */
  mailQueued?: true;
}

/** What the engine needs besides the moment and the window: the schedule and the occupied time. */
export type EngineData = Pick<AvailabilityInput, "providerZone" | "weekly" | "overrides" | "service" | "occupied">;

/**
 * The provider object's memory, for services running inside that object (createBooking there): the
 * same answers the Postgres reads would give, with no round trip. Every method answers null when the
 * object cannot vouch for its copy (another provider, a stale mirror or schedule, Postgres down): the
 * caller then reads Postgres as it would without a view. Postgres's constraint stays the final word.
 */
export interface LocalScheduleView {
  bookableService(providerId: string, serviceId: string): Promise<{ provider: ProviderRow; service: ServiceRow } | null>;
  /** Engine input for slots starting in [from, to), as loadEngineData would read it. */
  engineData(args: {
    providerId: string;
    timing: ServiceTiming;
    from: Temporal.Instant;
    to: Temporal.Instant;
    excludeBookingId?: string;
    includeHolds: boolean;
  }): Promise<EngineData | null>;
  /** `compute`'s answer, reused for identical `key`s until the schedule, a booking or a hold changes (and for a second at most). */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export interface SchedulePort {
  /** Present only inside the provider's own object (see LocalScheduleView). */
  local?: LocalScheduleView;
  /** Occupied intervals of live (unexpired, unclaimed) holds intersecting `window`. */
  liveHolds(providerId: string, window: Interval): Promise<Interval[]>;
  /**
   * Asks the provider's schedule whether `holder` may turn this interval into a booking: refused when
   * another holder's live hold overlaps it. Called BEFORE the insert; Postgres still has the last word.
   */
  claimForBooking(args: ClaimArgs): Promise<ClaimResult>;
  /** After commit only. Implementations must not throw for delivery problems that do not matter to the caller. */
  bookingChanged(providerId: string, change: BookingChange): Promise<void>;
  /**
   * The mail `change` will send, for a writer that commits the change and its mail in one statement
   * (then reports the change with `mailQueued`). Null, or absent: no mail, or one this context cannot
   * write; bookingChanged queues it after the commit as usual.
   */
  mailWithChange?(change: BookingChange, context: BookingEmailContext): Promise<QueuedEmail | null>;
}

/** For Node-side tests and scripts: no holds, every claim granted, changes dropped. */
export const noopSchedulePort: SchedulePort = {
  liveHolds: async () => [],
  claimForBooking: async () => ({ ok: true }),
  bookingChanged: async () => {},
};

// ---------------------------------------------------------------------------------------------
// Seams for the payments work (PaymentIntent creation, refunds). Both run AFTER the commit, outside
// any transaction: Stripe calls must not hold row locks.

export interface BookingHooks {
  /**
   * A booking was created (or an idempotent replay returned it: `replayed`). The returned value becomes
   * the `payment` field of the response (e.g. `{ clientSecret }`); null while payments are not wired.
   * Use the booking id as the Stripe idempotency key so a replay returns the same PaymentIntent.
   * `requiresApproval` is the service's rule as this request booked it (known only when not replayed).
   */
  onBookingCreated?(args: { db: Database; booking: BookingRow; replayed: boolean; requiresApproval?: boolean }): Promise<Record<string, unknown> | null>;
  /** A booking was cancelled; `refund` is what the policy grants (recorded in the audit trail already). */
  onBookingCancelled?(args: { db: Database; booking: BookingRow; refund: RefundDecision }): Promise<void>;
  /** Payments seam (added by the payments work): the provider accepted; capture the authorised payment. */
  onBookingAccepted?(args: { db: Database; booking: BookingRow }): Promise<void>;
  /** The booking moved to another time (committed): e.g. the end of its escrow moves with it. */
  onBookingRescheduled?(args: { db: Database; booking: BookingRow }): Promise<void>;
}
