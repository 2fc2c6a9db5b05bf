// SchedulePort over the provider's Durable Object (durable-objects/provider-schedule.ts), one object
// per provider addressed by idFromName(providerId). Instants cross the RPC boundary as ISO strings.
//
// Failure policy: the object is an early warning and a live feed; Postgres is the guarantee. So
// bookingChanged swallows and logs errors (the change is committed, the object re-syncs its mirror
// from Postgres), while liveHolds / claimForBooking errors propagate and the services decide (they
// log and carry on with Postgres alone). The port is wired with mail and payments in ../composition.ts.
import { Temporal } from "@js-temporal/polyfill";
import type { BookingStatus } from "../../domain/booking-states";
import { instantText } from "../../domain/instant-text";
import { overlaps, type Interval } from "../../domain/intervals";
import type { BookingChange as DoBookingChange, ScheduleTarget } from "../../durable-objects/schedule-rpc";
import type { Env } from "../env";
import { logEvent } from "./context";
import type { BookingChange, BookingInterval, SchedulePort } from "./ports";

type DoKind = DoBookingChange["kind"];

/** The object's change vocabulary, from ours plus the status the booking is in now. */
export function doKindFor(change: Pick<BookingChange, "kind" | "details">): DoKind {
  const status: BookingStatus = change.details.status;
  switch (change.kind) {
    case "created":
    case "occupied":
      return "booked";
    case "rescheduled":
      return "rescheduled";
    case "released":
      return status === "expired" ? "expired" : status === "payment_failed" ? "payment_failed" : "cancelled";
    case "updated":
      if (status === "completed") return "completed";
      if (status === "confirmed" || status === "in_progress") return "confirmed";
      if (status === "pending" || status === "awaiting_approval") return "booked";
      return "cancelled"; // between two non-occupying states (e.g. cancelled → refunded): not on the calendar
  }
}

function isoInterval(i: BookingInterval) {
  return {
    start: instantText(i.start),
    end: instantText(i.end),
    occupiedFrom: instantText(i.occupiedFrom),
    occupiedUntil: instantText(i.occupiedUntil),
  };
}

export function toDoChange(change: BookingChange): DoBookingChange {
  return {
    kind: doKindFor(change),
    bookingId: change.bookingId,
    ...(change.seq !== undefined ? { seq: change.seq } : {}),
    interval: isoInterval(change.interval),
    ...(change.previousInterval ? { previousInterval: isoInterval(change.previousInterval) } : {}),
    // Exactly the fields the object's schema allows (it validates strictly), clipped to its limits.
    details: {
      confirmationCode: change.details.confirmationCode.slice(0, 64),
      customerName: change.details.customerName.slice(0, 200),
      serviceName: change.details.serviceName.slice(0, 200),
      status: change.details.status,
    },
  };
}


export function durableObjectSchedulePort(env: Pick<Env, "PROVIDER_SCHEDULE">): SchedulePort {
  return schedulePortOver((providerId) => env.PROVIDER_SCHEDULE.get(env.PROVIDER_SCHEDULE.idFromName(providerId)));
}

/** The port over provider objects reached through `stub` (itself, for code running inside one). */
export function schedulePortOver(stub: (providerId: string) => ScheduleTarget): SchedulePort {
  return {
    async liveHolds(providerId: string, window: Interval): Promise<Interval[]> {
      // The object lists all live holds of the provider (a handful: they last minutes); filter here.
      const { holds } = await stub(providerId).publicHolds();
      return holds
        .map((h) => ({ start: Temporal.Instant.from(h.occupiedFrom), end: Temporal.Instant.from(h.occupiedUntil) }))
        .filter((h) => overlaps(h, window));
    },

    async claimForBooking(args) {
      const result = await stub(args.providerId).claimForBooking({
        holder: args.holder,
        holdId: args.holdId,
        occupiedFrom: instantText(args.occupiedFrom),
        occupiedUntil: instantText(args.occupiedUntil),
        bookingId: args.bookingId,
      });
      return result.ok ? { ok: true, ...(result.heldUntil ? { heldUntil: Temporal.Instant.from(result.heldUntil) } : {}) } : { ok: false, reason: result.reason, message: result.message };
    },

    async bookingChanged(providerId: string, change: BookingChange): Promise<void> {
      try {
        await stub(providerId).bookingChanged(toDoChange(change));
      } catch (error) {
        logEvent("schedule.booking_changed_failed", {
          providerId,
          bookingId: change.bookingId,
          kind: change.kind,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}
