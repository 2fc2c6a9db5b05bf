// The pure reconciliation checks: each reports exactly its discrepancy (kind and details, as the admin
// page lists them) when the rows disagree, and nothing when they agree.
import { describe, expect, it } from "vitest";
import { captureSet, clawbackSet, disputeSet, feeSet, providerAccount, refundSet, transferSet, type EntrySet } from "../../domain/ledger";
import {
  bookingTotals,
  checkAgainstStripeIntent,
  checkConfirmedHasCapture,
  checkLedgerBalanced,
  checkLedgerMatchesPayments,
  checkPaidPayoutMatchesLedger,
  checkPayoutsWithinShare,
  checkRefundsWithinCapture,
  checkStripeDisputes,
  checkStripeRefunds,
  checkStripeTransfers,
  OWN_BOOKING_CHECKS,
  unrecordedIntent,
  type BookingRecords,
  type CheckedPayment,
} from "../../workers/payments/reconciliation-checks";

const P = "11111111-1111-1111-1111-111111111111";
const B = "22222222-2222-2222-2222-222222222222";
const booking = { id: B, providerId: P, status: "confirmed", totalAmount: 10_000, platformFeeAmount: 1_000, providerAmount: 9_000, currency: "usd" } as const;
const on = { bookingId: B, providerId: P };

function payment(overrides: Partial<CheckedPayment> = {}): CheckedPayment {
  return { stripePaymentIntentId: "pi_1", status: "succeeded", amountCaptured: 10_000, amountRefunded: 0, amountDisputed: 0, ...overrides };
}

/** Ledger lines as the real entry sets post them. */
function lines(...sets: Array<EntrySet | null>): BookingRecords["entries"] {
  return sets.filter((set): set is EntrySet => set !== null).flatMap((set) => set.lines.map((l) => ({ ...l, kind: set.kind })));
}
const ref = { bookingId: B, providerId: P, currency: "usd" };
const capture = (amount: number) => lines(captureSet({ ...ref, paymentIntentId: "pi_1", amount }));
const transfer = (amount: number) => lines(transferSet({ ...ref, payoutId: "po_1", amount }));
const clawback = (amount: number) => lines(clawbackSet({ ...ref, payoutId: "po_1", amount }));

function records(overrides: Partial<BookingRecords> = {}): BookingRecords {
  return { booking, payments: [payment()], entries: capture(10_000), payout: undefined, ...overrides };
}

/** The own-row checks of a booking, as reconcile runs them. */
function ownChecks(r: BookingRecords) {
  const t = bookingTotals(r);
  return OWN_BOOKING_CHECKS.flatMap((check) => check(r, t));
}

describe("bookingTotals", () => {
  it("sums the payments rows and the ledger's Stripe-balance lines by kind, money out as positive", () => {
    const r = records({
      payments: [payment({ amountRefunded: 2_000, amountDisputed: 500 })],
      entries: [
        ...capture(10_000),
        ...lines(
          feeSet({ ...ref, paymentIntentId: "pi_1", fee: 1_000 }),
          refundSet({ ...ref, refundId: "re_1", portion: { fromPlatformFee: 200, fromProviderShare: 1_800 }, holder: "escrow" }),
          disputeSet({ ...ref, disputeId: "dp_1", portion: { fromPlatformFee: 50, fromProviderShare: 450 }, holder: "escrow" }),
        ),
        ...transfer(6_000),
        // A clawback moves between the provider's accounts: it counts from its receivable's credit.
        ...clawback(300),
        // Another provider's receivable counts nowhere.
        { kind: "clawback", account: providerAccount("33333333-3333-3333-3333-333333333333", "receivable"), amount: -700 },
      ],
    });
    expect(bookingTotals(r)).toEqual({
      capturedDb: 10_000,
      refundedDb: 2_000,
      disputedDb: 500,
      capturedLedger: 10_000,
      refundedLedger: 2_000,
      disputedLedger: 500,
      transferredLedger: 6_000,
      clawedBack: 300,
      providerShare: 9_000,
    });
  });

  it("takes the provider share of each capture at the booking's split (partial captures pro rata)", () => {
    const r = records({ payments: [payment({ amountCaptured: 5_000 }), payment({ stripePaymentIntentId: "pi_2", amountCaptured: 10_000 })] });
    expect(bookingTotals(r).providerShare).toBe(4_500 + 9_000);
  });
});

describe("checkLedgerBalanced", () => {
  it("reports each unbalanced entry set, then each unbalanced booking", () => {
    expect(checkLedgerBalanced([{ key: "tx_1", currency: "usd", total: 5 }], [{ key: B, currency: "usd", total: -5 }])).toEqual([
      { kind: "ledger_transaction_unbalanced", bookingId: null, providerId: null, details: { transactionId: "tx_1", currency: "usd", total: 5 } },
      { kind: "ledger_booking_unbalanced", bookingId: B, providerId: null, details: { currency: "usd", total: -5 } },
    ]);
    expect(checkLedgerBalanced([], [])).toEqual([]);
  });
});

describe("own rows", () => {
  it("a consistent booking has no discrepancy", () => {
    const paid = { id: "po_1", status: "paid" as const, grossAmount: 9_000 };
    expect(ownChecks(records())).toEqual([]);
    expect(ownChecks(records({ entries: [...capture(10_000), ...transfer(8_700), ...clawback(300)], payout: paid }))).toEqual([]);
  });

  it("checkLedgerMatchesPayments: capture, refund and lost-dispute totals each compared", () => {
    const r = records({ payments: [payment({ amountCaptured: 9_000, amountRefunded: 100, amountDisputed: 200 })] });
    expect(checkLedgerMatchesPayments(r, bookingTotals(r))).toEqual([
      { kind: "ledger_capture_mismatch", ...on, details: { ledger: 10_000, payments: 9_000 } },
      { kind: "ledger_refund_mismatch", ...on, details: { ledger: 0, payments: 100 } },
      { kind: "ledger_dispute_mismatch", ...on, details: { ledger: 0, payments: 200 } },
    ]);
  });

  it("checkRefundsWithinCapture: per payment, refunds plus lost disputes over the capture", () => {
    const r = records({
      payments: [
        payment({ amountRefunded: 6_000, amountDisputed: 4_000 }),
        payment({ stripePaymentIntentId: "pi_2", amountCaptured: 1_000, amountRefunded: 800, amountDisputed: 201 }),
      ],
    });
    expect(checkRefundsWithinCapture(r)).toEqual([
      { kind: "refunds_exceed_capture", ...on, details: { paymentIntentId: "pi_2", captured: 1_000, refunded: 800, disputedLost: 201 } },
    ]);
  });

  it("checkPayoutsWithinShare: transfers plus clawbacks over the provider share", () => {
    const atShare = records({ entries: [...capture(10_000), ...transfer(8_000), ...clawback(1_000)] });
    expect(checkPayoutsWithinShare(atShare, bookingTotals(atShare))).toEqual([]);
    const over = records({ entries: [...capture(10_000), ...transfer(8_000), ...clawback(1_001)] });
    expect(checkPayoutsWithinShare(over, bookingTotals(over))).toEqual([
      { kind: "payouts_exceed_provider_share", ...on, details: { paidOut: 9_001, providerShare: 9_000 } },
    ]);
  });

  it("checkConfirmedHasCapture: only confirmed-like bookings with something to pay", () => {
    const uncaptured = (status: BookingRecords["booking"]["status"], totalAmount = 10_000) =>
      records({ booking: { ...booking, status, totalAmount }, payments: [payment({ status: "requires_capture", amountCaptured: 0 })], entries: [] });
    for (const status of ["confirmed", "in_progress", "completed"] as const) {
      const r = uncaptured(status);
      expect(checkConfirmedHasCapture(r, bookingTotals(r))).toEqual([
        { kind: "confirmed_without_capture", ...on, details: { status, payments: [{ id: "pi_1", status: "requires_capture" }] } },
      ]);
    }
    for (const r of [uncaptured("awaiting_approval"), uncaptured("pending"), uncaptured("confirmed", 0), records()]) {
      expect(checkConfirmedHasCapture(r, bookingTotals(r))).toEqual([]);
    }
  });

  it("checkPaidPayoutMatchesLedger: a paid payout's gross against transfers plus clawbacks; other payouts not", () => {
    const entries = [...capture(10_000), ...transfer(8_000), ...clawback(500)];
    const paid = records({ entries, payout: { id: "po_1", status: "paid", grossAmount: 9_000 } });
    expect(checkPaidPayoutMatchesLedger(paid, bookingTotals(paid))).toEqual([
      { kind: "payout_ledger_mismatch", ...on, details: { payoutId: "po_1", gross: 9_000, ledger: 8_500 } },
    ]);
    const scheduled = records({ entries, payout: { id: "po_1", status: "scheduled", grossAmount: 9_000 } });
    expect(checkPaidPayoutMatchesLedger(scheduled, bookingTotals(scheduled))).toEqual([]);
    expect(checkPaidPayoutMatchesLedger(records(), bookingTotals(records()))).toEqual([]);
  });
});

describe("against Stripe", () => {
  it("checkAgainstStripeIntent: missing, status and captured amount (nothing counts as captured unless succeeded)", () => {
    expect(checkAgainstStripeIntent(booking, payment(), null)).toEqual([
      { kind: "stripe_payment_missing", ...on, details: { paymentIntentId: "pi_1", ours: "succeeded" } },
    ]);
    expect(checkAgainstStripeIntent(booking, payment(), { id: "pi_1", status: "succeeded", amount_received: 10_000 })).toEqual([]);
    expect(checkAgainstStripeIntent(booking, payment(), { id: "pi_1", status: "processing", amount_received: 10_000 })).toEqual([
      { kind: "stripe_status_mismatch", ...on, details: { paymentIntentId: "pi_1", stripe: "processing", ours: "succeeded" } },
      { kind: "stripe_capture_mismatch", ...on, details: { paymentIntentId: "pi_1", stripe: 0, ours: 10_000 } },
    ]);
    expect(checkAgainstStripeIntent(booking, payment(), { id: "pi_1", status: "succeeded", amount_received: 9_999 })).toEqual([
      { kind: "stripe_capture_mismatch", ...on, details: { paymentIntentId: "pi_1", stripe: 9_999, ours: 10_000 } },
    ]);
  });

  it("checkStripeRefunds: unknown refunds by id, and only succeeded ones add up", () => {
    const ours = [{ stripeRefundId: "re_1" }, { stripeRefundId: "re_2" }];
    const listed = [
      { id: "re_1", amount: 1_000, status: "succeeded" },
      { id: "re_2", amount: 500, status: "failed" },
    ] as const;
    expect(checkStripeRefunds(booking, payment({ amountRefunded: 1_000 }), listed, ours)).toEqual([]);
    expect(checkStripeRefunds(booking, payment({ amountRefunded: 1_500 }), [...listed, { id: "re_3", amount: 200, status: "pending" }], ours)).toEqual([
      { kind: "stripe_refund_unknown", ...on, details: { refundId: "re_3", amount: 200, status: "pending" } },
      { kind: "stripe_refund_mismatch", ...on, details: { paymentIntentId: "pi_1", stripe: 1_000, ours: 1_500 } },
    ]);
  });

  it("checkStripeDisputes: unknown disputes and status differences", () => {
    const ours = [
      { id: "dp_1", status: "needs_response" },
      { id: "dp_2", status: "lost" },
    ];
    expect(
      checkStripeDisputes(
        booking,
        [
          { id: "dp_1", amount: 10_000, status: "under_review" },
          { id: "dp_2", amount: 10_000, status: "lost" },
          { id: "dp_3", amount: 300, status: "warning_needs_response" },
        ],
        ours,
      ),
    ).toEqual([
      { kind: "stripe_dispute_status_mismatch", ...on, details: { disputeId: "dp_1", stripe: "under_review", ours: "needs_response" } },
      { kind: "stripe_dispute_unknown", ...on, details: { disputeId: "dp_3", amount: 300, status: "warning_needs_response" } },
    ]);
  });

  it("checkStripeTransfers: each transfer belongs to the paid payout; the net of reversals equals the ledger's transfers", () => {
    const paid = records({ entries: [...capture(10_000), ...transfer(8_000)], payout: { id: "po_1", status: "paid", grossAmount: 8_000 } });
    const tr1 = { id: "tr_1", amount: 9_000, amount_reversed: 1_000, metadata: { payoutId: "po_1" } };
    expect(checkStripeTransfers(paid, bookingTotals(paid), [tr1])).toEqual([]);
    expect(checkStripeTransfers(paid, bookingTotals(paid), [tr1, { id: "tr_2", amount: 50, amount_reversed: 0, metadata: {} }])).toEqual([
      { kind: "stripe_transfer_unrecorded", ...on, details: { transferId: "tr_2", amount: 50, payoutId: null, payoutStatus: "paid" } },
      { kind: "stripe_transfer_mismatch", ...on, details: { stripe: 8_050, ledger: 8_000 } },
    ]);
    // The payout is not (yet) paid: its transfer is not recorded, and the ledger has none.
    const scheduled = records({ payout: { id: "po_1", status: "scheduled", grossAmount: 9_000 } });
    expect(checkStripeTransfers(scheduled, bookingTotals(scheduled), [{ ...tr1, amount_reversed: 0 }])).toEqual([
      { kind: "stripe_transfer_unrecorded", ...on, details: { transferId: "tr_1", amount: 9_000, payoutId: "po_1", payoutStatus: "scheduled" } },
      { kind: "stripe_transfer_mismatch", ...on, details: { stripe: 9_000, ledger: 0 } },
    ]);
    // Another payout's id is not this booking's.
    expect(checkStripeTransfers(paid, bookingTotals(paid), [{ ...tr1, metadata: { payoutId: "po_9" } }])[0]).toMatchObject({
      kind: "stripe_transfer_unrecorded",
      details: { payoutId: "po_9", payoutStatus: "paid" },
    });
  });

  it("unrecordedIntent: an intent holding money for a booking in scope that we do not know", () => {
    const pi = { id: "pi_9", status: "succeeded", amount_received: 4_000, metadata: { bookingId: B, providerId: P } } as const;
    expect(unrecordedIntent(pi, new Set(), null)).toEqual({ kind: "stripe_payment_unknown", ...on, details: { paymentIntentId: "pi_9", status: "succeeded", amount: 4_000 } });
    expect(unrecordedIntent({ ...pi, status: "requires_capture", metadata: { bookingId: B } }, new Set(), new Set([B]))).toEqual({
      kind: "stripe_payment_unknown",
      bookingId: B,
      providerId: null,
      details: { paymentIntentId: "pi_9", status: "requires_capture", amount: 4_000 },
    });
    expect(unrecordedIntent(pi, new Set(["pi_9"]), null)).toBeNull();
    expect(unrecordedIntent(pi, new Set(), new Set(["another"]))).toBeNull();
    expect(unrecordedIntent({ ...pi, metadata: {} }, new Set(), null)).toBeNull();
    for (const status of ["requires_payment_method", "processing", "canceled"] as const) expect(unrecordedIntent({ ...pi, status }, new Set(), null)).toBeNull();
  });
});
