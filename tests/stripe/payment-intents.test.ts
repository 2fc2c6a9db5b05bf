// PaymentIntents through the official SDK: the card outcomes the product handles (success, declines,
// 3D Secure), manual capture and cancel, and Stripe's validation errors.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { failure, sdk, startStandin, submitForm, useStandin } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;

useStandin((h) => ({ standin, stripe } = h));

const cardOnly = { allowed_payment_method_types: ["card"] as Stripe.PaymentIntentCreateParams.AllowedPaymentMethodType[] };

describe("create and retrieve", () => {
  it("answers in Stripe's object shape", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 12_345,
      currency: "EUR",
      ...cardOnly,
      metadata: { booking_id: "bk_1" },
      transfer_group: "booking_bk_1",
      application_fee_amount: 1234,
    });
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 12_345,
      currency: "eur",
      status: "requires_payment_method",
      livemode: false,
      metadata: { booking_id: "bk_1" },
      transfer_group: "booking_bk_1",
      application_fee_amount: 1234,
      amount_received: 0,
      amount_capturable: 0,
      latest_charge: null,
      capture_method: "automatic_async",
      payment_method_types: ["card"],
    });
    expect(pi.id).toMatch(/^pi_\w{24}$/);
    expect(pi.client_secret?.startsWith(`${pi.id}_secret_`)).toBe(true);
    expect(Math.abs(pi.created - Date.now() / 1000)).toBeLessThan(5);
    expect(pi.lastResponse.requestId).toMatch(/^req_/);
    expect(await stripe.paymentIntents.retrieve(pi.id)).toEqual(pi);
  });

  it("works through the fetch-based HTTP client the Worker uses", async () => {
    const viaFetch = sdk(standin, { httpClient: Stripe.createFetchHttpClient() });
    const pi = await viaFetch.paymentIntents.create({ amount: 5000, currency: "usd", ...cardOnly, payment_method: "pm_card_visa", confirm: true });
    expect(pi.status).toBe("succeeded");
  });
});

describe("confirmation outcomes", () => {
  it("pm_card_visa succeeds and leaves a captured charge", async () => {
    const created = await stripe.paymentIntents.create({ amount: 4200, currency: "usd", ...cardOnly });
    const pi = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa" });
    expect(pi).toMatchObject({ status: "succeeded", amount_received: 4200, amount_capturable: 0, last_payment_error: null });
    expect(pi.payment_method).toMatch(/^pm_/);
    expect(pi.latest_charge).toMatch(/^ch_/);

    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    expect(charge).toMatchObject({
      object: "charge",
      status: "succeeded",
      paid: true,
      captured: true,
      amount: 4200,
      amount_captured: 4200,
      amount_refunded: 0,
      refunded: false,
      payment_intent: pi.id,
    });
    expect(charge.payment_method_details?.card?.last4).toBe("4242");
  });

  it("a generic decline raises StripeCardError and returns the intent to requires_payment_method", async () => {
    const created = await stripe.paymentIntents.create({ amount: 4200, currency: "usd", ...cardOnly });
    const err = await failure(stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa_chargeDeclined" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." });
    expect(err.payment_intent?.id).toBe(created.id);
    expect(err.payment_intent?.status).toBe("requires_payment_method");

    const pi = await stripe.paymentIntents.retrieve(created.id);
    expect(pi.status).toBe("requires_payment_method");
    expect(pi.last_payment_error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "generic_decline" });
    const failed = await stripe.charges.retrieve(String(pi.latest_charge));
    expect(failed).toMatchObject({ status: "failed", paid: false, failure_code: "card_declined" });

    // The customer may try again with another card.
    const retried = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa" });
    expect(retried.status).toBe("succeeded");
    expect(retried.last_payment_error).toBeNull();
  });

  it("insufficient funds (documented alias, create with confirm=true)", async () => {
    const err = await failure(
      stripe.paymentIntents.create({ amount: 4200, currency: "usd", ...cardOnly, payment_method: "pm_card_chargeDeclinedInsufficientFunds", confirm: true }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." });
  });

  it("3D Secure: requires_action with a redirect, then the stand-in's page approves", async () => {
    const created = await stripe.paymentIntents.create({ amount: 9900, currency: "usd", ...cardOnly });
    const returnUrl = "https://shop.example/bookings/42/paid?from=stripe";
    const pi = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_authenticationRequired", return_url: returnUrl });
    expect(pi.status).toBe("requires_action");
    expect(pi.next_action?.type).toBe("redirect_to_url");
    const redirect = pi.next_action!.redirect_to_url!;
    expect(redirect.return_url).toBe(returnUrl);
    expect(redirect.url!.startsWith(`${standin.url}/3ds/${pi.id}`)).toBe(true);

    const page = await fetch(redirect.url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Complete authentication");
    expect(html).toContain("Fail authentication");

    const res = await submitForm(`${standin.url}/3ds/${pi.id}/complete`, {
      client_secret: String(pi.client_secret),
      return_url: returnUrl,
      outcome: "approve",
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://shop.example/bookings/42/paid");
    expect(location.searchParams.get("from")).toBe("stripe");
    expect(location.searchParams.get("payment_intent")).toBe(pi.id);
    expect(location.searchParams.get("redirect_status")).toBe("succeeded");

    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("succeeded");
  });

  it("3D Secure failure leaves payment_intent_authentication_failure", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 9900, currency: "usd", ...cardOnly, payment_method: "pm_card_threeDSecure2Required", confirm: true });
    expect(pi.status).toBe("requires_action");
    const failed = standin.authenticate(pi.id, "fail");
    expect(failed.status).toBe("requires_payment_method");
    expect(failed.last_payment_error?.code).toBe("payment_intent_authentication_failure");
  });

  it("a card that needs authentication is declined off-session", async () => {
    const err = await failure(
      stripe.paymentIntents.create({ amount: 9900, currency: "usd", ...cardOnly, payment_method: "pm_card_authenticationRequired", confirm: true, off_session: true }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code: "authentication_required", decline_code: "authentication_required" });
  });

  it("server-side confirmation with automatic payment methods needs a return_url, as on Stripe", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 4200, currency: "usd" });
    expect(pi.automatic_payment_methods).toEqual({ allow_redirects: "always", enabled: true });
    const err = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe("return_url");

    const noRedirects = await stripe.paymentIntents.create({
      amount: 4200,
      currency: "usd",
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      payment_method: "pm_card_visa",
      confirm: true,
    });
    expect(noRedirects.status).toBe("succeeded");
  });
});

describe("manual capture and cancel", () => {
  it("authorizes, then captures part of the amount once", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: "usd",
      ...cardOnly,
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    expect(pi).toMatchObject({ status: "requires_capture", amount_capturable: 10_000, amount_received: 0 });
    expect((await stripe.charges.retrieve(String(pi.latest_charge))).captured).toBe(false);

    const tooMuch = await failure(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 10_001 }));
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch.code).toBe("amount_too_large");

    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 8000 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 8000, amount_capturable: 0 });
    const charge = await stripe.charges.retrieve(String(captured.latest_charge));
    expect(charge).toMatchObject({ captured: true, amount_captured: 8000 });

    const twice = await failure(stripe.paymentIntents.capture(pi.id));
    expect(twice.code).toBe("payment_intent_unexpected_state");
  });

  it("cancels an authorization; a succeeded intent cannot be canceled", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: "usd",
      ...cardOnly,
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "requested_by_customer" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "requested_by_customer", amount_capturable: 0 });
    expect(canceled.canceled_at).toBeGreaterThan(0);
    expect(await failure(stripe.paymentIntents.capture(pi.id))).toMatchObject({ code: "payment_intent_unexpected_state" });

    const paid = await stripe.paymentIntents.create({ amount: 5000, currency: "usd", ...cardOnly, payment_method: "pm_card_visa", confirm: true });
    const err = await failure(stripe.paymentIntents.cancel(paid.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.message).toContain("status of succeeded");
  });
});

describe("validation, update, list", () => {
  it("rejects what Stripe rejects", async () => {
    const unknown = await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd", amout: 5 } as Stripe.PaymentIntentCreateParams));
    expect(unknown).toMatchObject({ type: "StripeInvalidRequestError", code: "parameter_unknown", param: "amout" });

    const missing = await failure(stripe.paymentIntents.create({ currency: "usd" } as Stripe.PaymentIntentCreateParams));
    expect(missing).toMatchObject({ code: "parameter_missing", param: "amount" });

    const small = await failure(stripe.paymentIntents.create({ amount: 10, currency: "usd" }));
    expect(small).toMatchObject({ code: "amount_too_small", param: "amount" });

    const notFound = await failure(stripe.paymentIntents.retrieve("pi_doesnotexist"));
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, code: "resource_missing", message: "No such payment_intent: 'pi_doesnotexist'" });

    const unknownPm = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...cardOnly, payment_method: "pm_card_nope", confirm: true }),
    );
    expect(unknownPm).toMatchObject({ code: "resource_missing", param: "payment_method" });
  });

  it("updates metadata, including unsetting a key with an empty string", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...cardOnly, metadata: { a: "1", b: "2" } });
    const updated = await stripe.paymentIntents.update(pi.id, { metadata: { a: "", c: "3" }, description: "Booking 7" });
    expect(updated.metadata).toEqual({ b: "2", c: "3" });
    expect(updated.description).toBe("Booking 7");
  });

  it("lists newest first with cursors, auto-pagination and expand", async () => {
    const mine = "list-" + Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await stripe.paymentIntents.create({ amount: 1000 + i, currency: "usd", ...cardOnly, payment_method: "pm_card_visa", confirm: true, metadata: { mine } })).id);
    }
    const first = await stripe.paymentIntents.list({ limit: 2 });
    expect(first).toMatchObject({ object: "list", has_more: true, url: "/v1/payment_intents" });
    expect(first.data.map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const next = await stripe.paymentIntents.list({ limit: 2, starting_after: ids[1] });
    expect(next.data[0]!.id).toBe(ids[0]);

    const all = await stripe.paymentIntents.list({ limit: 2 }).autoPagingToArray({ limit: 1000 });
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    expect(all.length).toBe(standin.state().counts.payment_intents);

    const expanded = await stripe.paymentIntents.retrieve(ids[0]!, { expand: ["latest_charge"] });
    expect(typeof expanded.latest_charge).toBe("object");
    expect((expanded.latest_charge as Stripe.Charge).object).toBe("charge");
  });
});

describe("authentication", () => {
  it("an unknown or live key raises StripeAuthenticationError", async () => {
    const live = await failure(sdk(standin, {}, "sk_live_123").paymentIntents.list());
    expect(live).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(live.statusCode).toBe(401);

    const restricted = await startStandin({ apiKeys: ["sk_test_the_right_one"] });
    try {
      const wrong = await failure(sdk(restricted, {}, "sk_test_wrong").balance.retrieve());
      expect(wrong).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(wrong.message).toContain("Invalid API Key provided");
      const right = await sdk(restricted, {}, "sk_test_the_right_one").balance.retrieve();
      expect(right.object).toBe("balance");
    } finally {
      await restricted.close();
    }

    const anonymous = await fetch(`${standin.url}/v1/payment_intents`);
    expect(anonymous.status).toBe(401);
  });
});
