// Idempotency keys and injected faults: the properties the product's payout job relies on to prove that
// "a 500 in the middle of a payout is retried without paying twice".
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { API_KEY, failure, onboardedAccount, sdk, startStandin } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;
let provider: Stripe.Account;

beforeAll(async () => {
  standin = await startStandin();
  stripe = sdk(standin);
});
beforeEach(async () => {
  standin.reset();
  provider = await onboardedAccount(stripe, standin);
});
afterAll(() => standin.close());

const payout = () => ({ amount: 4500, currency: "usd", destination: provider.id, transfer_group: "booking_1", metadata: { payout_id: "po_1" } });
const transfersMade = () => standin.state().counts.transfers;

describe("idempotency keys", () => {
  it("replays the stored response for the same key and parameters", async () => {
    const first = await stripe.transfers.create(payout(), { idempotencyKey: "payout-po_1" });
    const second = await stripe.transfers.create(payout(), { idempotencyKey: "payout-po_1" });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(transfersMade()).toBe(1);
  });

  it("rejects the same key with different parameters or on another endpoint", async () => {
    await stripe.transfers.create(payout(), { idempotencyKey: "payout-po_2" });
    const changed = await failure(stripe.transfers.create({ ...payout(), amount: 4501 }, { idempotencyKey: "payout-po_2" }));
    expect(changed).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(changed.statusCode).toBe(400);
    expect(changed.message).toContain("Keys for idempotent requests can only be used with the same parameters they were first used with.");

    const elsewhere = await failure(
      stripe.paymentIntents.create({ amount: 4500, currency: "usd", allowed_payment_method_types: ["card"] }, { idempotencyKey: "payout-po_2" }),
    );
    expect(elsewhere).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(transfersMade()).toBe(1);
  });

  it("stores a decline, but not a request that failed validation", async () => {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: 3000,
      currency: "usd",
      allowed_payment_method_types: ["card"],
      payment_method: "pm_card_visa_chargeDeclined",
      confirm: true,
    };
    const a = await failure(stripe.paymentIntents.create(params, { idempotencyKey: "decline-1" }));
    const b = await failure(stripe.paymentIntents.create(params, { idempotencyKey: "decline-1" }));
    expect(b).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(b.payment_intent?.id).toBe(a.payment_intent?.id);
    expect(b.headers?.["idempotent-replayed"]).toBe("true");
    expect(standin.state().counts.charges).toBe(1);

    const invalid = await failure(stripe.transfers.create({ ...payout(), amount: -1 }, { idempotencyKey: "fix-me" }));
    expect(invalid.code).toBe("parameter_invalid_integer");
    const corrected = await stripe.transfers.create(payout(), { idempotencyKey: "fix-me" });
    expect(corrected.amount).toBe(4500);
  });
});

describe("injected 500s on a payout", () => {
  it("before the work: the retry with the same key transfers once", async () => {
    standin.injectFaults({ failNext: { path: "/v1/transfers", method: "POST", count: 1, status: 500 } });
    const err = await failure(stripe.transfers.create(payout(), { idempotencyKey: "po-before" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
    expect(transfersMade()).toBe(0);

    const retried = await stripe.transfers.create(payout(), { idempotencyKey: "po-before" });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(transfersMade()).toBe(1);
  });

  it("after the work: the retry replays the stored transfer instead of paying again", async () => {
    standin.injectFaults({ failNext: { path: "/v1/transfers", count: 1, status: 500, after: true } });
    const err = await failure(stripe.transfers.create(payout(), { idempotencyKey: "po-after" }));
    expect(err.statusCode).toBe(500);
    expect(transfersMade()).toBe(1); // Stripe did it; the caller never heard

    const retried = await stripe.transfers.create(payout(), { idempotencyKey: "po-after" });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(retried.id).toBe(standin.state().objects.transfers[0]!.id);
    expect(transfersMade()).toBe(1);
  });

  it("the SDK's own retries reuse its generated key: one call, one transfer", async () => {
    standin.injectFaults({ failNext: { path: "/v1/transfers", count: 2, status: 500, after: true } });
    const retrying = sdk(standin, { maxNetworkRetries: 2 });
    const transfer = await retrying.transfers.create(payout());
    expect(transfer.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(transfersMade()).toBe(1);
    expect(standin.state().faults).toEqual([]);
  });

  it("a lost response (held past the client's timeout) is retried without a second transfer", async () => {
    standin.injectFaults({ timeoutNext: { path: "/v1/transfers", ms: 800 } });
    const impatient = sdk(standin, { maxNetworkRetries: 1, timeout: 150 });
    const transfer = await impatient.transfers.create(payout());
    expect(transfer.amount).toBe(4500);
    expect(transfer.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(transfersMade()).toBe(1);
  });

  it("a retry while the first request is still running meets 409 idempotency_key_in_use", async () => {
    standin.injectFaults({ timeoutNext: { path: "/v1/transfers", ms: 300, after: false } });
    const post = () =>
      fetch(`${standin.url}/v1/transfers`, {
        method: "POST",
        headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "slow-1" },
        body: `amount=4500&currency=usd&destination=${provider.id}`,
      });
    const slow = post();
    await new Promise((r) => setTimeout(r, 50));
    const concurrent = await post();
    expect(concurrent.status).toBe(409);
    expect(((await concurrent.json()) as { error: { code: string } }).error.code).toBe("idempotency_key_in_use");
    expect((await slow).status).toBe(200);
    const replay = await post();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(transfersMade()).toBe(1);
  });
});
