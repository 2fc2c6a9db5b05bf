// The provider object's RPC inputs (zod, re-validated inside the object: RPC callers are trusted code,
// but a bad call should fail loudly at the boundary, not corrupt the schedule) and result types.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { HoldRefusal, OwnershipFailure } from "../domain/holds";
import { BookingChangeKind, IsoInstant, SlotInterval } from "./live-messages";

const before = (a: string, b: string) => Temporal.Instant.compare(Temporal.Instant.from(a), Temporal.Instant.from(b)) < 0;

export const HoldRequest = z.object({
  holder: z.string().min(1).max(200),
  serviceId: z.string().min(1).max(64),
  start: IsoInstant,
  durationMinutes: z.number().int(),
  bufferBeforeMinutes: z.number().int(),
  bufferAfterMinutes: z.number().int(),
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
/** A granted hold, and the holder's earlier holds for the same service that it replaced. */
export type HoldResult = { ok: true; hold: HoldView; replacedHoldIds: string[] } | HoldRefusal;
export type OwnedHoldFailure = { ok: false; reason: OwnershipFailure; message: string };

export const ClaimRequest = z.object({
  holder: z.string().min(1).max(200),
  holdId: z.string().max(64).optional(),
  occupiedFrom: IsoInstant,
  occupiedUntil: IsoInstant,
  bookingId: z.string().min(1).max(64),
}).refine((c) => before(c.occupiedFrom, c.occupiedUntil), { message: "must be after occupiedFrom", path: ["occupiedUntil"] });
export type ClaimRequest = z.input<typeof ClaimRequest>;
export type ClaimResult = { ok: true; consumedHoldIds: string[] } | { ok: false; reason: "HELD"; message: string };

export const IntervalInput = z.object(SlotInterval.shape);
export const BookingChange = z
  .object({
    kind: BookingChangeKind,
    bookingId: z.string().min(1).max(64),
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
