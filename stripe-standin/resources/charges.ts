// Charges are created by PaymentIntents (one per authorization attempt, failed ones included, as in
// Stripe); the API only reads them. Refunds and captures update them.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { newId, nowSeconds } from "../ids";
import { LIST_PARAMS, listObject } from "../pagination";
import { rejectUnknown, str, type Params } from "../params";
import type { CardOutcome, TestCard } from "../test-cards";
import { chargeCardDetails } from "./payment-methods";

type Decline = Extract<CardOutcome, { kind: "decline" }>;

export function createCharge(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  card: TestCard,
  result: { kind: "authorized"; captured: boolean; threeDSecure: boolean } | Decline,
): Stripe.Charge {
  const ok = result.kind === "authorized";
  const captured = ok && result.captured;
  const charge: Stripe.Charge = {
    id: newId("ch"),
    object: "charge",
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: pi.application_fee_amount,
    balance_transaction: captured ? newId("txn") : null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: "STRIPE STAND-IN",
    captured,
    created: nowSeconds(),
    currency: pi.currency,
    customer: typeof pi.customer === "string" ? pi.customer : null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: ok ? null : result.code,
    failure_message: ok ? null : result.message,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: typeof pi.on_behalf_of === "string" ? pi.on_behalf_of : null,
    outcome: ok
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: "approved_by_network",
          reason: null,
          risk_level: "normal",
          risk_score: 20,
          seller_message: "Payment complete.",
          type: "authorized",
        }
      : {
          advice_code: result.declineCode === "insufficient_funds" ? "try_again_later" : "do_not_try_again",
          network_advice_code: null,
          network_decline_code: null,
          network_status: result.declineCode === "fraudulent" ? "not_sent_to_network" : "declined_by_network",
          reason: result.declineCode,
          risk_level: result.declineCode === "fraudulent" ? "highest" : "normal",
          seller_message:
            result.declineCode === "fraudulent"
              ? "Stripe blocked this payment as too risky."
              : "The bank did not return any further details with this decline.",
          type: result.declineCode === "fraudulent" ? "blocked" : "issuer_declined",
        },
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: chargeCardDetails(pm, card, ok ? pi.amount : null, ok && result.threeDSecure),
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status: ok ? "succeeded" : "failed",
    transfer_data: null,
    transfer_group: pi.transfer_group,
  };
  return ctx.state.charges.add(charge);
}

/** Marks an authorized charge captured for `amount` (≤ the authorized amount). */
export function captureCharge(charge: Stripe.Charge, amount: number): void {
  charge.captured = true;
  charge.amount_captured = amount;
  charge.balance_transaction = newId("txn");
}

/** What can still be refunded (or paid out from, as a transfer's source_transaction). */
export function refundableAmount(charge: Stripe.Charge): number {
  return charge.status === "succeeded" && charge.captured ? charge.amount_captured - charge.amount_refunded : 0;
}

export function retrieveCharge(ctx: Ctx, id: string, params: Params): Stripe.Charge {
  rejectUnknown(params, ["expand"]);
  return ctx.state.charges.fromPath(id, "charge");
}

export function listCharges(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Charge> {
  rejectUnknown(params, [...LIST_PARAMS, "payment_intent", "transfer_group", "customer"]);
  const paymentIntent = str(params, "payment_intent");
  const transferGroup = str(params, "transfer_group");
  const customer = str(params, "customer");
  const items = ctx.state.charges
    .newestFirst()
    .filter(
      (c) =>
        (!paymentIntent || c.payment_intent === paymentIntent) &&
        (!transferGroup || c.transfer_group === transferGroup) &&
        (!customer || c.customer === customer),
    );
  return listObject(items, params, "/v1/charges");
}
