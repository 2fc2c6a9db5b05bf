// Card disputes against real Postgres and the Stripe stand-in, with webhooks delivered over signed HTTP:
// escrow pays only "if nothing disputes it" (an open dispute holds the payout, a won one releases it),
// and a lost dispute is posted like a refund – out of escrow before the payout, clawed back after it.
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../db/queries/bookings";
import { entriesForBooking, providerBalances } from "../../db/queries/ledger";
import { disputesForBooking, findPayoutByBooking, paymentsForBooking, type PayoutRow } from "../../db/queries/payments";
import { DomainError } from "../../domain/errors";
import { applyDispute } from "../../workers/payments/disputes";
import { runPayouts } from "../../workers/payments/payouts";
import { reconcile } from "../../workers/payments/reconciliation";
import { refundBooking } from "../../workers/payments/refunds";
import { paymentHooks } from "../../workers/payments/hooks";
import { cancelBooking } from "../../workers/services/cancel-booking";
import { DEFAULT_BOOKING_SETTINGS } from "../../workers/services/context";
import type { ProviderFixture } from "../support/db";
import { bookingNow, newCustomer, paidBooking as paidBookingOf, payableProvider, serve as serveBooking, settle, startHarness, type Harness } from "./payments-harness";

let h: Harness;
let customerId: string;

beforeAll(async () => {
  h = await startHarness();
  customerId = await newCustomer(h);
});
afterAll(() => h?.close());

const paidBooking = (fixture: ProviderFixture, card = "pm_card_visa") => paidBookingOf(h, fixture, { customerId, card });
const serve = (bookingId: string, providerUserId: string) => serveBooking(h, bookingId, providerUserId);

const afterEscrow = (payout: PayoutRow) => Temporal.Instant.fromEpochMilliseconds(payout.payableAt.getTime()).add({ minutes: 1 });
const ledgerOf = async (bookingId: string) => entriesForBooking(h.db, bookingId);
const eventTypes = async (bookingId: string) => (await listEvents(h.db, bookingId)).map((e) => e.type);
const transfersTo = (accountId: string) => h.standin.state().objects.transfers.filter((t) => t.destination === accountId);

describe("disputes", () => {
  it("an open dispute holds the payout; winning it releases the payout, paid once", async () => {
    const fixture = await payableProvider(h);
    const { booking, payment, payout } = await paidBooking(fixture);
    const dispute = h.standin.createDispute(payment.paymentIntentId);
    await settle(h);
    expect(await disputesForBooking(h.db, booking.id)).toMatchObject([{ id: dispute.id, status: "needs_response", amount: booking.totalAmount, amountLost: 0 }]);
    expect(await eventTypes(booking.id)).toContain("dispute_opened");

    const now = afterEscrow(payout);
    expect(await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).toMatchObject({ claimed: 1, paid: 0, waiting: 1 });
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "scheduled", lastError: "Held: the customer disputed the payment" });
    expect(transfersTo(fixture.accountId)).toHaveLength(0);

    // Evidence wins (Stripe's documented test value): the hold ends and the payout is due at once.
    await h.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" } });
    await settle(h);
    expect((await disputesForBooking(h.db, booking.id))[0]).toMatchObject({ status: "won", amountLost: 0 });
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "scheduled", nextAttemptAt: null });
    expect(await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).toMatchObject({ paid: 1 });
    expect(transfersTo(fixture.accountId).map((t) => t.amount)).toEqual([booking.providerAmount]);
    expect((await ledgerOf(booking.id)).filter((e) => e.kind === "dispute")).toEqual([]);
    expect(await eventTypes(booking.id)).toContain("dispute_won");
  });

  it("a dispute lost before the payout is taken from the fee and escrow: the payout is cancelled and the booking refunded", async () => {
    const fixture = await payableProvider(h);
    // Stripe's test card that is disputed (as fraudulent) right after it is charged.
    const { booking } = await paidBooking(fixture, "pm_card_createDispute");
    await serve(booking.id, fixture.userId);
    const [open] = await disputesForBooking(h.db, booking.id);
    expect(open).toMatchObject({ status: "needs_response", reason: "fraudulent" });

    await h.stripe.disputes.close(open!.id);
    await settle(h);
    expect((await disputesForBooking(h.db, booking.id))[0]).toMatchObject({ status: "lost", amountLost: booking.totalAmount });
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ amountDisputed: booking.totalAmount, amountRefunded: 0 });
    const lines = (await ledgerOf(booking.id)).filter((e) => e.kind === "dispute");
    expect(lines.map((e) => [e.account, e.amount]).sort()).toEqual(
      [
        ["platform:fees", booking.platformFeeAmount],
        ["platform:stripe_balance", -booking.totalAmount],
        [`provider:${fixture.providerId}:escrow`, booking.providerAmount],
      ].sort(),
    );
    expect((await ledgerOf(booking.id)).reduce((sum, e) => sum + e.amount, 0)).toBe(0);
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "cancelled", grossAmount: 0 });
    expect((await bookingNow(h, booking.id)).status).toBe("refunded");
    // Nothing is left to refund.
    await expect(refundBooking(h.db, h.stripe, await bookingNow(h, booking.id), { amount: 100, reason: "goodwill", actor: { type: "admin", id: null } })).rejects.toBeInstanceOf(DomainError);

    // Applying a stale "needs_response" snapshot again changes nothing: closed stays closed, posted once.
    await applyDispute(h.db, h.deps, { ...(await h.stripe.disputes.retrieve(open!.id)), status: "needs_response" });
    expect((await disputesForBooking(h.db, booking.id))[0]!.status).toBe("lost");
    expect((await ledgerOf(booking.id)).filter((e) => e.kind === "dispute")).toHaveLength(3);
    const summary = await reconcile(h.db, h.stripe, { bookingIds: [booking.id] });
    expect(summary.discrepancies).toBe(0);
  });

  it("a cancellation while a dispute is open holds the policy refund (Stripe would refuse it) and issues it once the dispute is won", async () => {
    const fixture = await payableProvider(h);
    const { booking, payment } = await paidBooking(fixture);
    const dispute = h.standin.createDispute(payment.paymentIntentId);
    await settle(h);
    const deps = { port: h.deps.port, hooks: paymentHooks(h.deps), settings: DEFAULT_BOOKING_SETTINGS };
    const access = { session: { userId: customerId, role: "customer" as const } };
    const { refund } = await cancelBooking(h.db, { code: booking.confirmationCode, access, reason: "changed my mind" }, deps);
    expect(refund.amount).toBeGreaterThan(0);
    await settle(h);
    expect((await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId })).data).toEqual([]);
    const held = (await listEvents(h.db, booking.id)).find((e) => e.type === "refund_held_by_dispute");
    expect(held?.data).toEqual({ amount: refund.amount, currency: booking.currency });

    // Won: the held refund is owed under the policy and issued once, however often the events arrive.
    h.standin.resolveDispute(dispute.id, "won");
    await settle(h);
    const won = await h.stripe.disputes.retrieve(dispute.id);
    await Promise.all([applyDispute(h.db, h.deps, won), applyDispute(h.db, h.deps, won)]);
    await settle(h);
    expect((await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId })).data.map((r) => r.amount)).toEqual([refund.amount]);
    expect((await listEvents(h.db, booking.id)).filter((e) => e.type === "held_refund_issued").map((e) => (e.data as { refunded: number }).refunded)).toEqual([refund.amount]);
    expect((await paymentsForBooking(h.db, booking.id))[0]!.amountRefunded).toBe(refund.amount);
  });

  it("a dispute lost after the payout is owed back and deducted from the provider's next payout", async () => {
    const fixture = await payableProvider(h);
    const first = await paidBooking(fixture);
    expect(await runPayouts(h.db, h.deps, { now: afterEscrow(first.payout), providerIds: [fixture.providerId] })).toMatchObject({ paid: 1 });

    const dispute = h.standin.createDispute(first.payment.paymentIntentId);
    await settle(h);
    h.standin.resolveDispute(dispute.id, "lost");
    await settle(h);
    const lines = (await ledgerOf(first.booking.id)).filter((e) => e.kind === "dispute");
    expect(lines.find((e) => e.account.endsWith(":receivable"))!.amount).toBe(first.booking.providerAmount);
    const owed = first.booking.providerAmount;
    const receivable = (await providerBalances(h.db, fixture.providerId)).find((b) => b.currency === first.booking.currency)!;
    expect(receivable.owedBack).toBe(owed);

    const second = await paidBooking(fixture);
    expect(await runPayouts(h.db, h.deps, { now: afterEscrow(second.payout), providerIds: [fixture.providerId] })).toMatchObject({ paid: 1 });
    expect(await findPayoutByBooking(h.db, second.booking.id)).toMatchObject({ status: "paid", deductionAmount: Math.min(owed, second.booking.providerAmount) });
  });
});
