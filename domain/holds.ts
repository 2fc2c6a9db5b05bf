// Slot-hold rules, without I/O. A hold reserves a provider's time for one holder (a browser's opaque
// token) while they pay; the Durable Object stores holds and asks these functions for every decision,
// so the rules are unit-testable without workerd. Intervals are half-open (domain/intervals.ts):
// touching holds/bookings never conflict.
import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";
import { type Interval, overlaps, widen } from "./intervals";

/** A hold shorter than this would expire before a payment page loads. */
export const HOLD_TTL_MIN_SECONDS = 30;
/**
 * However often it is extended, a hold ends this many of the server's TTLs after it was granted
 * (2 x 10 minutes by default), so nobody parks on a slot.
 */
export const HOLD_MAX_LIFETIME_TTLS = 2;
/** A service can't be longer than a day (services_duration_positive), buffers a day each at most. */
const MAX_DURATION_MINUTES = 1440;
const MAX_BUFFER_MINUTES = 1440;

export interface Hold {
  id: string;
  holder: string;
  /** Who asked, beyond the free-to-mint holder token: a hash of the client's network address. */
  clientKey?: string | null;
  serviceId: string;
  /** What the customer sees: [start, start + duration). */
  slot: Interval;
  /** What the hold blocks: the slot widened by the service's buffers. */
  occupied: Interval;
  expiresAt: Temporal.Instant;
}

export interface HoldTiming {
  start: Temporal.Instant;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

export type HoldRefusalReason = "HELD" | "BOOKED" | "LIMIT";
export interface HoldRefusal {
  ok: false;
  reason: HoldRefusalReason;
  message: string;
  /** LIMIT: seconds until the first counted hold expires, i.e. when a hold can be had again without releasing one. */
  retryAfterSeconds?: number;
}

/** Whole seconds from `now` until the first of `expiries` (at least 1); undefined when none is known. */
function secondsUntilFirst(now: Temporal.Instant, expiries: readonly Temporal.Instant[]): number | undefined {
  if (expiries.length === 0) return undefined;
  const first = expiries.reduce((a, b) => (Temporal.Instant.compare(a, b) <= 0 ? a : b));
  return Math.max(1, Math.ceil(now.until(first).total({ unit: "seconds" })));
}

function intIn(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DomainError("VALIDATION", `${field} must be an integer between ${min} and ${max}`, { fields: [field] });
  }
}

/** The slot and the occupied interval of a hold: occupied = widen(slot, buffers), exactly as bookings store it. */
export function holdIntervals(timing: HoldTiming): { slot: Interval; occupied: Interval } {
  intIn(timing.durationMinutes, "durationMinutes", 1, MAX_DURATION_MINUTES);
  intIn(timing.bufferBeforeMinutes, "bufferBeforeMinutes", 0, MAX_BUFFER_MINUTES);
  intIn(timing.bufferAfterMinutes, "bufferAfterMinutes", 0, MAX_BUFFER_MINUTES);
  const slot = { start: timing.start, end: timing.start.add({ minutes: timing.durationMinutes }) };
  return { slot, occupied: widen(slot, timing.bufferBeforeMinutes, timing.bufferAfterMinutes) };
}

/**
 * The TTL to apply. The server decides it (`serverSeconds`, the configured HOLD_TTL in seconds); a client
 * may only ask for a SHORTER one, clamped to at least HOLD_TTL_MIN_SECONDS. Clamped rather than
 * rejected: a client asking for "as long as possible" gets the server's TTL, not an error. (A client
 * that could choose an hour, and extend to two, could hide a provider's week from everyone.)
 */
export function resolveTtlSeconds(requested: number | undefined, serverSeconds: number): number {
  const wanted = requested === undefined || !Number.isFinite(requested) ? serverSeconds : Math.floor(requested);
  return Math.min(serverSeconds, Math.max(HOLD_TTL_MIN_SECONDS, wanted));
}

export function expiryFor(now: Temporal.Instant, ttlSeconds: number): Temporal.Instant {
  return now.add({ seconds: ttlSeconds });
}

/**
 * The expiry after an extend: now + ttl, capped at createdAt + HOLD_MAX_LIFETIME_TTLS x the server's
 * TTL, and never earlier than the current expiry (extending must not shorten a hold).
 */
export function extendedExpiry(
  hold: { createdAt: Temporal.Instant; expiresAt: Temporal.Instant },
  now: Temporal.Instant,
  ttlSeconds: number,
  serverSeconds: number,
): Temporal.Instant {
  const cmp = Temporal.Instant.compare;
  const wanted = now.add({ seconds: ttlSeconds });
  const cap = hold.createdAt.add({ seconds: HOLD_MAX_LIFETIME_TTLS * serverSeconds });
  const capped = cmp(wanted, cap) > 0 ? cap : wanted;
  return cmp(capped, hold.expiresAt) < 0 ? hold.expiresAt : capped;
}

/** A hold is live strictly before its expiry instant; at expiresAt it is already gone. */
export function isLive(hold: { expiresAt: Temporal.Instant }, now: Temporal.Instant): boolean {
  return Temporal.Instant.compare(hold.expiresAt, now) > 0;
}

/** The earliest expiry among holds (when the next alarm must fire), or undefined when there are none. */
export function nextExpiry(holds: readonly { expiresAt: Temporal.Instant }[]): Temporal.Instant | undefined {
  let earliest: Temporal.Instant | undefined;
  for (const h of holds) if (!earliest || Temporal.Instant.compare(h.expiresAt, earliest) < 0) earliest = h.expiresAt;
  return earliest;
}

/** Holds that are expired at `now` (expiresAt <= now). */
export function expiredAt(holds: readonly Hold[], now: Temporal.Instant): Hold[] {
  return holds.filter((h) => !isLive(h, now));
}

/** Token comparison that does not stop at the first differing character (holder tokens authorize release). */
export function sameHolder(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** How many live holds one client may have at one provider (the overall cap lives in ClientBudget). */
export interface HoldLimits {
  /** Per holder token (one browser). */
  perHolder: number;
  /** Per client network address (tokens are free to mint, addresses are not). */
  perClient: number;
}

export interface HoldCheckInput {
  holder: string;
  clientKey: string | null;
  serviceId: string;
  slot: Interval;
  occupied: Interval;
  /** Holds that may conflict (the caller may pre-filter; expired ones are ignored here). */
  holds: readonly Hold[];
  /** Occupied intervals of bookings in an occupying status (already widened by their buffers). */
  booked: readonly Interval[];
  /** Live holds of this provider with this holder token OR this client key, anywhere in time. */
  own: readonly Hold[];
  limits: HoldLimits;
  now: Temporal.Instant;
}

export type HoldVerdict = { ok: true; existing: Hold } | { ok: true; existing?: undefined; replaces: Hold[] } | HoldRefusal;

const sameSlot = (a: Hold, b: { serviceId: string; slot: Interval; occupied: Interval }) =>
  a.serviceId === b.serviceId &&
  a.slot.start.equals(b.slot.start) &&
  a.occupied.start.equals(b.occupied.start) &&
  a.occupied.end.equals(b.occupied.end);

/**
 * May this hold be granted? Order: an identical live hold of the same holder is returned as is
 * (a retried request must not fail or create a second hold); the holder's live holds for the SAME
 * service are replaced by the new one (a customer who goes back and picks another time holds one
 * time, not a growing pile: abandoned picks never hide time from others); then conflicts (HELD
 * before BOOKED: a hold is temporary, so "held" tells the customer to try again later; a hold being
 * replaced never conflicts); then the per-holder and per-client limits last, so a customer at the
 * limit who picks a taken slot learns the slot is taken.
 */
export function checkHold(input: HoldCheckInput): HoldVerdict {
  const live = input.holds.filter((h) => isLive(h, input.now));
  const own = input.own.filter((h) => isLive(h, input.now));
  const mine = own.filter((h) => sameHolder(h.holder, input.holder));
  const identical = mine.find((h) => sameSlot(h, input)) ?? live.find((h) => sameHolder(h.holder, input.holder) && sameSlot(h, input));
  if (identical) return { ok: true, existing: identical };
  const replaces = mine.filter((h) => h.serviceId === input.serviceId);
  const replaced = new Set(replaces.map((h) => h.id));
  const clash = live.find((h) => !replaced.has(h.id) && overlaps(h.occupied, input.occupied));
  if (clash) {
    const mineToo = sameHolder(clash.holder, input.holder);
    return {
      ok: false,
      reason: "HELD",
      message: mineToo
        ? "You already hold an overlapping time; release it before holding another."
        : "Someone else is holding this time. It frees up if they do not book it.",
    };
  }
  if (input.booked.some((b) => overlaps(b, input.occupied))) {
    return { ok: false, reason: "BOOKED", message: "This time is already booked." };
  }
  const kept = own.filter((h) => !replaced.has(h.id));
  const holderHolds = kept.filter((h) => sameHolder(h.holder, input.holder));
  if (holderHolds.length >= input.limits.perHolder) {
    return {
      ok: false,
      reason: "LIMIT",
      message: `You can hold at most ${input.limits.perHolder} times with this provider at once; book or release one first.`,
      retryAfterSeconds: secondsUntilFirst(input.now, holderHolds.map((h) => h.expiresAt)),
    };
  }
  const clientHolds = input.clientKey === null ? [] : kept.filter((h) => h.clientKey === input.clientKey);
  if (clientHolds.length >= input.limits.perClient) {
    return {
      ok: false,
      reason: "LIMIT",
      message: `At most ${input.limits.perClient} times with this provider can be held from your network at once; book or release one first.`,
      retryAfterSeconds: secondsUntilFirst(input.now, clientHolds.map((h) => h.expiresAt)),
    };
  }
  return { ok: true, replaces };
}

export type OwnershipFailure = "NOT_FOUND" | "NOT_OWNER" | "EXPIRED";

/**
 * Release/extend are for the holder only. `record` is the hold, or what is remembered of an expired
 * one (so a late "extend" says EXPIRED rather than NOT_FOUND).
 */
export function checkOwnership(
  record: { holder: string; expiresAt: Temporal.Instant } | undefined,
  holder: string,
  now: Temporal.Instant,
): { ok: true } | { ok: false; reason: OwnershipFailure; message: string } {
  if (!record) return { ok: false, reason: "NOT_FOUND", message: "No such hold." };
  if (!sameHolder(record.holder, holder)) return { ok: false, reason: "NOT_OWNER", message: "This hold belongs to someone else." };
  if (!isLive(record, now)) return { ok: false, reason: "EXPIRED", message: "This hold has expired." };
  return { ok: true };
}

export interface ClaimCheckInput {
  holder: string;
  holdId?: string;
  occupied: Interval;
  holds: readonly Hold[];
  now: Temporal.Instant;
}

/**
 * Right before a booking row is inserted: refuse when another holder's live hold overlaps; otherwise
 * the holder's own overlapping holds (and the named one, even if the customer changed the time)
 * are consumed, since the booking now blocks that time itself.
 */
export function checkClaim(input: ClaimCheckInput): { ok: true; consume: Hold[] } | { ok: false; reason: "HELD"; message: string } {
  const live = input.holds.filter((h) => isLive(h, input.now));
  const foreign = live.find((h) => !sameHolder(h.holder, input.holder) && overlaps(h.occupied, input.occupied));
  if (foreign) return { ok: false, reason: "HELD", message: "Someone else is holding this time." };
  const consume = live.filter(
    (h) => sameHolder(h.holder, input.holder) && (overlaps(h.occupied, input.occupied) || h.id === input.holdId),
  );
  return { ok: true, consume };
}

/** A live hold as the client's budget remembers it (see durable-objects/client-budget.ts). */
export interface ClientHold {
  holdId: string;
  holder: string;
  providerId: string;
  serviceId: string;
  /** When the hold ends by itself (unknown for a hold still being asked for). */
  expiresAt?: Temporal.Instant;
}

/**
 * The overall cap across providers for one client: refused when `live` (the client's live holds and
 * reservations) already has `limit` entries, not counting the holder's hold for the same provider and
 * service, which the new hold would replace. The per-provider caps are checkHold's.
 */
export function checkOverallHolds(
  live: readonly ClientHold[],
  request: { holder: string; providerId: string; serviceId: string },
  limit: number,
  now: Temporal.Instant,
): HoldRefusal | null {
  const kept = live.filter(
    (h) => !(sameHolder(h.holder, request.holder) && h.providerId === request.providerId && h.serviceId === request.serviceId),
  );
  if (kept.length < limit) return null;
  return {
    ok: false,
    reason: "LIMIT",
    message: `At most ${limit} times can be held from your network at once; book or release one first.`,
    retryAfterSeconds: secondsUntilFirst(now, kept.flatMap((h) => (h.expiresAt ? [h.expiresAt] : []))),
  };
}

/**
 * Paying from a live hold must never get less than this: a customer who continues with seconds left
 * on the hold still has time to type a card number. See docs/decisions/0016-one-deadline-from-hold-to-payment.md.
 */
export const MIN_PAYMENT_WINDOW: Temporal.DurationLike = Object.freeze({ minutes: 3 });

/**
 * When a new pending booking expires unpaid. Made from the customer's live hold, it keeps the
 * deadline the hold's countdown showed (the hold is consumed, the booking row then blocks the time
 * alone), raised to now + MIN_PAYMENT_WINDOW when that is later; without a hold (the JSON API, or the
 * schedule could not say) a fresh pendingTtl.
 */
export function pendingPaymentDeadline(input: {
  now: Temporal.Instant;
  heldUntil: Temporal.Instant | null;
  pendingTtl: Temporal.DurationLike;
}): Temporal.Instant {
  const { now, heldUntil, pendingTtl } = input;
  if (!heldUntil || Temporal.Instant.compare(heldUntil, now) <= 0) return now.add(pendingTtl);
  const floor = now.add(MIN_PAYMENT_WINDOW);
  return Temporal.Instant.compare(heldUntil, floor) < 0 ? floor : heldUntil;
}
