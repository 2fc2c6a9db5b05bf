// Cancelling (customer, guest with the manage token, provider, admin) and the provider's answer to an
// approval request (accept → confirmed, decline → cancelled). The refund is decided by the domain
// (refundFor over the booking's policy snapshot) from the row as locked in the transaction, recorded in
// the transition metadata and the booking_event, and handed to BookingHooks.onBookingCancelled after
// commit: issuing the Stripe refund is the payments work's part.
import type { Temporal } from "@js-temporal/polyfill";
import type { Actor, BookingStatus } from "../../domain/booking-states";
import { refundFor, type RefundDecision } from "../../domain/cancellation-policy";
import { DomainError } from "../../domain/errors";
import { money } from "../../domain/money";
import type { Database } from "../../db/client";
import type { BookingRow } from "../../db/queries/bookings";
import { loadBookingFor, type BookingAccess } from "./booking-access";
import { policyOf, toBookingView, type BookingView } from "./booking-view";
import { logEvent, resolveDeps, toDate, toInstant, type ServiceDeps } from "./context";
import { transitionBooking } from "./transition-booking";

/**
 * Statuses in which the customer has been charged, per the state machine: pending is mid-checkout,
 * awaiting_approval only authorised (the authorisation is voided on cancel), so nothing to refund.
 * The payments work may switch this to the captured amounts in `payments` once they are recorded.
 */
export const CHARGED_STATUSES: readonly BookingStatus[] = Object.freeze(["confirmed", "in_progress"]);

export function paidAmount(booking: Pick<BookingRow, "status" | "totalAmount">): number {
  return CHARGED_STATUSES.includes(booking.status) ? booking.totalAmount : 0;
}

export interface RefundJson {
  amount: number;
  currency: string;
  percent: number;
  explanation: string;
}

/** `paid` 0: nothing was charged (mid-checkout or only authorised), so "full refund" would mislead. */
export function refundJson(decision: RefundDecision, paid: number): RefundJson {
  const explanation = paid === 0 ? "Nothing has been charged for this booking, so there is nothing to refund." : decision.explanation;
  return { amount: decision.refund.amount, currency: decision.refund.currency, percent: decision.percent, explanation };
}

export interface CancelRequest {
  code: string;
  access: BookingAccess;
  reason?: string;
  expectedVersion?: number;
}

export interface CancelResult {
  booking: BookingView;
  refund: RefundJson;
  /** What had been charged when the refund was decided (0: nothing, so "no refund" would mislead). */
  paid: number;
}

interface CancelRules {
  /** Only these actor types may use this operation. */
  actors?: readonly Actor["type"][];
  /** Only from this status (checked on the locked row). */
  onlyFrom?: BookingStatus;
  eventType: string;
  defaultReason: (actor: Actor) => string;
}

function requireActor(actor: Actor, allowed: readonly Actor["type"][] | undefined, what: string): void {
  if (allowed && !allowed.includes(actor.type)) {
    throw new DomainError("FORBIDDEN", `Only the provider or support can ${what} a booking`, { actor: actor.type });
  }
}

function requireStatus(locked: BookingRow, status: BookingStatus | undefined, what: string): void {
  if (status && locked.status !== status) {
    throw new DomainError("ILLEGAL_TRANSITION", `Only a booking awaiting approval can be ${what}; this one is ${locked.status}`, {
      from: locked.status,
      expected: status,
    });
  }
}

async function cancelWith(db: Database, request: CancelRequest, rules: CancelRules, deps: ServiceDeps): Promise<CancelResult> {
  const { hooks, now: clock } = resolveDeps(deps);
  const now: Temporal.Instant = clock();
  const { found, actor } = await loadBookingFor(db, request.code, request.access, toDate(now));
  requireActor(actor, rules.actors, "decline");
  let decision: RefundDecision | undefined;
  let paidAtCancel = 0; // decided on the locked row, like the refund
  const result = await transitionBooking(
    db,
    {
      bookingId: found.booking.id,
      to: "cancelled",
      actor,
      reason: request.reason || rules.defaultReason(actor),
      expectedVersion: request.expectedVersion,
      eventType: rules.eventType,
      bumpIcsSequence: true,
      decide: (locked) => {
        requireStatus(locked, rules.onlyFrom, "declined");
        const paid = paidAmount(locked);
        paidAtCancel = paid;
        decision = refundFor(policyOf(locked), {
          paid: money(paid, locked.currency),
          serviceStart: toInstant(locked.startsAt),
          at: now,
          cancelledBy: actor.type,
        });
        const refund = { ...refundJson(decision, paid), paid, tier: decision.tier };
        return { metadata: { refund }, eventData: { refund } };
      },
    },
    { ...deps, now: () => now },
  );
  try {
    await hooks.onBookingCancelled?.({ db, booking: result.booking, refund: decision! });
  } catch (error) {
    // Committed already; the refund can be retried from the recorded metadata, the cancel must not "fail".
    logEvent("booking.refund_hook_failed", { bookingId: result.booking.id, message: error instanceof Error ? error.message : String(error) }, "error");
  }
  return { booking: toBookingView(result.booking, found), refund: refundJson(decision!, paidAtCancel), paid: paidAtCancel };
}

export function cancelBooking(db: Database, request: CancelRequest, deps: ServiceDeps = {}): Promise<CancelResult> {
  return cancelWith(db, request, { eventType: "cancelled", defaultReason: (a) => `Cancelled by ${a.type}` }, deps);
}

/** Provider (or support) turns down an approval request: awaiting_approval → cancelled. */
export function declineBooking(db: Database, request: CancelRequest, deps: ServiceDeps = {}): Promise<CancelResult> {
  return cancelWith(
    db,
    request,
    { actors: ["provider", "admin"], onlyFrom: "awaiting_approval", eventType: "declined", defaultReason: () => "Declined by the provider" },
    deps,
  );
}

/** Provider (or support) accepts an approval request: awaiting_approval → confirmed. Capturing the payment is the payments work's part. */
export async function acceptBooking(
  db: Database,
  request: { code: string; access: BookingAccess; expectedVersion?: number },
  deps: ServiceDeps = {},
): Promise<{ booking: BookingView }> {
  const { now: clock } = resolveDeps(deps);
  const now = clock();
  const { found, actor } = await loadBookingFor(db, request.code, request.access, toDate(now));
  if (actor.type !== "provider" && actor.type !== "admin") {
    throw new DomainError("FORBIDDEN", "Only the provider or support can accept a booking", { actor: actor.type });
  }
  const result = await transitionBooking(
    db,
    {
      bookingId: found.booking.id,
      to: "confirmed",
      actor,
      reason: "Accepted by the provider",
      expectedVersion: request.expectedVersion,
      eventType: "accepted",
      decide: (locked) => {
        requireStatus(locked, "awaiting_approval", "accepted");
        return {};
      },
    },
    { ...deps, now: () => now },
  );
  // Payments seam (added by the payments work): capture after commit; a failure is logged and retried
  // by housekeeping, the accept itself has succeeded.
  try {
    await resolveDeps(deps).hooks.onBookingAccepted?.({ db, booking: result.booking });
  } catch (error) {
    logEvent("booking.capture_hook_failed", { bookingId: result.booking.id, message: error instanceof Error ? error.message : String(error) }, "error");
  }
  return { booking: toBookingView(result.booking, found) };
}
