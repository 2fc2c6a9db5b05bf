// Connect: Express-like accounts, the hosted onboarding link, and transfers grouped by transfer_group.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { failure, onboardedAccount, submitForm, useStandin } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;

useStandin((h) => ({ standin, stripe } = h));

describe("accounts and onboarding", () => {
  it("a new Express account can neither charge nor be paid out", async () => {
    const account = await stripe.accounts.create({
      type: "express",
      country: "DE",
      email: "anna@example.com",
      capabilities: { transfers: { requested: true } },
      metadata: { provider_id: "p1" },
    });
    expect(account).toMatchObject({
      object: "account",
      type: "express",
      country: "DE",
      default_currency: "eur",
      email: "anna@example.com",
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      capabilities: { transfers: "inactive" },
      metadata: { provider_id: "p1" },
    });
    expect(account.id).toMatch(/^acct_/);
    expect(account.requirements?.currently_due?.length).toBeGreaterThan(0);
    expect(await stripe.accounts.retrieve(account.id)).toEqual(account);

    const updated = await stripe.accounts.update(account.id, { metadata: { provider_id: "p2" } });
    expect(updated.metadata).toEqual({ provider_id: "p2" });
  });

  it("the account link's page completes onboarding, returns to return_url and emits account.updated", async () => {
    const account = await stripe.accounts.create({ type: "express", email: "ben@example.com", capabilities: { transfers: { requested: true } } });
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: "account_onboarding",
      refresh_url: "https://app.example/connect/refresh",
      return_url: "https://app.example/connect/done",
    });
    expect(link.object).toBe("account_link");
    expect(link.expires_at).toBeGreaterThan(link.created);
    expect(link.url.startsWith(`${standin.url}/connect/onboarding/`)).toBe(true);

    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Complete onboarding");
    expect(html).toContain(account.id);

    const done = await submitForm(link.url, { action: "complete" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("https://app.example/connect/done");

    const after = await stripe.accounts.retrieve(account.id);
    expect(after).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true, capabilities: { transfers: "active" } });
    expect(after.requirements?.currently_due).toEqual([]);

    const events = await stripe.events.list({ type: "account.updated" });
    const event = events.data.find((e) => (e.data.object as Stripe.Account).id === account.id)!;
    expect(event.account).toBe(account.id);
    expect(event.data.previous_attributes).toMatchObject({ charges_enabled: false, payouts_enabled: false });

    // Account links are single-use: the next visit is sent to refresh_url.
    const reused = await fetch(link.url, { redirect: "manual" });
    expect(reused.status).toBe(303);
    expect(reused.headers.get("location")).toBe("https://app.example/connect/refresh");
  });

  it("leaving onboarding early still returns to return_url, with nothing enabled", async () => {
    const account = await stripe.accounts.create({ type: "express" });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", return_url: "https://app.example/back" });
    const left = await submitForm(link.url, { action: "leave" });
    expect(left.headers.get("location")).toBe("https://app.example/back");
    expect((await stripe.accounts.retrieve(account.id)).payouts_enabled).toBe(false);
  });
});

describe("transfers", () => {
  it("refuses an account without payouts, and an unknown account", async () => {
    const pending = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
    const err = await failure(stripe.transfers.create({ amount: 1000, currency: "usd", destination: pending.id }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: "insufficient_capabilities_for_transfer", param: "destination" });

    const unknown = await failure(stripe.transfers.create({ amount: 1000, currency: "usd", destination: "acct_nobody" }));
    expect(unknown).toMatchObject({ statusCode: 400, code: "resource_missing", param: "destination" });
    expect(standin.state().counts.transfers).toBe(0);
  });

  it("pays an onboarded account and lists by transfer_group and destination", async () => {
    const provider = await onboardedAccount(stripe, standin);
    const other = await onboardedAccount(stripe, standin);
    const pi = await stripe.paymentIntents.create({
      amount: 20_000,
      currency: "usd",
      allowed_payment_method_types: ["card"],
      payment_method: "pm_card_visa",
      confirm: true,
      transfer_group: "booking_77",
    });
    const transfer = await stripe.transfers.create({
      amount: 18_000,
      currency: "usd",
      destination: provider.id,
      transfer_group: "booking_77",
      source_transaction: String(pi.latest_charge),
      metadata: { booking_id: "77" },
    });
    expect(transfer).toMatchObject({
      object: "transfer",
      amount: 18_000,
      currency: "usd",
      destination: provider.id,
      transfer_group: "booking_77",
      source_transaction: pi.latest_charge,
      reversed: false,
      amount_reversed: 0,
      metadata: { booking_id: "77" },
    });
    expect(transfer.id).toMatch(/^tr_/);
    await stripe.transfers.create({ amount: 500, currency: "usd", destination: other.id, transfer_group: "booking_78" });

    const byGroup = await stripe.transfers.list({ transfer_group: "booking_77" });
    expect(byGroup.data.map((t) => t.id)).toEqual([transfer.id]);
    const byDestination = await stripe.transfers.list({ destination: other.id });
    expect(byDestination.data).toHaveLength(1);
    expect(await stripe.transfers.retrieve(transfer.id)).toEqual(transfer);

    // The source charge has 2,000 left; taking more from it fails.
    const tooMuch = await failure(
      stripe.transfers.create({ amount: 2001, currency: "usd", destination: provider.id, source_transaction: String(pi.latest_charge) }),
    );
    expect(tooMuch.code).toBe("balance_insufficient");

    const platform = await stripe.balance.retrieve();
    expect(platform.available.find((b) => b.currency === "usd")?.amount).toBe(20_000 - 18_000 - 500);
    const connected = await stripe.balance.retrieve({}, { stripeAccount: provider.id });
    expect(connected.available[0]).toMatchObject({ amount: 18_000, currency: "usd" });
  });
});
