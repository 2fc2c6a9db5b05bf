// Disputes: the pm_card_createDispute test card (and the control API) open one after capture; evidence
// words decide it as in Stripe test mode; a charged-back payment cannot be refunded until it is won.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { failure, useWebhookHarness, WEBHOOK_SECRET, type Receiver } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;
let receiver: Receiver;

useWebhookHarness((h) => ({ standin, stripe, receiver } = h));

function pay(paymentMethod = "pm_card_createDispute", extra: Partial<Stripe.PaymentIntentCreateParams> = {}): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({
    amount: 5000,
    currency: "usd",
    allowed_payment_method_types: ["card"],
    payment_method: paymentMethod,
    confirm: true,
    ...extra,
  });
}

/** The one dispute on a PaymentIntent, found the way a product would: by listing. */
async function disputeOn(pi: Stripe.PaymentIntent): Promise<Stripe.Dispute> {
  const list = await stripe.disputes.list({ payment_intent: pi.id });
  expect(list.data).toHaveLength(1);
  return list.data[0]!;
}

/** charge.dispute.* events recorded so far, oldest first. */
async function disputeEvents(): Promise<Stripe.Event[]> {
  return (await stripe.events.list({ type: "charge.dispute.*", limit: 100 })).data.reverse();
}

async function availableUsd(): Promise<number> {
  const balance = await stripe.balance.retrieve();
  return balance.available.find((b) => b.currency === "usd")?.amount ?? NaN;
}

async function control(method: string, path: string, body?: string, contentType = "application/json") {
  const res = await fetch(`${standin.url}/_standin${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": contentType },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: unknown } };
}

describe("the dispute test card", () => {
  it("opens a fraudulent dispute right after the payment succeeds, with signed webhooks", async () => {
    const pi = await pay();
    expect(pi.status).toBe("succeeded");
    const got = await receiver.waitFor((all) => all.some((w) => w.event.type === "charge.dispute.funds_withdrawn"));
    expect(got.map((w) => w.event.type)).toEqual([
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "charge.dispute.created",
      "charge.dispute.funds_withdrawn",
    ]);

    const dispute = await disputeOn(pi);
    expect(dispute.id).toMatch(/^dp_/);
    expect(dispute).toMatchObject({
      object: "dispute",
      amount: 5000,
      currency: "usd",
      charge: pi.latest_charge,
      payment_intent: pi.id,
      reason: "fraudulent",
      status: "needs_response",
      is_charge_refundable: false,
      balance_transactions: [],
      livemode: false,
      metadata: {},
      network_reason_code: "10.4",
      payment_method_details: { type: "card", card: { brand: "visa", case_type: "chargeback", network: "visa" } },
    });
    expect(dispute.evidence_details).toEqual({
      due_by: dispute.created + 7 * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: "not_submitted",
    });
    const { enhanced_evidence, ...textEvidence } = dispute.evidence;
    expect(enhanced_evidence).toEqual({});
    expect(Object.keys(textEvidence)).toHaveLength(27);
    expect(Object.values(textEvidence).every((v) => v === null)).toBe(true);

    expect(await stripe.disputes.retrieve(dispute.id)).toEqual(dispute);
    expect((await stripe.disputes.list({ charge: String(pi.latest_charge) })).data.map((d) => d.id)).toEqual([dispute.id]);
    expect((await stripe.disputes.list({ payment_intent: "pi_other" })).data).toEqual([]);
    const expanded = await stripe.disputes.retrieve(dispute.id, { expand: ["charge"] });
    expect((expanded.charge as Stripe.Charge).id).toBe(pi.latest_charge);
    expect((await stripe.charges.retrieve(String(pi.latest_charge))).disputed).toBe(true);
    // Captured 5000, withdrawn 5000.
    expect(await availableUsd()).toBe(0);

    for (const delivery of got.slice(3)) {
      const event = await stripe.webhooks.constructEventAsync(delivery.body, delivery.signature, WEBHOOK_SECRET);
      if (event.type !== "charge.dispute.created" && event.type !== "charge.dispute.funds_withdrawn") throw new Error(`unexpected ${event.type}`);
      expect(event.data.object).toEqual(dispute);
    }
  });

  it("with manual capture, the charge is disputed when captured, for the captured amount", async () => {
    const pi = await pay("pm_card_createDispute", { capture_method: "manual" });
    expect(pi.status).toBe("requires_capture");
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toEqual([]);

    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    const dispute = await disputeOn(pi);
    expect(dispute).toMatchObject({ amount: 3000, status: "needs_response", charge: pi.latest_charge });
    const recent = (await stripe.events.list({ limit: 4 })).data.reverse().map((e) => e.type);
    expect(recent).toEqual(["charge.captured", "payment_intent.succeeded", "charge.dispute.created", "charge.dispute.funds_withdrawn"]);
  });

  it("other cards are not disputed", async () => {
    const pi = await pay("pm_card_visa");
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toEqual([]);
    expect((await stripe.charges.retrieve(String(pi.latest_charge))).disputed).toBe(false);
  });
});

describe("responding with evidence", () => {
  it("winning_evidence wins: updated (under review), closed and funds_reinstated, balance restored", async () => {
    const dispute = await disputeOn(await pay());
    const won = await stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: "winning_evidence", customer_name: "Jenny Rosen", product_description: "Haircut, Tue 10:00" },
    });
    expect(won.status).toBe("won");
    expect(won.evidence).toMatchObject({ uncategorized_text: "winning_evidence", customer_name: "Jenny Rosen", product_description: "Haircut, Tue 10:00", service_date: null });
    expect(won.evidence_details).toMatchObject({ has_evidence: true, submission_count: 1, submission_method: "manual" });

    const events = await disputeEvents();
    expect(events.map((e) => e.type)).toEqual([
      "charge.dispute.created",
      "charge.dispute.funds_withdrawn",
      "charge.dispute.updated",
      "charge.dispute.closed",
      "charge.dispute.funds_reinstated",
    ]);
    const updated = events[2]!;
    expect((updated.data.object as Stripe.Dispute).status).toBe("under_review");
    expect(updated.data.previous_attributes).toMatchObject({
      status: "needs_response",
      evidence: { uncategorized_text: null, customer_name: null, product_description: null },
      evidence_details: { has_evidence: false, submission_count: 0, submission_method: "not_submitted" },
    });
    expect((events[3]!.data.object as Stripe.Dispute).status).toBe("won");
    expect((events[4]!.data.object as Stripe.Dispute).status).toBe("won");
    expect(await availableUsd()).toBe(5000);

    const got = await receiver.waitFor((all) => all.some((w) => w.event.type === "charge.dispute.funds_reinstated"));
    for (const delivery of got.filter((w) => w.event.type.startsWith("charge.dispute."))) {
      await stripe.webhooks.constructEventAsync(delivery.body, delivery.signature, WEBHOOK_SECRET);
    }
  });

  it("losing_evidence loses: updated then closed, no reinstatement", async () => {
    const dispute = await disputeOn(await pay());
    const lost = await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "losing_evidence" } });
    expect(lost.status).toBe("lost");
    expect((await disputeEvents()).map((e) => e.type)).toEqual([
      "charge.dispute.created",
      "charge.dispute.funds_withdrawn",
      "charge.dispute.updated",
      "charge.dispute.closed",
    ]);
    expect(await availableUsd()).toBe(0);
  });

  it("other evidence is under review until the network decides (control API)", async () => {
    const first = await disputeOn(await pay());
    const reviewing = await stripe.disputes.update(first.id, {
      evidence: { customer_email_address: "jenny@example.com", service_date: "2025-03-04", refund_policy_disclosure: "Shown at checkout" },
      metadata: { booking: "b1" },
    });
    expect(reviewing).toMatchObject({ status: "under_review", metadata: { booking: "b1" } });
    expect(reviewing.evidence_details).toMatchObject({ has_evidence: true, submission_count: 1 });

    // Submitted evidence is final; metadata can still change.
    const again = await failure(stripe.disputes.update(first.id, { evidence: { customer_name: "Jenny" } }));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, param: "evidence" });
    expect((await stripe.disputes.update(first.id, { metadata: { note: "x" } })).metadata).toEqual({ booking: "b1", note: "x" });

    const won = standin.resolveDispute(first.id, "won");
    expect(won.status).toBe("won");
    const afterWin = (await disputeEvents()).map((e) => e.type);
    expect(afterWin.slice(-2)).toEqual(["charge.dispute.closed", "charge.dispute.funds_reinstated"]);

    const second = await disputeOn(await pay());
    await stripe.disputes.update(second.id, { evidence: { uncategorized_text: "The customer attended the appointment." } });
    const lost = await control("POST", `/disputes/${second.id}/resolve`, JSON.stringify({ outcome: "lost" }));
    expect(lost.status).toBe(200);
    expect(lost.json).toMatchObject({ id: second.id, status: "lost" });
    const last = (await stripe.events.list({ limit: 1 })).data[0]!;
    expect(last.type).toBe("charge.dispute.closed");
    expect((await stripe.disputes.retrieve(second.id)).status).toBe("lost");
    // One payment kept (won), one charged back (lost).
    expect(await availableUsd()).toBe(5000);
  });

  it("submit=false stages the evidence; a later submit sends it", async () => {
    const dispute = await disputeOn(await pay());
    const staged = await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" }, submit: false });
    expect(staged.status).toBe("needs_response");
    expect(staged.evidence.uncategorized_text).toBe("winning_evidence");
    expect(staged.evidence_details).toMatchObject({ has_evidence: true, submission_count: 0, submission_method: "not_submitted" });
    expect((await disputeEvents()).map((e) => e.type).at(-1)).toBe("charge.dispute.updated");

    const submitted = await stripe.disputes.update(dispute.id, { submit: true });
    expect(submitted.status).toBe("won");
    expect(submitted.evidence_details.submission_count).toBe(1);
  });

  it("a metadata-only update does not submit anything", async () => {
    const dispute = await disputeOn(await pay());
    const updated = await stripe.disputes.update(dispute.id, { metadata: { ticket: "T-1" } });
    expect(updated).toMatchObject({ status: "needs_response", metadata: { ticket: "T-1" } });
    expect(updated.evidence_details.submission_count).toBe(0);
    const event = (await disputeEvents()).at(-1)!;
    expect(event.type).toBe("charge.dispute.updated");
    expect(event.data.previous_attributes).toEqual({ metadata: {} });

    const nothing = await failure(stripe.disputes.update(dispute.id, { submit: true }));
    expect(nothing).toMatchObject({ statusCode: 400, param: "evidence" });
  });

  it("rejects unknown parameters like the other resources", async () => {
    const dispute = await disputeOn(await pay());
    const nested = await failure(stripe.disputes.update(dispute.id, { evidence: { favorite_color: "blue" } } as Stripe.DisputeUpdateParams));
    expect(nested).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "evidence[favorite_color]" });
    const top = await failure(stripe.disputes.update(dispute.id, { status: "won" } as Stripe.DisputeUpdateParams));
    expect(top).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "status" });
    expect((await stripe.disputes.retrieve(dispute.id)).status).toBe("needs_response");
  });
});

describe("closing", () => {
  it("close accepts the loss; a closed dispute cannot be updated or closed again", async () => {
    const dispute = await disputeOn(await pay());
    const closed = await stripe.disputes.close(dispute.id);
    expect(closed.status).toBe("lost");
    expect((await disputeEvents()).map((e) => e.type)).toEqual(["charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed"]);

    const update = await failure(stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" } }));
    expect(update).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(update).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", message: "This dispute is already closed" });
    const metadataOnly = await failure(stripe.disputes.update(dispute.id, { metadata: { a: "b" } }));
    expect(metadataOnly.message).toBe("This dispute is already closed");
    const twice = await failure(stripe.disputes.close(dispute.id));
    expect(twice).toMatchObject({ statusCode: 400, message: "This dispute is already closed" });
    expect(() => standin.resolveDispute(dispute.id, "won")).toThrow("This dispute is already closed");
  });

  it("a dispute under review cannot be closed", async () => {
    const dispute = await disputeOn(await pay());
    await stripe.disputes.update(dispute.id, { evidence: { product_description: "Haircut" } });
    const err = await failure(stripe.disputes.close(dispute.id));
    expect(err).toMatchObject({ statusCode: 400 });
    expect(err.message).toContain("status of under_review");
  });

  it("an unknown dispute is 404 resource_missing", async () => {
    const err = await failure(stripe.disputes.retrieve("dp_nope"));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: "resource_missing", message: "No such dispute: 'dp_nope'" });
    expect(await failure(stripe.disputes.update("dp_nope", { metadata: { a: "b" } }))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await failure(stripe.disputes.close("dp_nope"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });
});

describe("refunds of disputed charges", () => {
  it("are refused with charge_disputed while open or lost, and allowed once won", async () => {
    const pi = await pay();
    const dispute = await disputeOn(pi);
    const byIntent = await failure(stripe.refunds.create({ payment_intent: pi.id }));
    expect(byIntent).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(byIntent).toMatchObject({ statusCode: 400, code: "charge_disputed", message: `Charge ${pi.latest_charge} has been charged back; cannot issue a refund.` });
    const byCharge = await failure(stripe.refunds.create({ charge: String(pi.latest_charge), amount: 100 }));
    expect(byCharge.code).toBe("charge_disputed");

    await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: "winning_evidence" } });
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    expect(refund).toMatchObject({ amount: 5000, status: "succeeded" });

    const lostPi = await pay();
    await stripe.disputes.close((await disputeOn(lostPi)).id);
    expect((await failure(stripe.refunds.create({ payment_intent: lostPi.id }))).code).toBe("charge_disputed");
    expect((await stripe.refunds.list({ payment_intent: lostPi.id })).data).toEqual([]);
  });
});

describe("control hooks", () => {
  it("createDispute disputes an ordinary charge, by charge or PaymentIntent, manual capture included", async () => {
    const pi = await pay("pm_card_visa");
    const dispute = standin.createDispute(String(pi.latest_charge), { reason: "product_not_received", amount: 1500 });
    expect(dispute).toMatchObject({ amount: 1500, reason: "product_not_received", status: "needs_response", payment_intent: pi.id, network_reason_code: null });
    expect((await stripe.charges.retrieve(String(pi.latest_charge))).disputed).toBe(true);
    expect((await disputeEvents()).map((e) => e.type)).toEqual(["charge.dispute.created", "charge.dispute.funds_withdrawn"]);
    expect(await availableUsd()).toBe(3500);
    expect(() => standin.createDispute(pi.id)).toThrow(`Charge ${pi.latest_charge} has already been disputed (${dispute.id}).`);

    const manual = await pay("pm_card_mastercard", { capture_method: "manual" });
    expect(() => standin.createDispute(manual.id)).toThrow(/has not been captured/);
    await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 4000 });
    const later = standin.createDispute(manual.id);
    expect(later).toMatchObject({ amount: 4000, reason: "fraudulent", charge: manual.latest_charge, network_reason_code: "4837" });
    expect((await stripe.disputes.retrieve(later.id)).status).toBe("needs_response");

    expect(() => standin.createDispute("ch_nope")).toThrow("No such charge: 'ch_nope'");
    const other = await pay("pm_card_visa");
    expect(() => standin.createDispute(other.id, { amount: 5001 })).toThrow(/greater than the unrefunded amount/);
    expect(() => standin.createDispute(other.id, { reason: "not_a_reason" })).toThrow(/Invalid reason/);
  });

  it("over HTTP: dispute a charge (form or JSON body) and resolve it", async () => {
    const pi = await pay("pm_card_visa");
    const created = await control("POST", `/charges/${pi.latest_charge}/dispute`, "reason=duplicate&amount=700", "application/x-www-form-urlencoded");
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ object: "dispute", reason: "duplicate", amount: 700, status: "needs_response" });
    const id = String(created.json.id);

    expect((await control("POST", `/disputes/${id}/resolve`, JSON.stringify({ outcome: "maybe" }))).status).toBe(400);
    const won = await control("POST", `/disputes/${id}/resolve`, JSON.stringify({ outcome: "won" }));
    expect(won).toMatchObject({ status: 200, json: { id, status: "won" } });
    const again = await control("POST", `/disputes/${id}/resolve`, JSON.stringify({ outcome: "lost" }));
    expect(again).toMatchObject({ status: 400, json: { error: { type: "invalid_request_error", message: "This dispute is already closed" } } });

    const missing = await control("POST", "/disputes/dp_nope/resolve", JSON.stringify({ outcome: "won" }));
    expect(missing).toMatchObject({ status: 404, json: { error: { code: "resource_missing" } } });
    const noCharge = await control("POST", "/charges/ch_nope/dispute");
    expect(noCharge).toMatchObject({ status: 404, json: { error: { code: "resource_missing", message: "No such charge: 'ch_nope'" } } });
    const badAmount = await control("POST", `/charges/${pi.id}/dispute`, JSON.stringify({ amount: -5 }));
    expect(badAmount).toMatchObject({ status: 400, json: { error: "amount must be a positive integer" } });

    const byIntent = await control("POST", `/charges/${(await pay("pm_card_visa")).id}/dispute`, JSON.stringify({ reason: "fraudulent" }));
    expect(byIntent).toMatchObject({ status: 200, json: { amount: 5000, reason: "fraudulent" } });
    const state = standin.state();
    expect(state.counts.disputes).toBe(2);
    expect(state.objects.disputes.map((d) => d.status)).toEqual(["needs_response", "won"]);
  });
});

describe("API machinery", () => {
  it("lists newest first with cursor pagination", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.unshift((await disputeOn(await pay())).id);
    const page1 = await stripe.disputes.list({ limit: 2 });
    expect(page1.data.map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.disputes.list({ limit: 2, starting_after: ids[1] });
    expect(page2.data.map((d) => d.id)).toEqual([ids[2]]);
    expect(page2.has_more).toBe(false);
    const before = await stripe.disputes.list({ ending_before: ids[2] });
    expect(before.data.map((d) => d.id)).toEqual(ids.slice(0, 2));
    const all: string[] = [];
    for await (const d of stripe.disputes.list({ limit: 1 })) all.push(d.id);
    expect(all).toEqual(ids);
  });

  it("replays an update sent again with the same idempotency key", async () => {
    const dispute = await disputeOn(await pay());
    const params = { evidence: { customer_name: "Jenny Rosen" }, submit: false };
    const first = await stripe.disputes.update(dispute.id, params, { idempotencyKey: "dp-update-1" });
    const second = await stripe.disputes.update(dispute.id, params, { idempotencyKey: "dp-update-1" });
    expect(second).toEqual(first);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await disputeEvents()).filter((e) => e.type === "charge.dispute.updated")).toHaveLength(1);
  });
});
