// Stripe's documented test PaymentMethods (https://docs.stripe.com/testing) and what each one does.
// The same IDs work against real Stripe test mode, so product tests written against the stand-in keep
// their meaning there.

export type DeclineCode =
  | "generic_decline"
  | "insufficient_funds"
  | "lost_card"
  | "stolen_card"
  | "expired_card"
  | "incorrect_cvc"
  | "processing_error"
  | "fraudulent"
  | "authentication_required";

export type CardOutcome =
  | { kind: "approve" }
  | {
      kind: "decline";
      /** The error `code`: card_declined for issuer declines, a specific code for the others. */
      code: "card_declined" | "expired_card" | "incorrect_cvc" | "processing_error" | "authentication_required";
      declineCode: DeclineCode;
      message: string;
    };

export interface TestCard {
  /** The canonical test PaymentMethod ID, e.g. pm_card_visa. */
  paymentMethod: string;
  /** Other documented IDs with the same behaviour. */
  aliases: string[];
  number: string;
  brand: "visa" | "mastercard" | "amex";
  funding: "credit" | "debit";
  description: string;
  /** 3D Secure must be completed before the card is charged (on-session). */
  requires3ds: boolean;
  /** What the issuer does once any authentication is done. */
  outcome: CardOutcome;
  /** Offered on the test checkout page. */
  onCheckoutPage: boolean;
  /** Once the charge is captured, the cardholder disputes it with this reason (Stripe's dispute test cards). */
  disputeReason: "fraudulent" | null;
}

const approve: CardOutcome = { kind: "approve" };

const decline = (declineCode: DeclineCode, message = "Your card was declined."): CardOutcome => ({
  kind: "decline",
  code: "card_declined",
  declineCode,
  message,
});

const card = (c: Omit<TestCard, "aliases" | "requires3ds" | "onCheckoutPage" | "funding" | "disputeReason"> & Partial<TestCard>): TestCard => ({
  aliases: [],
  requires3ds: false,
  onCheckoutPage: false,
  funding: "credit",
  disputeReason: null,
  ...c,
});

export const TEST_CARDS: readonly TestCard[] = [
  card({ paymentMethod: "pm_card_visa", number: "4242424242424242", brand: "visa", description: "Succeeds", outcome: approve, onCheckoutPage: true }),
  card({ paymentMethod: "pm_card_visa_debit", number: "4000056655665556", brand: "visa", funding: "debit", description: "Succeeds (debit)", outcome: approve }),
  card({ paymentMethod: "pm_card_mastercard", number: "5555555555554444", brand: "mastercard", description: "Succeeds", outcome: approve }),
  card({ paymentMethod: "pm_card_amex", number: "378282246310005", brand: "amex", description: "Succeeds", outcome: approve }),
  card({ paymentMethod: "pm_card_bypassPending", number: "4000000000000077", brand: "visa", description: "Succeeds, funds available immediately", outcome: approve }),
  card({
    paymentMethod: "pm_card_visa_chargeDeclined",
    aliases: ["pm_card_chargeDeclined"],
    number: "4000000000000002",
    brand: "visa",
    description: "Declined (generic decline)",
    outcome: decline("generic_decline"),
    onCheckoutPage: true,
  }),
  card({
    paymentMethod: "pm_card_visa_chargeDeclinedInsufficientFunds",
    aliases: ["pm_card_chargeDeclinedInsufficientFunds"],
    number: "4000000000009995",
    brand: "visa",
    description: "Declined (insufficient funds)",
    outcome: decline("insufficient_funds", "Your card has insufficient funds."),
    onCheckoutPage: true,
  }),
  card({
    paymentMethod: "pm_card_visa_chargeDeclinedLostCard",
    aliases: ["pm_card_chargeDeclinedLostCard"],
    number: "4000000000009987",
    brand: "visa",
    description: "Declined (lost card)",
    outcome: decline("lost_card"),
  }),
  card({
    paymentMethod: "pm_card_visa_chargeDeclinedStolenCard",
    aliases: ["pm_card_chargeDeclinedStolenCard"],
    number: "4000000000009979",
    brand: "visa",
    description: "Declined (stolen card)",
    outcome: decline("stolen_card"),
  }),
  card({
    paymentMethod: "pm_card_chargeDeclinedExpiredCard",
    number: "4000000000000069",
    brand: "visa",
    description: "Declined (expired card)",
    outcome: { kind: "decline", code: "expired_card", declineCode: "expired_card", message: "Your card has expired." },
  }),
  card({
    paymentMethod: "pm_card_chargeDeclinedIncorrectCvc",
    number: "4000000000000127",
    brand: "visa",
    description: "Declined (incorrect CVC)",
    outcome: { kind: "decline", code: "incorrect_cvc", declineCode: "incorrect_cvc", message: "Your card's security code is incorrect." },
  }),
  card({
    paymentMethod: "pm_card_chargeDeclinedProcessingError",
    number: "4000000000000119",
    brand: "visa",
    description: "Declined (processing error)",
    outcome: {
      kind: "decline",
      code: "processing_error",
      declineCode: "processing_error",
      message: "An error occurred while processing your card. Try again in a little bit.",
    },
  }),
  card({
    paymentMethod: "pm_card_radarBlock",
    aliases: ["pm_card_chargeDeclinedFraudulent"],
    number: "4100000000000019",
    brand: "visa",
    description: "Blocked as fraudulent",
    outcome: decline("fraudulent"),
  }),
  card({
    paymentMethod: "pm_card_authenticationRequired",
    number: "4000002500003155",
    brand: "visa",
    description: "Requires 3D Secure authentication",
    requires3ds: true,
    outcome: approve,
    onCheckoutPage: true,
  }),
  card({
    paymentMethod: "pm_card_threeDSecure2Required",
    aliases: ["pm_card_threeDSecureRequired"],
    number: "4000000000003220",
    brand: "visa",
    description: "Always requires 3D Secure 2",
    requires3ds: true,
    outcome: approve,
  }),
  card({
    paymentMethod: "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
    number: "4000008260003178",
    brand: "visa",
    description: "Requires 3D Secure, then declined (insufficient funds)",
    requires3ds: true,
    outcome: decline("insufficient_funds", "Your card has insufficient funds."),
  }),
  // https://docs.stripe.com/testing#disputes: the payment succeeds, then the cardholder disputes it.
  card({
    paymentMethod: "pm_card_createDispute",
    number: "4000000000000259",
    brand: "visa",
    description: "Paid, then disputed by the cardholder (fraudulent)",
    outcome: approve,
    disputeReason: "fraudulent",
    onCheckoutPage: true,
  }),
];

const byId = new Map<string, TestCard>();
for (const c of TEST_CARDS) {
  for (const id of [c.paymentMethod, ...c.aliases]) byId.set(id, c);
}

/** The test card behind a documented test PaymentMethod ID (pm_card_…), if it is one. */
export function testCardFor(paymentMethodId: string): TestCard | undefined {
  return byId.get(paymentMethodId);
}

export function last4(c: TestCard): string {
  return c.number.slice(-4);
}
