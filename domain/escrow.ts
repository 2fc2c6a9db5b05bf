// When a provider's share stops being held: a number of calendar days after the service ended, counted
// on the provider's wall clock. "Paid 7 days after your appointment" then means the same hour a week
// later even when the clocks changed in between (167 or 169 elapsed hours across a DST change, not 168).
//
// A wall time that does not exist on the release day (a spring-forward gap) moves later by the gap,
// and one that occurs twice (fall-back) is its first occurrence: Temporal's "compatible" rule, the
// same one availability uses for the edges of working ranges.
import { Temporal } from "@js-temporal/polyfill";

export function escrowReleaseAt(serviceEnd: Temporal.Instant, providerTimeZone: string, escrow: Temporal.DurationLike | Temporal.Duration): Temporal.Instant {
  return serviceEnd.toZonedDateTimeISO(providerTimeZone).add(escrow, { overflow: "constrain" }).toInstant();
}
