// The provider object's RPC inputs (zod, re-validated inside the object: RPC callers are trusted code,
// but a bad call should fail loudly at the boundary, not corrupt the schedule) and result types.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { HoldRefusal, OwnershipFailure } from "../domain/holds";
import { epochMsOfInstantText } from "../domain/instant-text";
import { BookingChangeKind, IsoInstant, SlotInterval } from "./live-messages";

/** a < b for instant text the schema accepted; Temporal only to break a tie below the millisecond. */
const before = (a: string, b: string) => {
  const [msA, msB] = [epochMsOfInstantText(a)!, epochMsOfInstantText(b)!];
  return msA !== msB ? msA < msB : Temporal.Instant.compare(Temporal.Instant.from(a), Temporal.Instant.from(b)) < 0;
};

export const HoldRequest = z.object({
  holder: z.string().min(1).max(200),
  serviceId: z.string().min(1).max(64),
  start: IsoInstant,
  // The service's timing, from a caller that has checked the start against the provider's rules.
  // Left out, the object reads both from its schedule snapshot (required with Postgres configured).
  durationMinutes: z.number().int().optional(),
  bufferBeforeMinutes: z.number().int().optional(),
  bufferAfterMinutes: z.number().int().optional(),
  /** Shortens the server's TTL (never lengthens it: domain/holds.ts resolveTtlSeconds). */
  ttlSeconds: z.number().int().positive().optional(),
  /** The ClientBudget that asked (a hash of the client's address), for the per-client caps. */
  clientKey: z.string().min(1).max(64).nullish(),
});
export type HoldRequest = z.input<typeof HoldRequest>;

export interface HoldView {
  id: string;
  holder: string;
  start: string;
  end: string;
  occupiedFrom: string;
  occupiedUntil: string;
  expiresAt: string;
}
/** Why the object could not judge a request at all (as opposed to a contention refusal). */
export type ScheduleFailure =
  | { ok: false; reason: "NOT_FOUND"; message: string; field: "providerId" | "serviceId" }
  | { ok: false; reason: "NOT_BOOKABLE"; message: string }
  | { ok: false; reason: "VALIDATION"; message: string; fields: { path: string; message: string }[] }
  /** Postgres could not be read and what the object holds cannot be shown current: try again soon. */
  | { ok: false; reason: "UNAVAILABLE"; message: string; retryAfterSeconds: number };

/** A granted hold, and the holder's earlier holds for the same service that it replaced. */
export type HoldResult = { ok: true; hold: HoldView; replacedHoldIds: string[] } | HoldRefusal | ScheduleFailure;

/** The availability API's query, as the Worker validated it (the object re-validates). */
export const AvailabilityRequest = z.object({
  serviceId: z.string().min(1).max(64),
  from: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
  /** The customer's zone; the provider's when absent. */
  timeZone: z.string().max(64).nullish(),
});
export type AvailabilityRequest = z.input<typeof AvailabilityRequest>;

/** The home page's "free on a date" search: several services of this provider, one window. */
export const FreeTimesRequest = AvailabilityRequest.omit({ serviceId: true }).extend({
  serviceIds: z.array(z.string().min(1).max(64)).min(1).max(100),
});
export type FreeTimesRequest = z.input<typeof FreeTimesRequest>;
export type OwnedHoldFailure = { ok: false; reason: OwnershipFailure; message: string };

export const ClaimRequest = z.object({
  holder: z.string().min(1).max(200),
  holdId: z.string().max(64).optional(),
  occupiedFrom: IsoInstant,
  occupiedUntil: IsoInstant,
  bookingId: z.string().min(1).max(64),
}).refine((c) => before(c.occupiedFrom, c.occupiedUntil), { message: "must be after occupiedFrom", path: ["occupiedUntil"] });
export type ClaimRequest = z.input<typeof ClaimRequest>;
/** heldUntil: the named hold's expiry when it was live and consumed (the booking keeps that deadline). */
export type ClaimResult = { ok: true; consumedHoldIds: string[]; heldUntil?: string } | { ok: false; reason: "HELD"; message: string };

export const IntervalInput = z.object(SlotInterval.shape);
export const BookingChange = z
  .object({
    kind: BookingChangeKind,
    bookingId: z.string().min(1).max(64),
    /** The booking's change number in Postgres (bookings.change_seq); see ./booking-mirror.ts. */
    seq: z.number().int().nonnegative().optional(),
    interval: IntervalInput,
    previousInterval: IntervalInput.optional(),
    details: z.object({
      confirmationCode: z.string().max(64),
      customerName: z.string().max(200),
      serviceName: z.string().max(200),
      status: z.string().max(40),
    }),
  })
  .refine((c) => c.kind !== "rescheduled" || c.previousInterval, { message: "is required for rescheduled", path: ["previousInterval"] });
export type BookingChange = z.input<typeof BookingChange>;

/** The object's feed query (the Worker already validated it; the audience is not part of it). */
export const FeedQuery = z.object({
  from: IsoInstant.optional(),
  to: IsoInstant.optional(),
  since: z.coerce.number().int().nonnegative().optional(),
});

/** A live hold's interval as the public sees it (no holder, no id). */
export interface PublicHold {
  start: string;
  end: string;
  occupiedFrom: string;
  occupiedUntil: string;
}

/**
 * The provider object's methods the Worker's schedule port calls (workers/services/schedule-port.ts):
 * a stub from the Worker, or the object itself. Declared here, not taken from the class, so the port
 * does not import the object that imports the services.
 */
export interface ScheduleTarget {
  publicHolds(): Promise<{ count: number; holds: PublicHold[] }>;
  claimForBooking(input: ClaimRequest): Promise<ClaimResult>;
  bookingChanged(input: BookingChange): Promise<{ seq: number }>;
}
