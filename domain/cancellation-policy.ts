// Cancellation policy as data: a provider picks tiers, we compute refunds and explain them.
//
// Decisions (each one is pinned by tests/unit/cancellation-policy.test.ts):
// - Tier boundaries are INCLUSIVE: a tier applies when the cancellation happens at or before
//   `serviceStart − minHoursBefore`. Cancelling exactly 24 h 0 s before gets the "24 h" tier;
//   one nanosecond later drops to the next tier. "Until 24 hours before" reads that way to people.
// - At or after the start instant a customer/guest cancellation refunds 0 %, whatever the tiers
//   say (a minHoursBefore: 0 tier covers "any time before the start", not the start itself).
// - Tiers must be listed by strictly decreasing minHoursBefore with non-increasing refundPercent,
//   so cancelling earlier never refunds less. A time not covered by any tier refunds 0 %.
// - Cancellation by the provider, admin or system refunds providerCancellationRefundPercent, which
//   the marketplace fixes at 100: a customer never pays for a booking the other side called off.
//   It is a field (not a constant) so stored policies are self-describing.
// - Refund = round-half-up(paid × percent / 100) in integers: on a tie the half minor unit goes to
//   the customer (same rounding as the platform fee). Since percent ≤ 100 it never exceeds `paid`.
// - minHoursBefore is whole hours because Temporal durations are integral and providers think in
//   hours; compared with Temporal (Instant.subtract), no hand millisecond math.

import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { ActorType } from "./booking-states";
import { DomainError } from "./errors";
import { assertNonNegative, formatMoney, money, mulDivRoundHalfUp, type Money } from "./money";
import { MAX_TIERS } from "./provider-setup";

const MAX_HOURS_BEFORE = 24 * 366; // a year ahead is already a generous notice period

export const CancellationTierSchema = z.object({
  minHoursBefore: z.number().int().min(0).max(MAX_HOURS_BEFORE),
  refundPercent: z.number().int().min(0).max(100),
});

export const CancellationPolicySchema = z
  .object({
    tiers: z.array(CancellationTierSchema).min(1).max(MAX_TIERS),
    providerCancellationRefundPercent: z.literal(100),
  })
  .superRefine((policy, ctx) => {
    policy.tiers.forEach((tier, i) => {
      const previous = policy.tiers[i - 1];
      if (!previous) return;
      if (tier.minHoursBefore >= previous.minHoursBefore) {
        ctx.addIssue({
          code: "custom",
          path: ["tiers", i, "minHoursBefore"],
          message: "Tiers must be ordered by strictly decreasing minHoursBefore",
        });
      }
      if (tier.refundPercent > previous.refundPercent) {
        ctx.addIssue({
          code: "custom",
          path: ["tiers", i, "refundPercent"],
          message: "A later tier cannot refund more than an earlier one",
        });
      }
    });
  });

export type CancellationTier = z.infer<typeof CancellationTierSchema>;
export type CancellationPolicy = z.infer<typeof CancellationPolicySchema>;

/** Full refund until 24 h before, 50 % until 2 h before, nothing after. */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = Object.freeze({
  tiers: Object.freeze([
    Object.freeze({ minHoursBefore: 24, refundPercent: 100 }),
    Object.freeze({ minHoursBefore: 2, refundPercent: 50 }),
    Object.freeze({ minHoursBefore: 0, refundPercent: 0 }),
  ]) as CancellationTier[],
  providerCancellationRefundPercent: 100,
});

export interface RefundDecision {
  refund: Money;
  percent: number;
  /** The tier that applied; null for provider-side cancellations, after the start, or no tier matched. */
  tier: CancellationTier | null;
  explanation: string;
}

export function refundFor(
  policy: CancellationPolicy,
  input: { paid: Money; serviceStart: Temporal.Instant; at: Temporal.Instant; cancelledBy: ActorType },
): RefundDecision {
  const { paid, serviceStart, at, cancelledBy } = input;
  assertNonNegative(paid, "paid");
  const decide = (percent: number, tier: CancellationTier | null, explanation: string): RefundDecision => ({
    refund: money(mulDivRoundHalfUp(paid.amount, percent, 100), paid.currency),
    percent,
    tier,
    explanation,
  });

  if (cancelledBy === "provider" || cancelledBy === "admin" || cancelledBy === "system") {
    const percent = policy.providerCancellationRefundPercent;
    const who = cancelledBy === "provider" ? "the provider" : cancelledBy === "admin" ? "support" : "the platform";
    return decide(percent, null, `Cancelled by ${who}: ${refundLabel(percent).toLowerCase()}.`);
  }

  if (Temporal.Instant.compare(at, serviceStart) >= 0) {
    return decide(0, null, "Cancelled after the service started: no refund.");
  }

  const notice = describeNotice(at, serviceStart);
  const index = matchingTierIndex(policy, serviceStart, at);
  const tier = index === -1 ? undefined : policy.tiers[index];
  if (!tier) {
    return decide(0, null, `Cancelled ${notice} before the start, later than any refund tier: no refund.`);
  }
  return decide(
    tier.refundPercent,
    tier,
    `Cancelled ${notice} before the start: ${refundLabel(tier.refundPercent).toLowerCase()} ` +
      `(${tierWindow(tier, policy.tiers[index - 1])}).`,
  );
}

/** Index of the first tier (ordered earliest cut-off first) whose cut-off the cancellation met, or -1. */
function matchingTierIndex(policy: CancellationPolicy, serviceStart: Temporal.Instant, at: Temporal.Instant): number {
  return policy.tiers.findIndex((tier) => {
    const cutoff = serviceStart.subtract({ hours: tier.minHoursBefore });
    return Temporal.Instant.compare(at, cutoff) <= 0;
  });
}

function describeNotice(at: Temporal.Instant, serviceStart: Temporal.Instant): string {
  const d = at.until(serviceStart, { largestUnit: "hours", smallestUnit: "minutes", roundingMode: "trunc" });
  if (d.hours === 0) return `${d.minutes} min`;
  return d.minutes === 0 ? hoursText(d.hours) : `${d.hours} h ${d.minutes} min`;
}

function refundLabel(percent: number): string {
  if (percent === 100) return "Full refund";
  if (percent === 0) return "No refund";
  return `${percent}% refund`;
}

function tierWindow(tier: CancellationTier, previous: CancellationTier | undefined): string {
  // "No refund (any time before the start)" would read as a contradiction; name the window it is in.
  if (tier.refundPercent === 0 && previous) return `less than ${hoursText(previous.minHoursBefore)} before the start`;
  return tier.minHoursBefore === 0
    ? "any time before the start"
    : `at least ${hoursText(tier.minHoursBefore)} before the start`;
}

function hoursText(hours: number): string {
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return hours === 1 ? "1 hour" : `${hours} hours`;
}

/**
 * Human-readable policy, one line per distinct refund level, e.g. for the default policy:
 *   "Full refund until 24 hours before the start"
 *   "50% refund until 2 hours before the start"
 *   "No refund less than 2 hours before the start"
 *   "Full refund if the provider cancels"
 */
export function describePolicy(policy: CancellationPolicy): string[] {
  const lines: string[] = [];
  // Adjacent tiers with the same percent read as one window ending at the later cut-off.
  const groups: CancellationTier[] = [];
  for (const tier of policy.tiers) {
    const last = groups[groups.length - 1];
    if (last && last.refundPercent === tier.refundPercent) groups[groups.length - 1] = tier;
    else groups.push(tier);
  }
  let previous: CancellationTier | undefined;
  for (const tier of groups) {
    if (tier.refundPercent > 0) {
      const until = tier.minHoursBefore === 0 ? "the start" : `${hoursText(tier.minHoursBefore)} before the start`;
      lines.push(`${refundLabel(tier.refundPercent)} until ${until}`);
    } else {
      lines.push(
        previous
          ? `No refund less than ${hoursText(previous.minHoursBefore)} before the start`
          : "No refund when you cancel",
      );
    }
    previous = tier;
  }
  const last = groups[groups.length - 1];
  if (last && last.refundPercent > 0) {
    lines.push(
      last.minHoursBefore === 0
        ? "No refund once the service has started"
        : `No refund less than ${hoursText(last.minHoursBefore)} before the start`,
    );
  }
  lines.push(`${refundLabel(policy.providerCancellationRefundPercent)} if the provider cancels`);
  return lines;
}

/**
 * Rescheduling is allowed exactly while a customer cancellation would still be fully refunded:
 * until the cut-off of the last 100 % tier (inclusive, like refunds), and never at/after the
 * start. Otherwise a customer could dodge the late-cancellation fee by moving the booking and then
 * cancelling the new one. Null when the policy has no 100 % tier (never reschedulable).
 */
export function rescheduleDeadline(policy: CancellationPolicy, serviceStart: Temporal.Instant): Temporal.Instant | null {
  let fullRefundTier: CancellationTier | undefined;
  for (const tier of policy.tiers) if (tier.refundPercent === 100) fullRefundTier = tier;
  return fullRefundTier ? serviceStart.subtract({ hours: fullRefundTier.minHoursBefore }) : null;
}

/** Returns the deadline when allowed; throws POLICY_FORBIDS otherwise. */
export function rescheduleAllowed(
  policy: CancellationPolicy,
  input: { serviceStart: Temporal.Instant; at: Temporal.Instant },
): { allowed: true; deadline: Temporal.Instant } {
  const { serviceStart, at } = input;
  const deadline = rescheduleDeadline(policy, serviceStart);
  if (!deadline) {
    throw new DomainError("POLICY_FORBIDS", "This booking's cancellation policy does not allow rescheduling", {
      reason: "no_full_refund_tier",
    });
  }
  if (Temporal.Instant.compare(at, serviceStart) >= 0 || Temporal.Instant.compare(at, deadline) > 0) {
    throw new DomainError("POLICY_FORBIDS", "It is too late to reschedule this booking", {
      reason: "past_deadline",
      deadline: deadline.toString(),
    });
  }
  return { allowed: true, deadline };
}

/**
 * The refund in one sentence for the customer ("You get back $30.00 (full refund)."). `paid` 0 means
 * nothing was charged (mid-checkout, or only authorised), which is not the same as "no refund".
 */
export function refundSentence(refund: Money, percent: number, paid: number, tense: "now" | "done" = "now"): string {
  if (paid === 0) return tense === "now" ? "Nothing has been charged, so there is nothing to refund." : "Nothing had been charged, so nothing was refunded.";
  if (refund.amount === 0) return tense === "now" ? "You get nothing back (no refund)." : "Nothing was refunded (no refund).";
  const label = refundLabel(percent).toLowerCase();
  return `${tense === "now" ? "You get back" : "Refunded"} ${formatMoney(refund)} (${label}).`;
}

export interface RefundWindow {
  percent: number;
  refund: Money;
  /** Last instant (inclusive, like refundFor) a customer cancellation still gets `percent`. */
  until: Temporal.Instant;
}

export interface RefundDeadlines {
  /** Windows still open at `now`, most generous first; adjacent tiers with the same percent read as one. */
  windows: RefundWindow[];
  /** From just after this instant nothing is refunded; null when no tier ever refunds anything. */
  noRefundAfter: Temporal.Instant | null;
}

/**
 * The policy's cut-offs as concrete instants for one booking, for "free cancellation until Fri 12 Dec,
 * 09:00". Tiers count elapsed hours (Instant.subtract, as refundFor does), so across a DST change the
 * wall-clock deadline moves by the hour: 24 h before 09:00 on the day after spring-forward is 08:00.
 * A tier with minHoursBefore 0 ends at the start itself (refundFor gives 0 % at the start instant).
 */
export function refundDeadlines(
  policy: CancellationPolicy,
  input: { paid: Money; serviceStart: Temporal.Instant; now: Temporal.Instant },
): RefundDeadlines {
  const { paid, serviceStart, now } = input;
  assertNonNegative(paid, "paid");
  const all: RefundWindow[] = [];
  for (const tier of policy.tiers) {
    if (tier.refundPercent === 0) continue;
    const until = serviceStart.subtract({ hours: tier.minHoursBefore });
    const window = { percent: tier.refundPercent, refund: money(mulDivRoundHalfUp(paid.amount, tier.refundPercent, 100), paid.currency), until };
    const last = all[all.length - 1];
    if (last && last.percent === tier.refundPercent) all[all.length - 1] = window;
    else all.push(window);
  }
  const last = all[all.length - 1];
  return {
    // A window whose cut-off has passed is no longer on offer; at or after the start none is.
    windows: Temporal.Instant.compare(now, serviceStart) >= 0 ? [] : all.filter((w) => Temporal.Instant.compare(now, w.until) <= 0),
    noRefundAfter: last ? last.until : null,
  };
}
