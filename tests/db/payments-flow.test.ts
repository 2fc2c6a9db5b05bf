// Payments end to end against real Postgres and the Stripe stand-in, with webhooks delivered over signed
// HTTP to the same handler the Worker route uses: booking → PaymentIntent → checkout page → webhook →
// booking state, ledger and payout schedule; declines and retries, 3D Secure, manual capture (accept /
// decline / expiry), duplicated and reordered deliveries, bad signatures, cancellation refunds.
import { Temporal } from "@js-temporal/polyfill";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entriesForBooking } from "../../db/queries/ledger";
import { listTransitions } from "../../db/queries/bookings";
import { findPayoutByBooking, paymentsForBooking, refundsForBooking } from "../../db/queries/payments";
import { emailOutbox, stripeEvents } from "../../db/schema";
import { replay, type TransitionRecord } from "../../domain/booking-states";
import { payableAtFor } from "../../workers/payments/escrow";
import { paymentsMaintenance } from "../../workers/payments/maintenance";
import { startCheckout, syncPaymentIntent } from "../../workers/payments/payment-intents";
import { paymentHooks } from "../../workers/payments/hooks";
import { settleFollowUp } from "../../workers/payments/refunds";
import { signatureHeader } from "../../stripe-standin/webhooks";
import { STRIPE_WEBHOOK_EVENTS } from "../../workers/payments/webhook-events";
import { acceptBooking, cancelBooking, declineBooking } from "../../workers/services/cancel-booking";
import { DEFAULT_BOOKING_SETTINGS } from "../../workers/services/context";
import { expireStaleBookings } from "../../workers/services/expire-bookings";
import { transitionBooking } from "../../workers/services/transition-booking";
import type { ProviderFixture } from "../support/db";
import {
  bookingNow,
  bookThrough,
  completeThreeDS,
  newCustomer,
  payableProvider,
  payOnCheckoutPage,
  settle,
  startHarness,
  WEBHOOK_SECRET,
  type Harness,
} from "./payments-harness";

let h: Harness;
let provider: ProviderFixture & { accountId: string };
let approvalProvider: ProviderFixture & { accountId: string };
let customerId: string;

beforeAll(async () => {
  h = await startHarness();
  provider = await payableProvider(h);
  approvalProvider = await payableProvider(h, { service: { requiresApproval: true } });
  customerId = await newCustomer(h);
});
afterAll(() => h?.close());

const serviceDeps = () => ({ port: h.deps.port, hooks: paymentHooks(h.deps), settings: DEFAULT_BOOKING_SETTINGS });

async function trail(bookingId: string): Promise<TransitionRecord[]> {
  return (await listTransitions(h.db, bookingId)).map((t) => ({
    from: t.fromStatus,
    to: t.toStatus,
    actor: { type: t.actorType, id: t.actorId },
    reason: t.reason,
    at: t.createdAt.toISOString(),
  }));
}

async function ledgerSum(bookingId: string): Promise<number> {
  return (await entriesForBooking(h.db, bookingId)).reduce((acc, e) => acc + e.amount, 0);
}

describe("automatic capture", () => {
  it("happy path: intent → checkout page with pm_card_visa → signed webhook → confirmed, ledger and escrow payout schedule", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    expect(payment).toMatchObject({ amount: booking.totalAmount, currency: "usd", captureMethod: "automatic" });
    expect(payment.checkoutUrl).toBe(
      `${h.standin.url}/checkout/${payment.paymentIntentId}?client_secret=${encodeURIComponent(payment.clientSecret)}`,
    );
    const pi = await h.stripe.paymentIntents.retrieve(payment.paymentIntentId);
    expect(pi).toMatchObject({ transfer_group: booking.id, metadata: { bookingId: booking.id, providerId: provider.providerId } });
    expect((await fetch(payment.checkoutUrl)).status).toBe(200);

    const paid = await payOnCheckoutPage(h, payment, "pm_card_visa");
    expect(paid.status).toBe(303);
    expect(new URL(paid.headers.get("location")!).searchParams.get("redirect_status")).toBe("succeeded");
    await settle(h);

    const after = await bookingNow(h, booking.id);
    expect(after.status).toBe("confirmed");
    expect(replay(await trail(booking.id))).toBe("confirmed");
    const last = (await trail(booking.id)).at(-1)!;
    expect(last).toMatchObject({ from: "pending", to: "confirmed", actor: { type: "system", id: null } });

    const [row] = await paymentsForBooking(h.db, booking.id);
    expect(row).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount, amountRefunded: 0 });
    const entries = await entriesForBooking(h.db, booking.id);
    expect(entries.map((e) => [e.kind, e.account, e.amount]).sort()).toEqual(
      [
        ["capture", "platform:stripe_balance", booking.totalAmount],
        ["capture", `provider:${provider.providerId}:escrow`, -booking.totalAmount],
        ["fee", `provider:${provider.providerId}:escrow`, booking.platformFeeAmount],
        ["fee", "platform:fees", -booking.platformFeeAmount],
      ].sort(),
    );
    expect(await ledgerSum(booking.id)).toBe(0);

    const payout = await findPayoutByBooking(h.db, booking.id);
    expect(payout).toMatchObject({ status: "scheduled", grossAmount: booking.providerAmount, deductionAmount: 0 });
    expect(payout!.payableAt.toISOString()).toBe(new Date(payableAtFor(booking, h.config.ESCROW_PERIOD).epochMilliseconds).toISOString());
    expect(payableAtFor(booking, h.config.ESCROW_PERIOD).since(Temporal.Instant.fromEpochMilliseconds(booking.endsAt.getTime())).total({ unit: "hours" })).toBeGreaterThanOrEqual(7 * 24 - 1);
  });

  it("a decline → payment_failed (slot released, email queued); the retry reuses the intent and confirms", async () => {
    const { booking, payment, manageToken } = await bookThrough(h, provider);
    const declined = await payOnCheckoutPage(h, payment, "pm_card_chargeDeclined");
    expect(new URL(declined.headers.get("location")!).searchParams.get("redirect_status")).toBe("failed");
    await settle(h);

    expect((await bookingNow(h, booking.id)).status).toBe("payment_failed");
    const released = h.changes.filter((c) => c.bookingId === booking.id && c.kind === "released");
    expect(released).toHaveLength(1);
    const mails = await h.db.select().from(emailOutbox).where(eq(emailOutbox.bookingId, booking.id));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: "payment_failed", toAddress: booking.customerEmail });
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ status: "requires_payment_method", lastError: "Your card was declined." });
    expect(await entriesForBooking(h.db, booking.id)).toEqual([]);

    // Retry as the guest (manage token): back to pending, same intent.
    const again = await startCheckout(h.db, h.deps, { code: booking.confirmationCode, access: { manageToken } });
    expect(again.paymentIntentId).toBe(payment.paymentIntentId);
    expect((await bookingNow(h, booking.id)).status).toBe("pending");
    expect(h.changes.filter((c) => c.bookingId === booking.id && c.kind === "occupied")).toHaveLength(1);
    // A late event about the same failed attempt (the intent still shows it) does not undo the retry.
    await syncPaymentIntent(h.db, h.deps, payment.paymentIntentId, { eventId: "evt_late_redelivery" });
    expect((await bookingNow(h, booking.id)).status).toBe("pending");

    await payOnCheckoutPage(h, again, "pm_card_visa");
    await settle(h);
    expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
    expect((await trail(booking.id)).map((t) => t.to)).toEqual(["pending", "payment_failed", "pending", "confirmed"]);
    expect(await paymentsForBooking(h.db, booking.id)).toHaveLength(1);
    expect(await ledgerSum(booking.id)).toBe(0);
    // A third party cannot restart someone else's payment.
    await expect(startCheckout(h.db, h.deps, { code: booking.confirmationCode, access: { manageToken: "nope" } })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("3D Secure: requires_action keeps the booking pending until the bank's page completes", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    const res = await payOnCheckoutPage(h, payment, "pm_card_authenticationRequired");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain(`/3ds/${payment.paymentIntentId}`);
    await settle(h);
    expect((await bookingNow(h, booking.id)).status).toBe("pending");
    expect((await paymentsForBooking(h.db, booking.id))[0]!.status).toBe("requires_action");

    await completeThreeDS(h, payment, "approve");
    await settle(h);
    expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
    expect((await paymentsForBooking(h.db, booking.id))[0]!.amountCaptured).toBe(booking.totalAmount);
  });

  it("3D Secure failed → payment_failed", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    await payOnCheckoutPage(h, payment, "pm_card_authenticationRequired");
    await completeThreeDS(h, payment, "fail");
    await settle(h);
    expect((await bookingNow(h, booking.id)).status).toBe("payment_failed");
  });
});

describe("manual capture (provider approval)", () => {
  it("authorisation → awaiting_approval; accept captures → confirmed with the ledger written at once", async () => {
    const { booking, payment } = await bookThrough(h, approvalProvider, { customerId });
    expect(payment.captureMethod).toBe("manual");
    await payOnCheckoutPage(h, payment, "pm_card_visa");
    await settle(h);
    expect((await bookingNow(h, booking.id)).status).toBe("awaiting_approval");
    expect(await entriesForBooking(h.db, booking.id)).toEqual([]);

    await acceptBooking(h.db, { code: booking.confirmationCode, access: { session: { userId: approvalProvider.userId, role: "provider" } } }, serviceDeps());
    expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
    expect((await h.stripe.paymentIntents.retrieve(payment.paymentIntentId)).status).toBe("succeeded");
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount });
    await settle(h); // the succeeded webhook arrives after and changes nothing
    expect((await entriesForBooking(h.db, booking.id)).filter((e) => e.kind === "capture")).toHaveLength(2);
    expect((await trail(booking.id)).map((t) => [t.to, t.actor.type])).toEqual([
      ["pending", "customer"],
      ["awaiting_approval", "system"],
      ["confirmed", "provider"],
    ]);
  });

  it("decline voids the authorisation: nothing captured, nothing refunded", async () => {
    const { booking, payment } = await bookThrough(h, approvalProvider, { customerId });
    await payOnCheckoutPage(h, payment, "pm_card_visa");
    await settle(h);
    await declineBooking(h.db, { code: booking.confirmationCode, access: { session: { userId: approvalProvider.userId, role: "provider" } } }, serviceDeps());
    await settle(h);
    expect((await h.stripe.paymentIntents.retrieve(payment.paymentIntentId)).status).toBe("canceled");
    expect((await paymentsForBooking(h.db, booking.id))[0]!.status).toBe("canceled");
    expect((await bookingNow(h, booking.id)).status).toBe("cancelled");
    expect(await refundsForBooking(h.db, booking.id)).toEqual([]);
    expect(await entriesForBooking(h.db, booking.id)).toEqual([]);
  });

  it("an unanswered request expires and housekeeping voids its authorisation", async () => {
    const { booking, payment } = await bookThrough(h, approvalProvider, { customerId });
    await payOnCheckoutPage(h, payment, "pm_card_visa");
    await settle(h);
    const later = Temporal.Now.instant().add({ hours: 25 });
    const expired = await expireStaleBookings(h.db, later, { providerId: approvalProvider.providerId, port: h.deps.port });
    expect(expired.expired.map((e) => e.id)).toContain(booking.id);
    const details = await paymentsMaintenance(h.db, h.deps, { bookingIds: [booking.id], reconcile: false });
    expect(details.intentsVoided).toBe(1);
    expect((await h.stripe.paymentIntents.retrieve(payment.paymentIntentId)).status).toBe("canceled");
    await settle(h);
    expect((await paymentsForBooking(h.db, booking.id))[0]!.status).toBe("canceled");
    expect((await bookingNow(h, booking.id)).status).toBe("expired");
  });
});

describe("webhook delivery", () => {
  it("duplicated deliveries are acknowledged and ignored: same end state as a single delivery", async () => {
    h.standin.setWebhookMode("duplicate");
    try {
      const { booking, payment } = await bookThrough(h, provider, { customerId });
      await payOnCheckoutPage(h, payment, "pm_card_visa");
      await settle(h);
      // Only the subscribed types are stored (payment_intent.created is acknowledged without work).
      const subscribed: readonly string[] = STRIPE_WEBHOOK_EVENTS;
      const events = (await h.stripe.events.list({ limit: 100 })).data.filter(
        (e) => (e.data.object as { id?: string }).id === payment.paymentIntentId && subscribed.includes(e.type),
      );
      expect(events.map((e) => e.type)).toContain("payment_intent.succeeded");
      const stored = await h.db.select().from(stripeEvents).where(inArray(stripeEvents.id, events.map((e) => e.id)));
      expect(stored.length).toBe(events.length);
      expect(stored.every((e) => e.processedAt !== null)).toBe(true);
      expect(h.webhooks.responses.filter((r) => r.body.duplicate === true).length).toBeGreaterThanOrEqual(events.length);
      expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
      expect((await trail(booking.id)).map((t) => t.to)).toEqual(["pending", "confirmed"]);
      expect(await entriesForBooking(h.db, booking.id)).toHaveLength(4);
    } finally {
      h.standin.setWebhookMode("normal");
    }
  });

  it("reordered deliveries (payment_failed after succeeded) never downgrade a confirmed booking", async () => {
    h.standin.setWebhookMode("reorder");
    try {
      const { booking, payment } = await bookThrough(h, provider, { customerId });
      await payOnCheckoutPage(h, payment, "pm_card_chargeDeclinedInsufficientFunds");
      await payOnCheckoutPage(h, payment, "pm_card_visa");
      expect((await bookingNow(h, booking.id)).status).toBe("pending"); // nothing delivered yet
      expect(h.standin.flushWebhooks()).toBeGreaterThanOrEqual(4);
      await settle(h);
      expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
      expect((await trail(booking.id)).map((t) => t.to)).toEqual(["pending", "confirmed"]);
      expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount });
      expect(await entriesForBooking(h.db, booking.id)).toHaveLength(4);
      expect(await ledgerSum(booking.id)).toBe(0);
    } finally {
      h.standin.setWebhookMode("normal");
    }
  });

  it("a bad signature is refused with 400 and changes nothing", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    h.standin.setWebhookUrl(null);
    try {
      await payOnCheckoutPage(h, payment, "pm_card_visa");
    } finally {
      h.standin.setWebhookUrl(h.webhooks.url);
    }
    const event = (await h.stripe.events.list({ type: "payment_intent.succeeded", limit: 100 })).data.find(
      (e) => (e.data.object as { id: string }).id === payment.paymentIntentId,
    )!;
    const body = JSON.stringify(event);
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(h.webhooks.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });

    expect((await post({ "stripe-signature": signatureHeader("whsec_not_ours", body) })).status).toBe(400);
    expect((await post({ "stripe-signature": signatureHeader(WEBHOOK_SECRET, body) }, body.replace(booking.id, "00000000-0000-0000-0000-000000000000"))).status).toBe(400);
    expect((await post({})).status).toBe(400);
    expect(await h.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id))).toEqual([]);
    expect((await bookingNow(h, booking.id)).status).toBe("pending");

    // The genuine delivery (signed over the exact bytes) is applied.
    const ok = await post({ "stripe-signature": signatureHeader(WEBHOOK_SECRET, body) });
    expect(ok.status).toBe(200);
    expect((await bookingNow(h, booking.id)).status).toBe("confirmed");
  });

  it("acknowledges an event type the endpoint does not subscribe to without storing or applying it", async () => {
    const { payment } = await bookThrough(h, provider, { customerId });
    const created = (await h.stripe.events.list({ type: "payment_intent.created", limit: 100 })).data.find(
      (e) => (e.data.object as { id: string }).id === payment.paymentIntentId,
    )!;
    expect(STRIPE_WEBHOOK_EVENTS).not.toContain("payment_intent.created");
    const body = JSON.stringify(created);
    const response = await fetch(h.webhooks.url, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signatureHeader(WEBHOOK_SECRET, body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, ignored: "event type not subscribed" });
    expect(await h.db.select().from(stripeEvents).where(eq(stripeEvents.id, created.id))).toEqual([]);
    // Still verified first: an unsigned one is refused like any other.
    const forged = await fetch(h.webhooks.url, { method: "POST", headers: { "stripe-signature": signatureHeader("whsec_not_ours", body) }, body });
    expect(forged.status).toBe(400);
  });
});

/**
 * The customer pays while the webhook is held and the booking is cancelled meanwhile, so the late
 * success owes a full refund; every refund call fails while the webhook (and its retries) arrive.
 */
async function lateSuccessWithRefundOwed() {
  const created = await bookThrough(h, provider, { customerId });
  h.standin.setWebhookMode("hold");
  try {
    await payOnCheckoutPage(h, created.payment, "pm_card_visa");
    await transitionBooking(h.db, { bookingId: created.booking.id, to: "cancelled", actor: { type: "customer", id: customerId }, reason: "changed my mind" });
  } finally {
    h.standin.setWebhookMode("normal");
  }
  h.standin.injectFaults({ failNext: { path: "/v1/refunds", count: 100, status: 500 } });
  h.standin.flushWebhooks();
  await settle(h);
  h.standin.clearFaults();
  return created;
}

describe("cancellation refunds", () => {
  it("cancelling a paid booking refunds per the policy (100 % > 24 h ahead) and ends refunded", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    await payOnCheckoutPage(h, payment, "pm_card_visa");
    await settle(h);
    const result = await cancelBooking(h.db, { code: booking.confirmationCode, access: { session: { userId: customerId, role: "customer" } } }, serviceDeps());
    expect(result.refund.amount).toBe(booking.totalAmount);
    await settle(h);
    const refunds = await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId });
    expect(refunds.data.map((r) => r.amount)).toEqual([booking.totalAmount]);
    const [row] = await refundsForBooking(h.db, booking.id);
    expect(row).toMatchObject({ status: "succeeded", amount: booking.totalAmount, stripeRefundId: refunds.data[0]!.id });
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ amountRefunded: booking.totalAmount });
    expect((await bookingNow(h, booking.id)).status).toBe("refunded");
    expect(await ledgerSum(booking.id)).toBe(0);
    const escrow = (await entriesForBooking(h.db, booking.id)).filter((e) => e.account === `provider:${provider.providerId}:escrow`);
    expect(escrow.reduce((acc, e) => acc + e.amount, 0)).toBe(0);
    expect(await findPayoutByBooking(h.db, booking.id)).toMatchObject({ status: "cancelled", grossAmount: 0 });
    const refundLines = (await entriesForBooking(h.db, booking.id)).filter((e) => e.kind === "refund");
    expect(refundLines).toHaveLength(3); // stripe balance, fees, escrow: one set
  });

  it("cancelling mid-checkout voids the open intent: it can no longer be paid", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    // Cancel mid-checkout: the open intent is voided, so paying it afterwards is refused by Stripe.
    await cancelBooking(h.db, { code: booking.confirmationCode, access: { session: { userId: customerId, role: "customer" } } }, serviceDeps());
    expect((await h.stripe.paymentIntents.retrieve(payment.paymentIntentId)).status).toBe("canceled");
    const res = await payOnCheckoutPage(h, payment, "pm_card_visa");
    expect(res.status).toBe(400); // the page refuses: the payment was canceled
    await settle(h);
    expect(await h.db.select().from(emailOutbox).where(and(eq(emailOutbox.bookingId, booking.id), eq(emailOutbox.kind, "payment_failed")))).toEqual([]);
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ status: "canceled", amountCaptured: 0 });
  });

  it("a refund owed for a late success survives a failing refund call: housekeeping completes it", async () => {
    const { booking, payment } = await lateSuccessWithRefundOwed();
    const [before] = await paymentsForBooking(h.db, booking.id);
    expect(before).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount, amountRefunded: 0 });

    const details = await paymentsMaintenance(h.db, h.deps, { reconcile: false, bookingIds: [booking.id] });
    expect(details.autoRefundsRetried).toBe(1);
    await settle(h);
    const [after] = await paymentsForBooking(h.db, booking.id);
    expect(after).toMatchObject({ amountRefunded: booking.totalAmount });
    expect((await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId })).data).toHaveLength(1);
    expect((await bookingNow(h, booking.id)).status).toBe("refunded");
    expect(await ledgerSum(booking.id)).toBe(0);
    // Nothing is owed any more: the next run does nothing.
    expect((await paymentsMaintenance(h.db, h.deps, { reconcile: false, bookingIds: [booking.id] })).autoRefundsRetried).toBe(0);
  });

  it("two settlements of one owed refund at once (webhook and housekeeping) refund it once, without an error", async () => {
    const { booking, payment } = await lateSuccessWithRefundOwed();

    const owed = { paymentIntentId: payment.paymentIntentId, bookingId: booking.id, moved: [], capturePosted: false, followUp: { kind: "refund" as const, amount: booking.totalAmount, reason: "late payment" } };
    await Promise.all([settleFollowUp(h.db, h.deps, owed), settleFollowUp(h.db, h.deps, owed), settleFollowUp(h.db, h.deps, owed)]);
    await settle(h);
    expect((await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId })).data.map((r) => r.amount)).toEqual([booking.totalAmount]);
    expect((await paymentsForBooking(h.db, booking.id))[0]).toMatchObject({ amountRefunded: booking.totalAmount });
    expect(await ledgerSum(booking.id)).toBe(0);
  });

  it("late success on a cancelled booking (raced past the void) is refunded in full", async () => {
    const { booking, payment } = await bookThrough(h, provider, { customerId });
    // The customer pays while the webhook is held; the booking is cancelled before it is delivered.
    h.standin.setWebhookMode("hold");
    try {
      await payOnCheckoutPage(h, payment, "pm_card_visa");
      await transitionBooking(h.db, { bookingId: booking.id, to: "cancelled", actor: { type: "customer", id: customerId }, reason: "changed my mind" });
    } finally {
      h.standin.setWebhookMode("normal");
    }
    h.standin.flushWebhooks();
    await settle(h);
    const [row] = await paymentsForBooking(h.db, booking.id);
    expect(row).toMatchObject({ status: "succeeded", amountCaptured: booking.totalAmount, amountRefunded: booking.totalAmount });
    expect((await h.stripe.refunds.list({ payment_intent: payment.paymentIntentId })).data).toHaveLength(1);
    expect((await bookingNow(h, booking.id)).status).toBe("refunded");
    expect(await ledgerSum(booking.id)).toBe(0);
  });
});
