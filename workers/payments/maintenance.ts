// The payments part of the housekeeping job (every minute). Each step repairs something a crash or a
// lost call can leave behind, is idempotent, and is isolated: one failing step is reported in the
// job's details and does not stop the others (nor the rest of housekeeping).
//  1. captured bookings without a payout schedule get one;
//  2. authorisations of bookings the provider accepted are captured if that did not happen;
//  3. intents of expired / cancelled bookings that can still move money are voided (this is how an
//     unanswered approval request's authorisation is released once the booking has expired);
//  4. money captured after its booking died is refunded if the refund after that webhook failed;
//  5. reconciliation, once an hour.
import { Temporal } from "@js-temporal/polyfill";
import type { Database } from "../../db/client";
import { autoRefundDue, openPaymentsOfDeadBookings, paymentsWithAutoRefundDue, uncapturedAcceptedPayments } from "../../db/queries/payments";
import { ensurePayoutSchedules } from "./escrow";
import { capturePaymentForBooking } from "./hooks";
import { reconcileIfDue } from "./reconciliation";
import { settleFollowUp, voidOpenPayments } from "./refunds";
import { stripeErrorMessage, type PaymentsDeps } from "./stripe-client";

export interface MaintenanceOptions {
  now?: Temporal.Instant;
  /** Default true; tests switch the hourly reconciliation off. */
  reconcile?: boolean;
  limit?: number;
  /** Only these bookings (tests on a shared database). */
  bookingIds?: string[];
}

export async function paymentsMaintenance(db: Database, deps: PaymentsDeps, options: MaintenanceOptions = {}): Promise<Record<string, unknown>> {
  const now = options.now ?? deps.now?.() ?? Temporal.Now.instant();
  const limit = options.limit ?? 50;
  const details: Record<string, unknown> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    try {
      details[name] = await fn();
    } catch (error) {
      details[name] = { error: stripeErrorMessage(error) };
    }
  };
  await step("payoutSchedulesCreated", () => ensurePayoutSchedules(db, deps.config.ESCROW_PERIOD, limit, options.bookingIds));
  await step("capturesRetried", async () => {
    let n = 0;
    for (const payment of await uncapturedAcceptedPayments(db, limit, options.bookingIds)) {
      await capturePaymentForBooking(db, deps, payment.bookingId);
      n++;
    }
    return n;
  });
  await step("intentsVoided", async () => {
    let n = 0;
    const seen = new Set<string>();
    for (const { payment } of await openPaymentsOfDeadBookings(db, limit, options.bookingIds)) {
      if (seen.has(payment.bookingId)) continue;
      seen.add(payment.bookingId);
      n += await voidOpenPayments(db, deps, payment.bookingId, "abandoned");
    }
    return n;
  });
  await step("autoRefundsRetried", async () => {
    let n = 0;
    for (const payment of await paymentsWithAutoRefundDue(db, limit, options.bookingIds)) {
      const due = await autoRefundDue(db, payment.bookingId, payment.stripePaymentIntentId);
      if (!due) continue;
      await settleFollowUp(db, deps, {
        paymentIntentId: payment.stripePaymentIntentId,
        bookingId: payment.bookingId,
        moved: [],
        capturePosted: false,
        followUp: { kind: "refund", amount: due.amount, reason: due.reason },
      });
      n++;
    }
    return n;
  });
  if (options.reconcile !== false) {
    await step("reconciliation", async () => {
      const summary = await reconcileIfDue(db, deps.stripe, now);
      return summary ? { runId: summary.runId, discrepancies: summary.discrepancies } : "not due";
    });
  }
  return details;
}
