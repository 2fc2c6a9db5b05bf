// Refunds settle at once (status succeeded). The sum of refunds on a charge can never exceed what was
// captured: the over-refund check is the invariant the product relies on when it refunds twice. A charge
// with an open or lost dispute cannot be refunded at all.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { invalidRequest, paramError } from "../errors";
import { newId, nowSeconds } from "../ids";
import { formatAmount } from "../money";
import { LIST_PARAMS, listObject } from "../pagination";
import { applyMetadata, int, metadata, oneOf, rejectUnknown, str, type Params } from "../params";
import { refundableAmount } from "./charges";
import { refundBlockingDispute } from "./disputes";

const CREATE_PARAMS = [
  "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata", "origin",
  "payment_intent", "reason", "refund_application_fee", "reverse_transfer",
] as const satisfies readonly (keyof Stripe.RefundCreateParams)[];

export function createRefund(ctx: Ctx, params: Params): Stripe.Refund {
  rejectUnknown(params, CREATE_PARAMS);
  const piId = str(params, "payment_intent");
  const chargeId = str(params, "charge");
  const requested = int(params, "amount", { min: 1 });
  const reason = oneOf(params, "reason", ["duplicate", "fraudulent", "requested_by_customer"] as const) ?? null;
  const meta = applyMetadata({}, metadata(params));
  if (!piId && !chargeId) {
    throw paramError("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent", "parameter_missing");
  }

  let charge: Stripe.Charge;
  if (piId) {
    const pi = ctx.state.paymentIntents.fromParam(piId, "payment_intent");
    const latest = typeof pi.latest_charge === "string" ? ctx.state.charges.get(pi.latest_charge) : undefined;
    if (pi.status !== "succeeded" || !latest) {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, {
        code: "charge_not_refundable",
        param: "payment_intent",
      });
    }
    if (chargeId && chargeId !== latest.id) {
      throw paramError(`The charge ${chargeId} does not belong to PaymentIntent ${pi.id}.`, "charge");
    }
    charge = latest;
  } else {
    charge = ctx.state.charges.fromParam(chargeId!, "charge");
    if (charge.status !== "succeeded" || !charge.captured) {
      throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, { code: "charge_not_refundable", param: "charge" });
    }
  }

  // A charged-back payment cannot also be refunded (the customer would be paid twice); a won dispute
  // returned the funds, so refunds work again.
  if (refundBlockingDispute(ctx, charge.id)) {
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: "charge_disputed" });
  }
  const remaining = refundableAmount(charge);
  if (remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
  }
  const amount = requested ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      { code: "amount_too_large", param: "amount" },
    );
  }

  const refund: Stripe.Refund = {
    id: newId("re"),
    object: "refund",
    amount,
    balance_transaction: newId("txn"),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
    metadata: meta,
    payment_intent: typeof charge.payment_intent === "string" ? charge.payment_intent : null,
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  ctx.state.refunds.add(refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount_captured;
  ctx.emit("refund.created", refund);
  ctx.emit("charge.refunded", charge);
  return refund;
}

export function retrieveRefund(ctx: Ctx, id: string, params: Params): Stripe.Refund {
  rejectUnknown(params, ["expand"]);
  return ctx.state.refunds.fromPath(id, "refund");
}

export function updateRefund(ctx: Ctx, id: string, params: Params): Stripe.Refund {
  rejectUnknown(params, ["expand", "metadata"]);
  const refund = ctx.state.refunds.fromPath(id, "refund");
  refund.metadata = applyMetadata(refund.metadata ?? {}, metadata(params));
  return refund;
}

export function listRefunds(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Refund> {
  rejectUnknown(params, [...LIST_PARAMS, "charge", "payment_intent"]);
  const charge = str(params, "charge");
  const paymentIntent = str(params, "payment_intent");
  const items = ctx.state.refunds
    .newestFirst()
    .filter((r) => (!charge || r.charge === charge) && (!paymentIntent || r.payment_intent === paymentIntent));
  return listObject(items, params, "/v1/refunds");
}
