// Webhook delivery: signed so that the SDK's own verification accepts it, retried on failure, and —
// on request — duplicated, delayed, held or reordered, which Stripe is allowed to do at any time.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { useWebhookHarness, WEBHOOK_SECRET, type Receiver } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;
let receiver: Receiver;

useWebhookHarness((h) => ({ standin, stripe, receiver } = h));

const payNow = (amount = 2000) =>
  stripe.paymentIntents.create({ amount, currency: "usd", allowed_payment_method_types: ["card"], payment_method: "pm_card_visa", confirm: true });

describe("delivery and signatures", () => {
  it("delivers each state change in order, signed so constructEventAsync verifies it", async () => {
    const pi = await payNow();
    const got = await receiver.waitFor((all) => all.some((w) => w.event.type === "payment_intent.succeeded"));
    expect(got.map((w) => w.event.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]);

    for (const delivery of got) {
      expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = await stripe.webhooks.constructEventAsync(delivery.body, delivery.signature, WEBHOOK_SECRET);
      expect(event.id).toMatch(/^evt_/);
      expect(event.livemode).toBe(false);
      expect(await stripe.events.retrieve(event.id)).toEqual(event);
    }
    const succeeded = await stripe.webhooks.constructEventAsync(got[2]!.body, got[2]!.signature, WEBHOOK_SECRET);
    if (succeeded.type !== "payment_intent.succeeded") throw new Error("unexpected event type");
    expect(succeeded.data.object).toMatchObject({ id: pi.id, status: "succeeded", amount_received: 2000 });
    expect(succeeded.request?.id).toMatch(/^req_/);
  });

  it("fails verification with the wrong secret or a tampered body", async () => {
    await payNow();
    const [delivery] = await receiver.waitFor((all) => all.length > 0);
    await expect(stripe.webhooks.constructEventAsync(delivery!.body, delivery!.signature, "whsec_someone_else")).rejects.toBeInstanceOf(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const tampered = delivery!.body.replace('"livemode": false', '"livemode": true');
    expect(tampered).not.toBe(delivery!.body);
    await expect(stripe.webhooks.constructEventAsync(tampered, delivery!.signature, WEBHOOK_SECRET)).rejects.toBeInstanceOf(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("retries with backoff until the endpoint answers 2xx", async () => {
    receiver.failNext(2, 503);
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", allowed_payment_method_types: ["card"] });
    const [delivery] = await receiver.waitFor((all) => all.length === 1);
    expect(delivery!.event.data.object.id).toBe(pi.id);
    await standin.waitForWebhooks(); // the receiver records before the stand-in has read its answer
    const attempts = standin.state().webhooks.deliveries.filter((d) => d.event === delivery!.event.id);
    expect(attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
  });
});

describe("subscription (enabled_events)", () => {
  it("delivers only the types the endpoint subscribes to; the event log still has every event", async () => {
    standin.setWebhookUrl(receiver.url, ["payment_intent.succeeded"]);
    try {
      const pi = await payNow();
      const got = await receiver.waitFor((all) => all.length > 0);
      await standin.waitForWebhooks();
      expect(receiver.received.map((w) => w.event.type)).toEqual(["payment_intent.succeeded"]);
      expect(got[0]!.event.data.object).toMatchObject({ id: pi.id });
      const logged = await stripe.events.list({ limit: 10 });
      expect(logged.data.map((e) => e.type)).toEqual(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
    } finally {
      standin.setWebhookUrl(receiver.url, ["*"]);
    }
  });

  it("sets the subscription through the control API and refuses a malformed one", async () => {
    const post = (body: unknown) =>
      fetch(`${standin.url}/_standin/webhook-url`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const set = await post({ url: receiver.url, enabled_events: ["charge.succeeded"] });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ url: receiver.url, enabled_events: ["charge.succeeded"] });
    try {
      await payNow();
      await receiver.waitFor((all) => all.length > 0);
      await standin.waitForWebhooks();
      expect(receiver.received.map((w) => w.event.type)).toEqual(["charge.succeeded"]);
      expect((await post({ url: receiver.url, enabled_events: [] })).status).toBe(400);
      expect((await post({ url: receiver.url, enabled_events: "charge.succeeded" })).status).toBe(400);
    } finally {
      standin.setWebhookUrl(receiver.url, ["*"]);
    }
  });
});

describe("delivery modes", () => {
  it("duplicate: every event arrives twice with the same id and body", async () => {
    standin.setWebhookMode("duplicate");
    await stripe.paymentIntents.create({ amount: 2000, currency: "usd", allowed_payment_method_types: ["card"] });
    const got = await receiver.waitFor((all) => all.length === 2);
    expect(got[0]!.event.id).toBe(got[1]!.event.id);
    expect(got[0]!.body).toBe(got[1]!.body);
    for (const d of got) await stripe.webhooks.constructEventAsync(d.body, d.signature, WEBHOOK_SECRET);
  });

  it("hold: nothing arrives until flushed, then in order", async () => {
    standin.setWebhookMode("hold");
    await payNow();
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(0);
    expect(standin.state().webhooks.held).toBe(3);
    expect(standin.flushWebhooks()).toBe(3);
    const got = await receiver.waitFor((all) => all.length === 3);
    expect(got.map((w) => w.event.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]);
  });

  it("reorder: the flush delivers newest first", async () => {
    standin.setWebhookMode("reorder");
    await payNow();
    // Over the control API this time, as a product test running the stand-in out of process would.
    const res = await fetch(`${standin.url}/_standin/webhooks/flush`, { method: "POST" });
    expect(await res.json()).toEqual({ flushed: 3 });
    const got = await receiver.waitFor((all) => all.length === 3);
    expect(got.map((w) => w.event.type)).toEqual(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
  });

  it("reorder with delayMs releases the batch by itself once events stop coming", async () => {
    standin.setWebhookMode("reorder", 100);
    await payNow();
    const got = await receiver.waitFor((all) => all.length === 3);
    expect(got.map((w) => w.event.type)).toEqual(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
  });

  it("delay: events arrive late", async () => {
    standin.setWebhookMode("delay", 250);
    const started = Date.now();
    await stripe.paymentIntents.create({ amount: 2000, currency: "usd", allowed_payment_method_types: ["card"] });
    await receiver.waitFor((all) => all.length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(await standin.waitForWebhooks()).toBe(true);
  });
});

describe("event log", () => {
  it("lists events newest first, filtered by type with a wildcard", async () => {
    await payNow();
    const intents = await stripe.events.list({ type: "payment_intent.*" });
    expect(intents.data.map((e) => e.type)).toEqual(["payment_intent.succeeded", "payment_intent.created"]);
    const charges = await stripe.events.list({ types: ["charge.succeeded"] });
    expect(charges.data).toHaveLength(1);
  });
});
