// PaymentMethods. Passing a documented test ID (pm_card_visa, …) where a PaymentMethod is expected makes
// Stripe create a fresh PaymentMethod (pm_1…) from that test card; the stand-in does the same and
// remembers which simulated behaviour the card has.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { missingReference } from "../errors";
import { newId, nowSeconds, randomToken } from "../ids";
import { rejectUnknown, type Params } from "../params";
import { last4, testCardFor, type TestCard } from "../test-cards";

export interface ResolvedPaymentMethod {
  paymentMethod: Stripe.PaymentMethod;
  card: TestCard;
}

export function resolvePaymentMethod(ctx: Ctx, id: string, param: string): ResolvedPaymentMethod {
  const existing = ctx.state.paymentMethods.get(id);
  const existingCard = existing && ctx.state.cardOf.get(id);
  if (existing && existingCard) return { paymentMethod: existing, card: existingCard };
  const card = testCardFor(id);
  if (!card) throw missingReference("PaymentMethod", id, param);
  const paymentMethod = ctx.state.paymentMethods.add(buildPaymentMethod(card));
  ctx.state.cardOf.set(paymentMethod.id, card);
  return { paymentMethod, card };
}

function buildPaymentMethod(card: TestCard): Stripe.PaymentMethod {
  return {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      // Stable per card number, like Stripe's fingerprint, so duplicate-card checks can be exercised.
      fingerprint: `fp_${card.number}`,
      funding: card.funding,
      generated_from: null,
      last4: last4(card),
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
}

export function retrievePaymentMethod(ctx: Ctx, id: string, params: Params): Stripe.PaymentMethod {
  rejectUnknown(params, ["expand"]);
  return ctx.state.paymentMethods.fromPath(id, "payment_method");
}

/** Card details as they appear on a Charge. */
export function chargeCardDetails(pm: Stripe.PaymentMethod, card: TestCard, amountAuthorized: number | null, threeDSecure: boolean): Stripe.Charge.PaymentMethodDetails {
  const c = pm.card!;
  return {
    type: "card",
    card: {
      amount_authorized: amountAuthorized,
      authorization_code: amountAuthorized === null ? null : String(100000 + Math.floor(Math.random() * 900000)),
      brand: c.brand,
      checks: c.checks,
      country: c.country,
      electronic_commerce_indicator: threeDSecure ? "05" : null,
      exp_month: c.exp_month,
      exp_year: c.exp_year,
      fingerprint: c.fingerprint ?? null,
      funding: c.funding,
      installments: null,
      last4: last4(card),
      mandate: null,
      network: card.brand,
      network_transaction_id: amountAuthorized === null ? null : randomToken(15),
      regulated_status: "unregulated",
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
  };
}
