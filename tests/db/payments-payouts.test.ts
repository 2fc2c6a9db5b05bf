// Escrow, payouts, refunds and reconciliation against real Postgres and the Stripe stand-in: a payout is
// paid once whatever fails (a 5xx after Stripe did the work, a crash leaving a row in processing, two
// overlapping cron runs), refunds before the payout shrink it, refunds after it are clawed back from
// the next one, and reconciliation finds what does not add up.
import { Temporal } from "@js-temporal/polyfill";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entriesForBooking, providerBalances } from "../../db/queries/ledger";
import { findPayoutByBooking, listDiscrepancies, listPayouts, paymentsForBooking, retryPayout, type PayoutRow } from "../../db/queries/payments";
import { ledgerEntries, payoutSchedules, providers } from "../../db/schema";
import { DomainError } from "../../domain/errors";
import { payableAtFor } from "../../workers/payments/escrow";
import { payoutBackoff, runPayouts, STUCK_PROCESSING_MINUTES, transferIdempotencyKey } from "../../workers/payments/payouts";
import { reconcile } from "../../workers/payments/reconciliation";
import { refundBooking } from "../../workers/payments/refunds";
import { paymentHooks } from "../../workers/payments/hooks";
import { DEFAULT_BOOKING_SETTINGS } from "../../workers/services/context";
import { rescheduleBooking } from "../../workers/services/reschedule-booking";
import { localInstant, type ProviderFixture } from "../support/db";
import { bookingNow, bookThrough, newCustomer, paidBooking as paidBookingOf, payableProvider, payOnCheckoutPage, serve as serveBooking, settle, startHarness, type Harness } from "./payments-harness";

let h: Harness;
let customerId: string;

beforeAll(async () => {
  h = await startHarness({ maxAttempts: 3 });
  customerId = await newCustomer(h);
});
afterAll(() => h?.close());

const ADMIN = { type: "admin" as const, id: "00000000-0000-0000-0000-0000000000ad" };

/** A confirmed, paid booking of `fixture`, its payout scheduled. */
async function paidBooking(fixture: ProviderFixture) {
  const paid = await paidBookingOf(h, fixture, { customerId });
  expect(paid.payout.status).toBe("scheduled");
  return paid;
}

const serve = (bookingId: string, providerUserId: string) => serveBooking(h, bookingId, providerUserId);

/** An instant just after every given payout's escrow ended. */
function afterEscrow(...payouts: PayoutRow[]): Temporal.Instant {
  const latest = Math.max(...payouts.map((p) => p.payableAt.getTime()));
  return Temporal.Instant.fromEpochMilliseconds(latest).add({ minutes: 1 });
}

function transfersTo(accountId: string) {
  return h.standin.state().objects.transfers.filter((t) => t.destination === accountId);
}

async function ledgerSum(bookingId: string) {
  return (await entriesForBooking(h.db, bookingId)).reduce((acc, e) => acc + e.amount, 0);
}

describe("escrow and payout", () => {
  it("happy path: completed booking → nothing before escrow ends → transfer of the provider share → paid", async () => {
    const fixture = await payableProvider(h);
    const { booking, payout } = await paidBooking(fixture);
    await serve(booking.id, fixture.userId);
    expect(payout.payableAt.getTime()).toBe(payableAtFor(booking, h.config.ESCROW_PERIOD).epochMilliseconds);

    const early = await runPayouts(h.db, h.deps, { now: afterEscrow(payout).subtract({ hours: 1 }), providerIds: [fixture.providerId] });
    expect(early.claimed).toBe(0);

    const run = await runPayouts(h.db, h.deps, { now: afterEscrow(payout), providerIds: [fixture.providerId] });
    expect(run).toMatchObject({ claimed: 1, paid: 1, failed: 0 });
    const [transfer] = transfersTo(fixture.accountId);
    expect(transfer).toMatchObject({ amount: booking.providerAmount, currency: "usd", transfer_group: booking.id, metadata: { payoutId: payout.id } });
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "paid", stripeTransferId: transfer!.id, attempts: 0 });
    expect(await ledgerSum(booking.id)).toBe(0);
    expect(await providerBalances(h.db, fixture.providerId)).toEqual([
      { currency: "usd", escrowed: 0, payable: 0, paid: booking.providerAmount, owedBack: 0 },
    ]);
    await settle(h); // transfer.created webhook: already paid, no change
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "paid" });
  });

  it("a Stripe 500 after the transfer was made is retried with the same key and pays once", async () => {
    const fixture = await payableProvider(h);
    const { payout } = await paidBooking(fixture);
    const now = afterEscrow(payout);
    h.standin.setWebhookUrl(null); // only the cron's retry may settle it here
    try {
      // More failures than the SDK's own two retries: the run sees the error.
      h.standin.injectFaults({ failNext: { path: "/v1/transfers", method: "POST", status: 500, after: true, count: 3 } });
      const first = await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] });
      expect(first).toMatchObject({ claimed: 1, paid: 0, retryScheduled: 1 });
      expect(transfersTo(fixture.accountId)).toHaveLength(1); // Stripe did it; the answer was lost
      const failed = (await findPayoutByBooking(h.db, payout.bookingId!))!;
      expect(failed).toMatchObject({ status: "scheduled", attempts: 1, transferKeyGeneration: 0 }); // a 5xx keeps the key
      expect(failed.lastError).toContain("api_error");
      expect(failed.nextAttemptAt!.getTime()).toBe(now.add(payoutBackoff(1)).epochMilliseconds);

      expect((await runPayouts(h.db, h.deps, { now: now.add({ minutes: 5 }), providerIds: [fixture.providerId] })).claimed).toBe(0);
      const second = await runPayouts(h.db, h.deps, { now: now.add({ minutes: 16 }), providerIds: [fixture.providerId] });
      expect(second).toMatchObject({ claimed: 1, paid: 1 });
      expect(transfersTo(fixture.accountId)).toHaveLength(1);
      const paid = (await findPayoutByBooking(h.db, payout.bookingId!))!;
      expect(paid).toMatchObject({ status: "paid", attempts: 1, stripeTransferId: transfersTo(fixture.accountId)[0]!.id });
      expect((await entriesForBooking(h.db, payout.bookingId!)).filter((e) => e.kind === "transfer")).toHaveLength(2);
    } finally {
      h.standin.clearFaults();
      h.standin.setWebhookUrl(h.webhooks.url);
    }
  });

  it("the transfer.created webhook settles a payout whose run never heard back", async () => {
    const fixture = await payableProvider(h);
    const { payout } = await paidBooking(fixture);
    h.standin.injectFaults({ failNext: { path: "/v1/transfers", method: "POST", status: 500, after: true, count: 3 } });
    try {
      await runPayouts(h.db, h.deps, { now: afterEscrow(payout), providerIds: [fixture.providerId] });
    } finally {
      h.standin.clearFaults();
    }
    await settle(h);
    // Paid by the webhook – possibly even before the run recorded its failed attempt (then it never does).
    expect(await findPayoutByBooking(h.db, payout.bookingId!)).toMatchObject({ status: "paid" });
    expect(transfersTo(fixture.accountId)).toHaveLength(1);
    expect(await ledgerSum(payout.bookingId!)).toBe(0);
  });

  it("two overlapping cron runs pay each payout exactly once", async () => {
    const fixture = await payableProvider(h);
    const paid = [await paidBooking(fixture), await paidBooking(fixture), await paidBooking(fixture)];
    const now = afterEscrow(...paid.map((p) => p.payout));
    const [a, b] = await Promise.all([
      runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] }),
      runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] }),
    ]);
    expect(a.claimed + b.claimed).toBe(3);
    expect(a.paid + b.paid).toBe(3);
    const transfers = transfersTo(fixture.accountId);
    expect(transfers).toHaveLength(3);
    expect(new Set(transfers.map((t) => t.metadata.payoutId))).toEqual(new Set(paid.map((p) => p.payout.id)));
    expect((await listPayouts(h.db, { providerId: fixture.providerId, status: "paid" })).length).toBe(3);
  });

  it("a row stuck in processing (crashed run) is retried with the same idempotency key: still one transfer", async () => {
    const fixture = await payableProvider(h);
    const { booking, payout } = await paidBooking(fixture);
    const now = afterEscrow(payout);
    h.standin.setWebhookUrl(null); // no transfer.created delivery: only the reclaiming run may settle it
    // The crashed run: it claimed the row and Stripe made the transfer, then the worker died.
    await h.stripe.transfers.create(
      {
        amount: booking.providerAmount,
        currency: "usd",
        destination: fixture.accountId,
        transfer_group: booking.id,
        description: `Payout for booking ${booking.confirmationCode}`,
        metadata: { payoutId: payout.id, bookingId: booking.id, providerId: fixture.providerId },
      },
      { idempotencyKey: `payout:${payout.id}` },
    );
    await h.db
      .update(payoutSchedules)
      .set({ status: "processing", updatedAt: new Date(now.subtract({ minutes: STUCK_PROCESSING_MINUTES + 1 }).epochMilliseconds) })
      .where(eq(payoutSchedules.id, payout.id));
    const run = await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] });
    expect(run, JSON.stringify(run)).toMatchObject({ claimed: 1, paid: 1 });
    expect(transfersTo(fixture.accountId)).toHaveLength(1);
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "paid", stripeTransferId: transfersTo(fixture.accountId)[0]!.id });
    h.standin.setWebhookUrl(h.webhooks.url);
  });

  it("a provider who cannot receive payouts waits without burning attempts", async () => {
    const fixture = await payableProvider(h);
    const { payout } = await paidBooking(fixture);
    await h.db.update(providers).set({ payoutsEnabled: false }).where(eq(providers.id, fixture.providerId));
    const now = afterEscrow(payout);
    const run = await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] });
    expect(run).toMatchObject({ claimed: 1, waiting: 1, paid: 0 });
    const row = (await findPayoutByBooking(h.db, payout.bookingId!))!;
    expect(row).toMatchObject({ status: "scheduled", attempts: 0 });
    expect(row.lastError).toMatch(/cannot receive payouts/);
    expect(transfersTo(fixture.accountId)).toHaveLength(0);

    await h.db.update(providers).set({ payoutsEnabled: true }).where(eq(providers.id, fixture.providerId));
    expect((await runPayouts(h.db, h.deps, { now: now.add({ minutes: 61 }), providerIds: [fixture.providerId] })).paid).toBe(1);
  });

  it("after PAYOUT_MAX_ATTEMPTS refusals the payout is failed for admins; retryPayout requeues it", async () => {
    const fixture = await payableProvider(h);
    const { payout } = await paidBooking(fixture);
    let now = afterEscrow(payout);
    h.standin.injectFaults({ failNext: { path: "/v1/transfers", method: "POST", status: 400, count: 3, error: { code: "account_invalid", message: "No." } } });
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const run = await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] });
        expect(run.claimed).toBe(1);
        now = now.add(payoutBackoff(attempt)).add({ seconds: 1 });
      }
    } finally {
      h.standin.clearFaults();
    }
    const failed = (await findPayoutByBooking(h.db, payout.bookingId!))!;
    expect(failed).toMatchObject({ status: "failed", attempts: 3, nextAttemptAt: null });
    expect(failed.lastError).toContain("No.");
    expect((await listPayouts(h.db, { status: "failed", providerId: fixture.providerId })).map((p) => p.id)).toEqual([payout.id]);
    expect((await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).claimed).toBe(0);

    expect(await retryPayout(h.db, payout.id)).toMatchObject({ status: "scheduled", attempts: 0 });
    expect(await retryPayout(h.db, payout.id)).toBeNull(); // only failed ones
    expect((await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).paid).toBe(1);
    expect(transfersTo(fixture.accountId)).toHaveLength(1);
  });
});

describe("rescheduling", () => {
  it("moves the end of escrow with the booking, earlier as well as later", async () => {
    const fixture = await payableProvider(h);
    const created = await bookThrough(h, fixture, { customerId, daysAhead: 40 });
    await payOnCheckoutPage(h, created.payment, "pm_card_visa");
    await settle(h);
    const deps = { port: h.deps.port, hooks: paymentHooks(h.deps), settings: DEFAULT_BOOKING_SETTINGS };
    const access = { session: { userId: customerId, role: "customer" as const } };
    for (const daysAhead of [30, 45]) {
      const start = localInstant(fixture.timeZone, daysAhead, "10:00");
      const { booking } = await rescheduleBooking(h.db, { code: created.booking.confirmationCode, access, start: start.toString() }, deps);
      const moved = (await findPayoutByBooking(h.db, booking.id))!;
      expect(moved.payableAt.getTime()).toBe(payableAtFor(await bookingNow(h, booking.id), h.config.ESCROW_PERIOD).epochMilliseconds);
      expect(moved.payableAt.getTime()).toBe(start.add({ minutes: 60 }).toZonedDateTimeISO(fixture.timeZone).add({ days: 7 }).epochMilliseconds);
    }
  });
});

describe("definitive refusals", () => {
  it("a transfer Stripe refused (its answer stored under the key) is really tried again once the account can take it", async () => {
    // Our flag says payouts are enabled, but the connected account has not finished onboarding:
    // Stripe refuses the transfer with a 400 and keeps that answer under the idempotency key for 24 h.
    const fixture = await payableProvider(h);
    const pending = await h.stripe.accounts.create({ type: "express", country: "US", capabilities: { transfers: { requested: true } } });
    await h.db.update(providers).set({ stripeAccountId: pending.id }).where(eq(providers.id, fixture.providerId));
    const { payout } = await paidBooking(fixture);
    let now = afterEscrow(payout);
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).claimed).toBe(1);
      now = now.add(payoutBackoff(attempt)).add({ seconds: 1 });
    }
    const failed = (await findPayoutByBooking(h.db, payout.bookingId!))!;
    expect(failed).toMatchObject({ status: "failed", attempts: 3, transferKeyGeneration: 3 });
    expect(failed.lastError).toContain("insufficient_capabilities_for_transfer");

    // The provider finishes onboarding; an admin retries within the 24 h: a new key, so a real attempt.
    h.standin.completeOnboarding(pending.id);
    expect(await retryPayout(h.db, payout.id)).toMatchObject({ status: "scheduled" });
    expect((await runPayouts(h.db, h.deps, { now, providerIds: [fixture.providerId] })).paid).toBe(1);
    expect(transfersTo(pending.id)).toHaveLength(1);
    expect(transferIdempotencyKey({ id: payout.id, transferKeyGeneration: 3 })).toBe(`payout:${payout.id}:g3`);
  });
});

describe("refunds and clawbacks", () => {
  it("a partial refund before the payout comes out of escrow proportionally and shrinks the payout", async () => {
    const fixture = await payableProvider(h);
    const { booking, payout } = await paidBooking(fixture);
    const result = await refundBooking(h.db, h.stripe, booking, { amount: 2500, reason: "Goodwill", actor: ADMIN });
    expect(result).toMatchObject({ amount: 2500, status: "succeeded", holder: "escrow" });
    await settle(h); // refund.created + charge.refunded webhooks: already posted
    const refundLines = (await entriesForBooking(h.db, booking.id)).filter((e) => e.kind === "refund");
    const fromFee = refundLines.find((e) => e.account === "platform:fees")!.amount;
    const fromProvider = refundLines.find((e) => e.account.endsWith(":escrow"))!.amount;
    expect(fromFee + fromProvider).toBe(2500);
    expect(fromFee).toBe(Math.round((2500 * booking.platformFeeAmount) / booking.totalAmount));
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ grossAmount: booking.providerAmount - fromProvider });

    // Never more than captured − refunded: our check, then Stripe's.
    await expect(refundBooking(h.db, h.stripe, booking, { amount: booking.totalAmount - 2500 + 1, reason: "too much", actor: ADMIN })).rejects.toBeInstanceOf(DomainError);
    await expect(
      h.stripe.refunds.create({ payment_intent: (await paymentsForBooking(h.db, booking.id))[0]!.stripePaymentIntentId, amount: booking.totalAmount }),
    ).rejects.toMatchObject({ code: "amount_too_large" });

    await serve(booking.id, fixture.userId);
    const run = await runPayouts(h.db, h.deps, { now: afterEscrow(payout), providerIds: [fixture.providerId] });
    expect(run.paid).toBe(1);
    expect(transfersTo(fixture.accountId).map((t) => t.amount)).toEqual([booking.providerAmount - fromProvider]);
    expect(await ledgerSum(booking.id)).toBe(0);
    expect((await paymentsForBooking(h.db, booking.id))[0]!.amountRefunded).toBe(2500);
  });

  it("a refund after the payout becomes owed back and is deducted from the provider's next payout", async () => {
    const fixture = await payableProvider(h);
    const first = await paidBooking(fixture);
    await runPayouts(h.db, h.deps, { now: afterEscrow(first.payout), providerIds: [fixture.providerId] });
    expect(await findPayoutByBooking(h.db, first.booking.id)).toMatchObject({ status: "paid" });

    const refund = await refundBooking(h.db, h.stripe, first.booking, { amount: 5000, reason: "Complaint upheld", actor: ADMIN });
    expect(refund!.holder).toBe("receivable");
    const owed = (await entriesForBooking(h.db, first.booking.id)).find((e) => e.kind === "refund" && e.account.endsWith(":receivable"))!.amount;
    expect(owed).toBe(first.booking.providerAmount / 2);
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({ owedBack: owed, paid: first.booking.providerAmount });

    const second = await paidBooking(fixture);
    const run = await runPayouts(h.db, h.deps, { now: afterEscrow(second.payout), providerIds: [fixture.providerId] });
    expect(run.paid).toBe(1);
    const next = (await findPayoutByBooking(h.db, second.booking.id))!;
    expect(next).toMatchObject({ status: "paid", grossAmount: second.booking.providerAmount, deductionAmount: owed });
    expect(transfersTo(fixture.accountId).map((t) => t.amount).sort((x, y) => x - y)).toEqual(
      [first.booking.providerAmount, second.booking.providerAmount - owed].sort((x, y) => x - y),
    );
    const clawback = (await entriesForBooking(h.db, second.booking.id)).filter((e) => e.kind === "clawback");
    expect(clawback.map((e) => e.amount).sort((x, y) => x - y)).toEqual([-owed, owed]);
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({
      escrowed: 0,
      payable: 0,
      owedBack: 0,
      paid: first.booking.providerAmount + second.booking.providerAmount - owed,
    });
    expect(await ledgerSum(first.booking.id)).toBe(0);
    expect(await ledgerSum(second.booking.id)).toBe(0);
  });

  it("owed back more than the next payout: that payout is all deduction (no transfer), the rest is carried to the one after", async () => {
    const fixture = await payableProvider(h);
    const [a, b] = [await paidBooking(fixture), await paidBooking(fixture)];
    expect(await runPayouts(h.db, h.deps, { now: afterEscrow(a.payout, b.payout), providerIds: [fixture.providerId] })).toMatchObject({ paid: 2 });
    const share = a.booking.providerAmount;
    expect(b.booking.providerAmount).toBe(share);

    // Both refunded after they were paid out, one in full and one by half: 1.5 shares owed back.
    await refundBooking(h.db, h.stripe, a.booking, { amount: a.booking.totalAmount, reason: "Service not delivered", actor: ADMIN });
    await refundBooking(h.db, h.stripe, b.booking, { amount: b.booking.totalAmount / 2, reason: "Half delivered", actor: ADMIN });
    await settle(h);
    const owed = share + share / 2;
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({ owedBack: owed, paid: 2 * share });

    const transfersFor = (bookingId: string) => transfersTo(fixture.accountId).filter((t) => t.transfer_group === bookingId).map((t) => t.amount);
    const c = await paidBooking(fixture);
    expect(await runPayouts(h.db, h.deps, { now: afterEscrow(c.payout), providerIds: [fixture.providerId] })).toMatchObject({ paid: 1 });
    expect(await findPayoutByBooking(h.db, c.booking.id)).toMatchObject({ status: "paid", grossAmount: share, deductionAmount: share, stripeTransferId: null });
    expect(transfersFor(c.booking.id)).toEqual([]); // nothing left to send
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({ owedBack: share / 2, payable: 0, escrowed: 0 });

    const d = await paidBooking(fixture);
    expect(await runPayouts(h.db, h.deps, { now: afterEscrow(d.payout), providerIds: [fixture.providerId] })).toMatchObject({ paid: 1 });
    expect(await findPayoutByBooking(h.db, d.booking.id)).toMatchObject({ status: "paid", grossAmount: share, deductionAmount: share / 2 });
    expect(transfersFor(d.booking.id)).toEqual([share / 2]);
    expect(transfersTo(fixture.accountId)).toHaveLength(3);
    expect((await providerBalances(h.db, fixture.providerId))[0]).toMatchObject({ owedBack: 0, payable: 0, escrowed: 0, paid: 2 * share + share / 2 });
    for (const booking of [a, b, c, d].map((x) => x.booking)) expect(await ledgerSum(booking.id)).toBe(0);
    expect((await reconcile(h.db, h.stripe, { bookingIds: [a, b, c, d].map((x) => x.booking.id) })).discrepancies).toBe(0);
  });
});

describe("reconciliation", () => {
  it("finds nothing wrong after real flows, then reports a tampered ledger and a refund made behind our back", async () => {
    const fixture = await payableProvider(h);
    const a = await paidBooking(fixture);
    await runPayouts(h.db, h.deps, { now: afterEscrow(a.payout), providerIds: [fixture.providerId] });
    const b = await paidBooking(fixture);
    await refundBooking(h.db, h.stripe, b.booking, { amount: 1000, reason: "partial", actor: ADMIN });
    await settle(h);

    const clean = await reconcile(h.db, h.stripe, { bookingIds: [a.booking.id, b.booking.id] });
    expect(clean).toMatchObject({ checkedBookings: 2, checkedIntents: 2, discrepancies: 0 });

    // A refund made in Stripe that never reached us (no webhook), and a ledger line without its other half.
    h.standin.setWebhookUrl(null);
    try {
      await h.stripe.refunds.create({ payment_intent: (await paymentsForBooking(h.db, b.booking.id))[0]!.stripePaymentIntentId, amount: 300 });
    } finally {
      h.standin.setWebhookUrl(h.webhooks.url);
    }
    const [bad] = await h.db
      .insert(ledgerEntries)
      .values({ transactionId: crypto.randomUUID(), kind: "manual", account: "platform:fees", bookingId: a.booking.id, providerId: fixture.providerId, currency: "usd", amount: 7 })
      .returning();
    try {
      const found = await reconcile(h.db, h.stripe, { bookingIds: [a.booking.id, b.booking.id] });
      expect(found.byKind).toMatchObject({
        ledger_transaction_unbalanced: 1,
        ledger_booking_unbalanced: 1,
        stripe_refund_unknown: 1,
        stripe_refund_mismatch: 1,
      });
      const stored = await listDiscrepancies(h.db, { runId: found.runId });
      expect(stored).toHaveLength(found.discrepancies);
      expect(stored.find((d) => d.kind === "stripe_refund_mismatch")).toMatchObject({ bookingId: b.booking.id, details: { stripe: 1300, ours: 1000 } });
    } finally {
      await h.db.delete(ledgerEntries).where(eq(ledgerEntries.id, bad!.id));
    }
  });
});
