// Every message of the provider live feed (WebSocket and SSE), as zod schemas and the TypeScript
// union derived from them. Shared by the Durable Object (sender), the Worker route, pages and tests.
//
// Two audiences, kept apart by construction: public messages are STRICT objects that carry only
// intervals and the kind of occupancy (no names, emails, codes, holder tokens, booking or hold ids);
// provider messages add details. toAudience() builds the public form field by field from an
// allow-list, never by deleting fields from the provider form, so a field added later stays private
// until someone adds it here on purpose.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { assertNever } from "../domain/errors";
import { epochMsOfInstantText } from "../domain/instant-text";
import { isSupportedEpochMs, SUPPORTED_RANGE_MESSAGE } from "../domain/time";

/** Header the Worker sets after authorizing; the DO trusts only this (it is reachable only via the Worker). */
export const AUDIENCE_HEADER = "x-edge-booking-live-audience";
/** Client frames above this size are refused with an error frame (the biggest legal one is ~120 bytes). */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

export const AUDIENCES = ["public", "provider"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** An ISO 8601 instant with Z or an offset, e.g. 2030-03-04T10:00:00Z (read once for both checks). */
export const IsoInstant = z
  .string()
  .max(64)
  .superRefine((value, ctx) => {
    const ms = epochMsOfInstantText(value);
    if (ms === null) ctx.addIssue({ code: "custom", message: "must be an ISO 8601 instant with Z or an offset" });
    else if (!isSupportedEpochMs(ms)) ctx.addIssue({ code: "custom", message: SUPPORTED_RANGE_MESSAGE });
  });

export const SlotInterval = z.strictObject({
  start: IsoInstant,
  end: IsoInstant,
  occupiedFrom: IsoInstant,
  occupiedUntil: IsoInstant,
});
export type SlotInterval = z.infer<typeof SlotInterval>;

export const BookingChangeKind = z.enum(["booked", "cancelled", "rescheduled", "expired", "payment_failed", "confirmed", "completed"]);
export type BookingChangeKind = z.infer<typeof BookingChangeKind>;

export const BookingDetails = z.strictObject({
  bookingId: z.string().min(1).max(64),
  confirmationCode: z.string().max(64),
  customerName: z.string().max(200),
  serviceName: z.string().max(200),
  status: z.string().max(40),
});
export type BookingDetails = z.infer<typeof BookingDetails>;

export const HoldDetails = z.strictObject({
  holdId: z.string(),
  serviceId: z.string(),
  expiresAt: IsoInstant,
});
export type HoldDetails = z.infer<typeof HoldDetails>;

export const ReleaseReason = z.enum(["expired", "released", "claimed", "replaced"]);

// ---------------------------------------------------------------------------------------------
// Server → client

const seq = z.number().int().nonnegative();
const base = { seq, at: IsoInstant };

export const PublicSnapshotItem = z.strictObject({ kind: z.enum(["hold", "booking"]), interval: SlotInterval });
export const ProviderSnapshotItem = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("hold"), interval: SlotInterval, hold: HoldDetails }),
  z.strictObject({ kind: z.literal("booking"), interval: SlotInterval, booking: BookingDetails }),
]);

const window = { from: IsoInstant.nullable(), to: IsoInstant.nullable() };

export const PublicMessage = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("slot.held"), ...base, kind: z.literal("hold"), interval: SlotInterval }),
  z.strictObject({ type: z.literal("slot.released"), ...base, kind: z.literal("hold"), interval: SlotInterval }),
  z.strictObject({ type: z.literal("slot.booked"), ...base, kind: z.literal("booking"), interval: SlotInterval }),
  z.strictObject({ type: z.literal("slot.cancelled"), ...base, kind: z.literal("booking"), interval: SlotInterval }),
  z.strictObject({
    type: z.literal("slot.rescheduled"),
    ...base,
    kind: z.literal("booking"),
    interval: SlotInterval,
    previousInterval: SlotInterval,
  }),
  z.strictObject({ type: z.literal("schedule.changed"), ...base }),
  z.strictObject({ type: z.literal("snapshot"), seq, ...window, items: z.array(PublicSnapshotItem) }),
  z.strictObject({ type: z.literal("error"), message: z.string() }),
  z.strictObject({ type: z.literal("pong") }),
]);
export type PublicMessage = z.infer<typeof PublicMessage>;

export const ProviderMessage = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("slot.held"), ...base, kind: z.literal("hold"), interval: SlotInterval, hold: HoldDetails }),
  z.strictObject({
    type: z.literal("slot.released"),
    ...base,
    kind: z.literal("hold"),
    interval: SlotInterval,
    hold: HoldDetails,
    reason: ReleaseReason,
  }),
  z.strictObject({
    type: z.literal("slot.booked"),
    ...base,
    kind: z.literal("booking"),
    interval: SlotInterval,
    change: BookingChangeKind,
    booking: BookingDetails,
  }),
  z.strictObject({
    type: z.literal("slot.cancelled"),
    ...base,
    kind: z.literal("booking"),
    interval: SlotInterval,
    change: BookingChangeKind,
    booking: BookingDetails,
  }),
  z.strictObject({
    type: z.literal("slot.rescheduled"),
    ...base,
    kind: z.literal("booking"),
    interval: SlotInterval,
    previousInterval: SlotInterval,
    change: BookingChangeKind,
    booking: BookingDetails,
  }),
  z.strictObject({ type: z.literal("schedule.changed"), ...base }),
  z.strictObject({ type: z.literal("snapshot"), seq, ...window, items: z.array(ProviderSnapshotItem) }),
  z.strictObject({ type: z.literal("error"), message: z.string() }),
  z.strictObject({ type: z.literal("pong") }),
]);
export type ProviderMessage = z.infer<typeof ProviderMessage>;

/** Everything a feed can send. */
export type LiveMessage = PublicMessage | ProviderMessage;
export type LiveMessageType = LiveMessage["type"];

/** The events stored in the replay log: the full (provider) form of the sequenced messages. */
export type FeedEvent = Extract<ProviderMessage, { at: string }>;
export type FeedEventType = FeedEvent["type"];
/** A FeedEvent before the log assigns its seq. */
export type NewFeedEvent = FeedEvent extends infer E ? (E extends FeedEvent ? Omit<E, "seq"> : never) : never;

// ---------------------------------------------------------------------------------------------
// The per-booking channel (GET /api/v1/bookings/:code/events and /live, ./booking-status-feed.ts)

/** The header in which the Worker hands the object the booking state it read (set only by the Worker). */
export const BOOKING_STATE_HEADER = "x-booking-state";

/** One booking's state: sent first on subscribing, then once per change. */
export const BookingStatusMessage = z.strictObject({
  type: z.literal("booking.status"),
  bookingId: z.string().min(1).max(64),
  confirmationCode: z.string().max(64),
  status: z.string().max(40),
  start: IsoInstant,
  end: IsoInstant,
  /** The provider's change number of this state (bookings.change_seq): higher is newer; null when the writer did not know it. */
  version: seq.nullable(),
});
export type BookingStatusMessage = z.infer<typeof BookingStatusMessage>;

/** What a booking-channel subscriber can receive. */
export type BookingChannelMessage = BookingStatusMessage | { type: "pong" } | { type: "error"; message: string };

function publicInterval(i: SlotInterval): SlotInterval {
  return { start: i.start, end: i.end, occupiedFrom: i.occupiedFrom, occupiedUntil: i.occupiedUntil };
}

/** The event as a subscriber of `audience` may see it. */
export function toAudience(event: FeedEvent, audience: Audience): LiveMessage {
  if (audience === "provider") return event;
  const { seq: s, at } = event;
  switch (event.type) {
    case "slot.held":
      return { type: event.type, seq: s, at, kind: "hold", interval: publicInterval(event.interval) };
    case "slot.released":
      return { type: event.type, seq: s, at, kind: "hold", interval: publicInterval(event.interval) };
    case "slot.booked":
      return { type: event.type, seq: s, at, kind: "booking", interval: publicInterval(event.interval) };
    case "slot.cancelled":
      return { type: event.type, seq: s, at, kind: "booking", interval: publicInterval(event.interval) };
    case "slot.rescheduled":
      return {
        type: event.type,
        seq: s,
        at,
        kind: "booking",
        interval: publicInterval(event.interval),
        previousInterval: publicInterval(event.previousInterval),
      };
    case "schedule.changed":
      return { type: event.type, seq: s, at };
    default:
      return assertNever(event);
  }
}

export function publicSnapshotItem(item: z.infer<typeof ProviderSnapshotItem>): z.infer<typeof PublicSnapshotItem> {
  return { kind: item.kind, interval: publicInterval(item.interval) };
}

// ---------------------------------------------------------------------------------------------
// Client → server

export const ClientMessage = z.discriminatedUnion("type", [
  z
    .strictObject({ type: z.literal("subscribe"), from: IsoInstant.nullish(), to: IsoInstant.nullish() })
    .refine((m) => !m.from || !m.to || Temporal.Instant.compare(Temporal.Instant.from(m.from), Temporal.Instant.from(m.to)) < 0, {
      message: "from must be before to",
      path: ["to"],
    }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
