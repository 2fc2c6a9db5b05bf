// Refunds: partial refunds add up, and no refund may take more than was captured minus earlier refunds.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { failure, useStandin } from "./helpers";

let stripe: Stripe;

useStandin((h) => ({ stripe } = h));

async function paid(amount: number, extra: Partial<Stripe.PaymentIntentCreateParams> = {}): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({
    amount,
    currency: "eur",
    allowed_payment_method_types: ["card"],
    payment_method: "pm_card_visa",
    confirm: true,
    ...extra,
  });
}

describe("refunds", () => {
  it("partial refunds accumulate on the charge; an over-refund is rejected", async () => {
    const pi = await paid(10_000);
    const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 3000, reason: "requested_by_customer", metadata: { booking: "b1" } });
    expect(first).toMatchObject({
      object: "refund",
      amount: 3000,
      currency: "eur",
      status: "succeeded",
      payment_intent: pi.id,
      charge: pi.latest_charge,
      reason: "requested_by_customer",
      metadata: { booking: "b1" },
    });
    expect(first.id).toMatch(/^re_/);

    const over = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 7001 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });
    expect(over.message).toBe("Refund amount (€70.01) is greater than unrefunded amount on charge (€70.00)");

    // Without an amount, the rest is refunded.
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(7000);

    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    expect(charge).toMatchObject({ amount_refunded: 10_000, refunded: true });

    const again = await failure(stripe.refunds.create({ charge: charge.id, amount: 1 }));
    expect(again).toMatchObject({ code: "charge_already_refunded" });

    const listed = await stripe.refunds.list({ payment_intent: pi.id });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, first.id]);
    expect(await stripe.refunds.retrieve(first.id)).toEqual(first);
  });

  it("after a partial capture only the captured amount is refundable", async () => {
    const pi = await paid(10_000, { capture_method: "manual" });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 6000 });
    const over = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 6001 }));
    expect(over.code).toBe("amount_too_large");
    expect((await stripe.refunds.create({ payment_intent: pi.id })).amount).toBe(6000);
  });

  it("an uncaptured or unpaid intent cannot be refunded", async () => {
    const authorized = await paid(5000, { capture_method: "manual" });
    const err = await failure(stripe.refunds.create({ payment_intent: authorized.id }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe("payment_intent");

    const missing = await failure(stripe.refunds.create({ payment_intent: "pi_missing" }));
    expect(missing).toMatchObject({ statusCode: 400, code: "resource_missing", param: "payment_intent" });

    const neither = await failure(stripe.refunds.create({ amount: 100 }));
    expect(neither).toMatchObject({ code: "parameter_missing" });
  });

  it("emits refund.created and charge.refunded", async () => {
    const pi = await paid(2500);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    const created = await stripe.events.list({ type: "refund.created", limit: 1 });
    expect((created.data[0]!.data.object as Stripe.Refund).id).toBe(refund.id);
    const refunded = await stripe.events.list({ type: "charge.refunded", limit: 1 });
    expect(refunded.data[0]!.data.object).toMatchObject({ id: pi.latest_charge, amount_refunded: 500, refunded: false });
  });
});
