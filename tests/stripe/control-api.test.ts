// The /_standin/ control API over plain HTTP, as a product test running the stand-in as a separate
// process (the CLI) would use it.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { failure, sdk, startReceiver, startStandin, type Receiver } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;
let receiver: Receiver;

beforeAll(async () => {
  standin = await startStandin();
  stripe = sdk(standin);
  receiver = await startReceiver();
});
afterAll(async () => {
  await standin.close();
  await receiver.close();
});

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${standin.url}/_standin${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("control API", () => {
  it("injects a failure that the SDK surfaces as StripeAPIError, then clears", async () => {
    const set = await control("POST", "/faults", { failNext: { path: "/v1/payment_intents", count: 2, status: 503 } });
    expect(set.status).toBe(200);
    expect(set.json.faults).toEqual([expect.objectContaining({ path: "/v1/payment_intents", status: 503, remaining: 2 })]);

    const err = await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(503);

    await control("DELETE", "/faults");
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    expect(pi.status).toBe("requires_payment_method");
  });

  it("rejects malformed fault requests without applying any of them", async () => {
    const bad = await control("POST", "/faults", { failNext: [{ path: "/v1/transfers" }, { path: "no-slash" }] });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain("path");
    expect((await control("GET", "/faults")).json.faults).toEqual([]);
    expect((await control("POST", "/faults", { webhooks: { mode: "sideways" } })).status).toBe(400);
    expect((await control("POST", "/faults", { surprise: true })).status).toBe(400);
  });

  it("sets the webhook URL, reports state, onboards, authenticates and resets", async () => {
    expect((await control("POST", "/webhook-url", { url: receiver.url })).status).toBe(200);
    const account = await stripe.accounts.create({ type: "express" });
    const onboarded = await control("POST", `/accounts/${account.id}/onboard`);
    expect(onboarded.json).toMatchObject({ id: account.id, payouts_enabled: true });
    await receiver.waitFor((all) => all.some((w) => w.event.type === "account.updated"));

    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: "usd",
      allowed_payment_method_types: ["card"],
      payment_method: "pm_card_threeDSecure2Required",
      confirm: true,
    });
    const authenticated = await control("POST", `/payment_intents/${pi.id}/authenticate`, { outcome: "approve" });
    expect(authenticated.json).toMatchObject({ id: pi.id, status: "succeeded" });

    const state = await control("GET", "/state");
    expect(state.json.counts).toMatchObject({ accounts: 1, charges: 1 });
    expect((state.json.webhooks as { url: string }).url).toBe(receiver.url);

    expect((await control("POST", "/reset")).json).toEqual({ reset: true });
    expect((await control("GET", "/state")).json.counts).toMatchObject({ payment_intents: 0, accounts: 0, events: 0, idempotency_keys: 0 });
    expect((await control("GET", "/nope")).status).toBe(404);
  });
});
