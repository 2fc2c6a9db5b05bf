// The booking state machine, held as data so the same table drives validation here, the admin UI,
// the property tests and (by hand, kept in sync) the DB exclusion constraint's WHERE clause.
//
// States from the architecture document:
//   pending → payment_failed | confirmed | cancelled
//   payment_failed → pending | cancelled
//   confirmed → in_progress | cancelled | no_show
//   in_progress → completed | cancelled
//   completed | cancelled | no_show → refunded
//   refunded is terminal
//
// Product states added on top (and why):
//   awaiting_approval – some services need the provider to accept each booking. We authorize the
//     card with manual capture (pending → awaiting_approval once the authorization succeeds), so the
//     customer is not charged for a booking that may be declined. The provider accepts
//     (→ confirmed, we capture), declines (→ cancelled, we void the authorization), or does not
//     answer in time (→ expired, the authorization is voided). It blocks the slot while waiting,
//     otherwise a second customer could take the time the provider is about to accept.
//   expired – a booking that was never paid within its TTL (pending / payment_failed) or an approval
//     request nobody answered (awaiting_approval). Distinct from `cancelled` because nobody chose
//     it: reporting, "why did my booking disappear" support answers, and refund logic all differ.
//     Terminal: nothing was captured, so there is nothing to refund.

import { Temporal } from "@js-temporal/polyfill";
import { DomainError } from "./errors";

export const BOOKING_STATUSES = [
  "pending",
  "awaiting_approval",
  "payment_failed",
  "confirmed",
  "in_progress",
  "completed",
  "cancelled",
  "no_show",
  "refunded",
  "expired",
] as const;

export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = Object.freeze({
  pending: Object.freeze(["awaiting_approval", "payment_failed", "confirmed", "cancelled", "expired"] as const),
  awaiting_approval: Object.freeze(["confirmed", "cancelled", "expired"] as const),
  payment_failed: Object.freeze(["pending", "cancelled", "expired"] as const),
  confirmed: Object.freeze(["in_progress", "cancelled", "no_show"] as const),
  in_progress: Object.freeze(["completed", "cancelled"] as const),
  completed: Object.freeze(["refunded"] as const),
  cancelled: Object.freeze(["refunded"] as const),
  no_show: Object.freeze(["refunded"] as const),
  refunded: Object.freeze([] as const),
  expired: Object.freeze([] as const),
});

/**
 * States whose interval is blocked by the DB exclusion constraint. Must match the constraint's
 * `WHERE status IN (...)` exactly, otherwise the DO and Postgres disagree about availability.
 * `completed` stays occupying so served time can never be double-booked after the fact; cancelled,
 * no_show, refunded, expired and payment_failed release the time: a declined card must not lock a
 * slot, and its retry (payment_failed → pending) re-enters an occupying state, so the constraint
 * re-checks that the time is still free.
 */
export const OCCUPYING_STATUSES: readonly BookingStatus[] = Object.freeze([
  "pending",
  "awaiting_approval",
  "confirmed",
  "in_progress",
  "completed",
]);

/** No outgoing transitions. Derived from the table so it can't drift from it. */
export const TERMINAL_STATUSES: readonly BookingStatus[] = Object.freeze(
  BOOKING_STATUSES.filter((s) => TRANSITIONS[s].length === 0),
);

export function isBookingStatus(value: unknown): value is BookingStatus {
  return typeof value === "string" && (BOOKING_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: BookingStatus, to: BookingStatus): boolean {
  // Guard with isBookingStatus: callers pass DB strings cast to BookingStatus, and an unknown
  // `from` would otherwise crash on `undefined.includes`.
  return isBookingStatus(from) && isBookingStatus(to) && TRANSITIONS[from].includes(to);
}

export function assertTransition(from: BookingStatus, to: BookingStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError("ILLEGAL_TRANSITION", `Cannot move a booking from ${from} to ${to}`, {
      from,
      to,
      allowed: isBookingStatus(from) ? [...TRANSITIONS[from]] : [],
    });
  }
}

export function isTerminal(status: BookingStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function occupiesTime(status: BookingStatus): boolean {
  return OCCUPYING_STATUSES.includes(status);
}

// ---------------------------------------------------------------------------------------------
// Audit trail

export type ActorType = "customer" | "guest" | "provider" | "admin" | "system";

export interface Actor {
  type: ActorType;
  /** null for `system` and for guests identified only by their manage token. */
  id: string | null;
}

/** The platform itself: payment outcomes, timers, settlements. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ type: "system", id: null });

export interface TransitionRecord {
  from: BookingStatus | null;
  to: BookingStatus;
  actor: Actor;
  reason: string;
  /** ISO 8601 instant (with offset/Z). */
  at: string;
}

/**
 * Folds an audit trail into the status it leads to. The first record must be the creation
 * (from=null → pending); every later record must start where the previous one ended and be a legal
 * move. This is how we detect a tampered or gapped trail (no self-transitions exist, so dropping
 * or editing any record except the last breaks the chain).
 *
 * Timestamps are validated as instants but deliberately NOT required to be increasing: records are
 * written by different processes (Durable Object, webhook handler) whose clocks can skew, and the
 * trail's order is the insertion order, not `at`.
 */
export function replay(records: readonly TransitionRecord[]): BookingStatus {
  const first = records[0];
  if (!first) {
    throw new DomainError("ILLEGAL_TRANSITION", "An audit trail needs at least the creation record", { index: 0 });
  }
  let current: BookingStatus = first.to;
  for (const [index, record] of records.entries()) {
    assertInstant(record.at, index);
    if (index === 0) {
      if (record.from !== null || record.to !== "pending") {
        throw new DomainError("ILLEGAL_TRANSITION", "An audit trail must start with the creation (null → pending)", {
          index,
          from: record.from,
          to: record.to,
        });
      }
      continue;
    }
    if (record.from !== current) {
      throw new DomainError(
        "ILLEGAL_TRANSITION",
        `Audit trail broken at record ${index}: it starts from ${String(record.from)} but the booking was ${current}`,
        { index, expected: current, from: record.from, to: record.to },
      );
    }
    try {
      assertTransition(record.from, record.to);
    } catch (error) {
      if (error instanceof DomainError) error.details.index = index;
      throw error;
    }
    current = record.to;
  }
  return current;
}

function assertInstant(at: string, index: number): void {
  try {
    Temporal.Instant.from(at);
  } catch {
    throw new DomainError("VALIDATION", `Audit record ${index} has an invalid timestamp`, { index, at, fields: ["at"] });
  }
}

// ---------------------------------------------------------------------------------------------
// Who may request which move (policy as data)
//
// Role-level only: that a customer/guest owns the booking, or that the provider is the booking's
// provider, needs the booking row and is checked by the caller before this.

type Moves = Readonly<Partial<Record<BookingStatus, readonly BookingStatus[]>>>;
const moves = (m: Moves): Moves => Object.freeze(m);

const CUSTOMER_MOVES = moves({
  // Cancel own booking any time before it starts being served; refund amount is the policy's job.
  pending: ["cancelled"],
  awaiting_approval: ["cancelled"],
  confirmed: ["cancelled"],
  // Retry (back to pending with a new payment attempt) or give up after a declined card.
  payment_failed: ["pending", "cancelled"],
});

export const ACTOR_MOVES: Readonly<Record<ActorType, Moves>> = Object.freeze({
  customer: CUSTOMER_MOVES,
  // Guests hold the same rights as customers over their booking (proved by the manage token).
  guest: CUSTOMER_MOVES,
  provider: moves({
    // Accept / decline an approval request.
    awaiting_approval: ["confirmed", "cancelled"],
    // Run the appointment, and cancel when they cannot honour it (customer gets the
    // provider-cancellation refund). Not `pending`: the customer is mid-checkout; wait for the
    // payment outcome instead of racing it.
    confirmed: ["in_progress", "no_show", "cancelled"],
    in_progress: ["completed", "cancelled"],
  }),
  // Payment outcomes, TTL expiry and refund settlement are driven by webhooks and timers.
  system: moves({
    pending: ["awaiting_approval", "payment_failed", "confirmed", "expired"],
    payment_failed: ["pending", "expired"],
    awaiting_approval: ["expired"],
    completed: ["refunded"],
    cancelled: ["refunded"],
    no_show: ["refunded"],
  }),
  // Support can do anything the state machine allows.
  admin: TRANSITIONS,
});

export function actorMay(actor: Actor, from: BookingStatus, to: BookingStatus): boolean {
  if (!canTransition(from, to)) return false;
  const moves = ACTOR_MOVES[actor.type];
  return moves?.[from]?.includes(to) ?? false;
}

/**
 * Throws ILLEGAL_TRANSITION when nobody could make the move (a 409: the booking's state changed),
 * FORBIDDEN when the move is legal but not for this actor (a 403).
 */
export function assertActorMay(actor: Actor, from: BookingStatus, to: BookingStatus): void {
  assertTransition(from, to);
  // Humans other than guests must be identified; a null id here is a wiring bug, fail closed.
  const needsId = actor.type === "customer" || actor.type === "provider" || actor.type === "admin";
  if (needsId && !actor.id) {
    throw new DomainError("FORBIDDEN", `A ${actor.type} must be identified to change a booking`, {
      actor: actor.type,
      from,
      to,
    });
  }
  if (!actorMay(actor, from, to)) {
    throw new DomainError("FORBIDDEN", `A ${actor.type} may not move a booking from ${from} to ${to}`, {
      actor: actor.type,
      from,
      to,
      allowed: [...(ACTOR_MOVES[actor.type]?.[from] ?? [])],
    });
  }
}
