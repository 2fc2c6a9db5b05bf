// Stripe does not promise delivery order. Each test holds every webhook of a money flow, then lets
// them go newest first and all at once (the stand-in's "reorder" mode), and checks that the books come
// out exactly as an in-order delivery would leave them: refunds overtaking the capture they refund,
// a dispute's close overtaking its opening (and a refund made before it), and transfer events
// arriving for payouts whose runs never heard back.
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../db/queries/bookings";
import { entriesForBooking, providerBalances } from "../../db/queries/ledger";
import { disputesForBooking, findPayoutByBooking, paymentsForBooking, type PayoutRow } from "../../db/queries/payments";
import { refundPortion } from "../../domain/ledger";
import { runPayouts } from "../../workers/payments/payouts";
import { reconcile } from "../../workers/payments/reconciliation";
import { paymentSplit } from "../../workers/payments/refunds";
import type { ProviderFixture } from "../support/db";
import { bookingNow, bookThrough, newCustomer, payableProvider, paidBooking as paidBookingOf, payOnCheckoutPage, serve as serveBooking, settle, startHarness, type Harness } from "./payments-harness";

let h: Harness;
let customerId: string;

beforeAll(async () => {
  h = await startHarness();
  customerId = await newCustomer(h);
});
afterAll(() => h?.close());
afterEach(() => {
  h.standin.clearFaults();
  h.standin.setWebhookMode("normal");
});

/**
 * Lets every held webhook go, newest first, and waits until all were answered. Each must be applied
 * on its first delivery: leaning on Stripe's retries (hours apart in production) would leave the
 * books wrong until then.
 */
async function releaseReordered(): Promise<number> {
  const answered = h.webhooks.responses.length;
  const released = h.standin.flushWebhooks();
  await settle(h);
  expect(h.webhooks.responses.slice(answered).filter((r) => r.status !== 200)).toEqual([]);
  expect(h.webhooks.responses.length - answered).toBe(released);
  return released;
}

const paidBooking = (fixture: ProviderFixture) => paidBookingOf(h, fixture, { customerId });
const serve = (bookingId: string, providerUserId: string) => serveBooking(h, bookingId, providerUserId);

const ledgerOf = (bookingId: string) => entriesForBooking(h.db, bookingId);
const sum = (amounts: number[]) => amounts.reduce((a, b) => a + b, 0);
const afterEscrow = (...payouts: PayoutRow[]) =>
  Temporal.Instant.fromEpochMilliseconds(Math.max(...payouts.map((p) => p.payableAt.getTime()))).add({ minutes: 1 });
const eventCount = async (bookingId: string, type: string) => (await listEvents(h.db, bookingId)).filter((e) => e.type === type).length;

describe("reordered webhooks", () => {
  it("refunds made in Stripe whose events overtake the capture's: captured first, each refund posted once, split as in order", async () => {
    const fixture = await payableProvider(h);
    h.standin.setWebhookMode("reorder");
    const { booking, payment } = await bookThrough(h, fixture, { customerId });
    await payOnCheckoutPage(h, payment, "pm_card_visa");
    // Two odd partial refunds from the Stripe dashboard: only their webhooks tell us about them.
    const refundAmounts = [3_333, 1_001];
    for (const amount of refundAmounts) await h.stripe.refunds.create({ payment_intent: payment.paymentIntentId, amount });
    expect((await bookingNow(h, booking.id)).status).toBe("pending"); // nothing delivered yet

    expect(await releaseReordered()).toBeGreaterThanOrEqual(5);
    const [row] = await paymentsForBooking(h.db, booking.id);
    expect(row).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount, amountRefunded: sum(refundAmounts) });
    expect((await bookingNow(h, booking.id)).status).toBe("confirmed");

    // The fee's part of the refunds is what one in-order cumulative split gives, whichever came first.
    const lines = await ledgerOf(booking.id);
    const refundLines = lines.filter((e) => e.kind === "refund");
    expect(new Set(refundLines.map((e) => e.transactionId)).size).toBe(refundAmounts.length);
    const inOrder = refundPortion(0, sum(refundAmounts), paymentSplit(row!, booking));
    expect(sum(refundLines.filter((e) => e.account === "platform:fees").map((e) => e.amount))).toBe(inOrder.fromPlatformFee);
    expect(sum(lines.map((e) => e.amount))).toBe(0);
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ grossAmount: booking.providerAmount - inOrder.fromProviderShare });
    expect((await reconcile(h.db, h.stripe, { bookingIds: [booking.id] })).discrepancies).toBe(0);
  });

  it("a dispute opened after a refund and lost, its events newest first: lost once, for what the refund left", async () => {
    const fixture = await payableProvider(h);
    const { booking, payment } = await paidBooking(fixture);
    await serve(booking.id, fixture.userId);
    h.standin.setWebhookMode("reorder");
    const refunded = 2_500;
    await h.stripe.refunds.create({ payment_intent: payment.paymentIntentId, amount: refunded });
    const dispute = h.standin.createDispute(payment.paymentIntentId);
    h.standin.resolveDispute(dispute.id, "lost");

    await releaseReordered();
    expect(await disputesForBooking(h.db, booking.id)).toMatchObject([{ id: dispute.id, status: "lost", amountLost: booking.totalAmount - refunded }]);
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ amountRefunded: refunded, amountDisputed: booking.totalAmount - refunded });
    const lines = await ledgerOf(booking.id);
    expect(lines.filter((e) => e.kind === "dispute")).toHaveLength(3);
    expect(sum(lines.filter((e) => e.kind === "dispute" || e.kind === "refund").filter((e) => e.account === "platform:stripe_balance").map((e) => e.amount))).toBe(
      -booking.totalAmount,
    );
    expect(sum(lines.map((e) => e.amount))).toBe(0);
    expect(await eventCount(booking.id, "dispute_opened")).toBe(1);
    expect((await bookingNow(h, booking.id)).status).toBe("refunded");
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "cancelled", grossAmount: 0 });

    expect((await reconcile(h.db, h.stripe, { bookingIds: [booking.id] })).discrepancies).toBe(0);
  });

  it("transfer events for two payouts whose runs never heard back, newest first: each payout paid once by its own transfer", async () => {
    const fixture = await payableProvider(h);
    const paid = [await paidBooking(fixture), await paidBooking(fixture)];
    await Promise.all(paid.map((p) => serve(p.booking.id, fixture.userId)));
    h.standin.setWebhookMode("reorder");
    // Stripe makes each transfer, then every answer (and the SDK's two retries of it) is lost.
    h.standin.injectFaults({ failNext: { path: "/v1/transfers", method: "POST", status: 500, after: true, count: 6 } });
    const run = await runPayouts(h.db, h.deps, { now: afterEscrow(...paid.map((p) => p.payout)), providerIds: [fixture.providerId] });
    expect(run).toMatchObject({ claimed: 2, paid: 0, retryScheduled: 2 });
    h.standin.clearFaults();

    await releaseReordered();
    const transfers = h.standin.state().objects.transfers.filter((t) => t.destination === fixture.accountId);
    expect(transfers).toHaveLength(2);
    for (const { booking } of paid) {
      const payout = (await findPayoutByBooking(h.db, booking.id))!;
      const own = transfers.find((t) => t.metadata?.payoutId === payout.id)!;
      expect(payout).toMatchObject({ status: "paid", stripeTransferId: own.id });
      expect(own.amount).toBe(booking.providerAmount);
      expect((await ledgerOf(booking.id)).filter((e) => e.kind === "transfer")).toHaveLength(2);
      expect(sum((await ledgerOf(booking.id)).map((e) => e.amount))).toBe(0);
    }
    // The retry the failed run scheduled finds the payouts paid and sends nothing more.
    await runPayouts(h.db, h.deps, { now: afterEscrow(...paid.map((p) => p.payout)).add({ hours: 1 }), providerIds: [fixture.providerId] });
    expect(h.standin.state().objects.transfers.filter((t) => t.destination === fixture.accountId)).toHaveLength(2);
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({ escrowed: 0, payable: 0, paid: sum(paid.map((p) => p.booking.providerAmount)) });
    expect((await reconcile(h.db, h.stripe, { bookingIds: paid.map((p) => p.booking.id) })).discrepancies).toBe(0);
  });
});
