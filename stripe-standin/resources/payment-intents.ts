// PaymentIntents and their state machine:
//   requires_payment_method ──confirm──▶ succeeded                      (automatic capture)
//                                       requires_capture ──capture──▶ succeeded
//                                       requires_action  ──3DS page──▶ succeeded | requires_capture | requires_payment_method
//                                       requires_payment_method      (decline: 402 card_error + last_payment_error)
//   any unfinished state ──cancel──▶ canceled
// A dispute test card (pm_card_createDispute) is disputed right after its charge is captured.
// A decline changes state *and* answers 402, exactly like Stripe, so the product sees both.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { cardError, invalidRequest, paramError, StripeApiError, unexpectedState } from "../errors";
import { newClientSecret, newId, nowSeconds } from "../ids";
import { checkChargeAmount } from "../money";
import { LIST_PARAMS, listObject } from "../pagination";
import {
  applyMetadata,
  bool,
  currency,
  int,
  metadata,
  nullableStr,
  obj,
  oneOf,
  rejectUnknown,
  str,
  strArray,
  url,
  type Params,
} from "../params";
import type { CardOutcome, TestCard } from "../test-cards";
import { captureCharge, createCharge } from "./charges";
import { disputeOnCapture } from "./disputes";
import { resolvePaymentMethod } from "./payment-methods";

// Every parameter the SDK's types know is accepted (checked by `satisfies`), so valid product code is
// never rejected; the ones the stand-in does not simulate are stored or ignored.
const CREATE_PARAMS = [
  "amount", "currency", "allowed_payment_method_types", "amount_details", "application_fee_amount",
  "automatic_payment_methods", "capture_method", "confirm", "confirmation_method", "confirmation_token",
  "customer", "customer_account", "description", "error_on_requires_action", "excluded_payment_method_types",
  "expand", "hooks", "mandate", "mandate_data", "metadata", "off_session", "on_behalf_of", "payment_details",
  "payment_method", "payment_method_configuration", "payment_method_data", "payment_method_options",
  "radar_options", "receipt_email", "return_url", "setup_future_usage", "shipping", "statement_descriptor",
  "statement_descriptor_suffix", "transfer_data", "transfer_group", "use_stripe_sdk",
] as const satisfies readonly (keyof Stripe.PaymentIntentCreateParams)[];

// `payment_method_types` was replaced by `allowed_payment_method_types` in recent API versions; older
// integrations still send it, so it is accepted as a synonym.
const LEGACY_PARAMS = ["payment_method_types"] as const;

const UPDATE_PARAMS = [
  "allowed_payment_method_types", "amount", "amount_details", "application_fee_amount", "capture_method",
  "currency", "customer", "customer_account", "description", "excluded_payment_method_types", "expand", "hooks",
  "metadata", "payment_details", "payment_method", "payment_method_configuration", "payment_method_data",
  "payment_method_options", "receipt_email", "setup_future_usage", "shipping", "statement_descriptor",
  "statement_descriptor_suffix", "transfer_data", "transfer_group",
] as const satisfies readonly (keyof Stripe.PaymentIntentUpdateParams)[];

const CONFIRM_PARAMS = [
  "allowed_payment_method_types", "amount_details", "amount_to_confirm", "capture_method", "confirmation_token",
  "error_on_requires_action", "excluded_payment_method_types", "expand", "hooks", "mandate", "mandate_data",
  "off_session", "payment_details", "payment_method", "payment_method_data", "payment_method_options",
  "radar_options", "receipt_email", "return_url", "setup_future_usage", "shipping", "use_stripe_sdk",
  // Sent by browser-side confirmation with a publishable key.
  "client_secret",
] as const satisfies readonly (keyof Stripe.PaymentIntentConfirmParams | "client_secret")[];

const CAPTURE_PARAMS = [
  "amount_details", "amount_to_capture", "application_fee_amount", "expand", "final_capture", "hooks", "metadata",
  "payment_details", "statement_descriptor", "statement_descriptor_suffix", "transfer_data",
] as const satisfies readonly (keyof Stripe.PaymentIntentCaptureParams)[];

const CANCEL_PARAMS = ["cancellation_reason", "expand"] as const satisfies readonly (keyof Stripe.PaymentIntentCancelParams)[];

const CAPTURE_METHODS = ["automatic", "automatic_async", "manual"] as const;
const CONFIRMABLE: readonly string[] = ["requires_payment_method", "requires_confirmation", "requires_action"];
const CANCELABLE: readonly string[] = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];
const EDITABLE: readonly string[] = ["requires_payment_method", "requires_confirmation", "requires_action"];

export interface ConfirmOptions {
  paymentMethod?: string;
  returnUrl?: string;
  offSession?: boolean;
  errorOnRequiresAction?: boolean;
  captureMethod?: (typeof CAPTURE_METHODS)[number];
  /** Confirmation from the stand-in's checkout page (the browser), not a server-side API call. */
  fromCheckoutPage?: boolean;
}

export function createPaymentIntent(ctx: Ctx, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, [...CREATE_PARAMS, ...LEGACY_PARAMS]);
  const amount = int(params, "amount", { required: true, min: 1 })!;
  const cur = currency(params)!;
  checkChargeAmount(amount, cur);
  const captureMethod = oneOf(params, "capture_method", CAPTURE_METHODS) ?? "automatic_async";
  const confirmationMethod = oneOf(params, "confirmation_method", ["automatic", "manual"] as const) ?? "automatic";
  const allowedTypes = readAllowedTypes(params);
  const apm = obj(params, "automatic_payment_methods");
  if (allowedTypes && apm) {
    throw paramError(
      "You may only specify one of these parameters: automatic_payment_methods, allowed_payment_method_types.",
      "automatic_payment_methods",
      "parameters_exclusive",
    );
  }
  let automatic: Stripe.PaymentIntent.AutomaticPaymentMethods | null = null;
  if (apm) {
    const enabled = bool(apm, "enabled");
    if (enabled === undefined) throw paramError("Missing required param: automatic_payment_methods[enabled].", "automatic_payment_methods[enabled]", "parameter_missing");
    const allowRedirects = oneOf(apm, "allow_redirects", ["always", "never"] as const);
    automatic = { enabled, ...(allowRedirects ? { allow_redirects: allowRedirects } : {}) };
  } else if (!allowedTypes) {
    // Since API version 2023-08-16 automatic payment methods are on unless the allowed types are given.
    automatic = { allow_redirects: "always", enabled: true };
  }
  const fee = int(params, "application_fee_amount", { min: 0 }) ?? null;
  if (fee !== null && fee > amount) throw paramError("application_fee_amount cannot be greater than amount.", "application_fee_amount");
  const transferData = readTransferData(ctx, params);
  const onBehalfOf = str(params, "on_behalf_of");
  if (onBehalfOf) ctx.state.accounts.fromParam(onBehalfOf, "on_behalf_of");
  const confirm = bool(params, "confirm") ?? false;
  const paymentMethod = str(params, "payment_method");
  const confirmOpts = readConfirmOptions(params);
  if (confirm && !paymentMethod) throw paramError("You must provide a payment_method when confirm is true.", "payment_method", "parameter_missing");

  const id = newId("pi");
  const pi: Stripe.PaymentIntent = {
    id,
    object: "payment_intent",
    allowed_payment_method_types: allowedTypes ?? null,
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: fee,
    automatic_payment_methods: automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: captureMethod,
    client_secret: newClientSecret(id),
    confirmation_method: confirmationMethod,
    created: nowSeconds(),
    currency: cur,
    customer: str(params, "customer") ?? null,
    customer_account: null,
    description: str(params, "description") ?? null,
    excluded_payment_method_types: (strArray(params, "excluded_payment_method_types") as Stripe.PaymentIntent.ExcludedPaymentMethodType[] | undefined) ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: applyMetadata({}, metadata(params)),
    next_action: null,
    on_behalf_of: onBehalfOf ?? null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: allowedTypes ?? ["card"],
    payment_record: null,
    processing: null,
    receipt_email: str(params, "receipt_email") ?? null,
    review: null,
    setup_future_usage: oneOf(params, "setup_future_usage", ["off_session", "on_session"] as const) ?? null,
    shipping: null,
    source: null,
    statement_descriptor: str(params, "statement_descriptor", { max: 22 }) ?? null,
    statement_descriptor_suffix: str(params, "statement_descriptor_suffix", { max: 22 }) ?? null,
    status: "requires_payment_method",
    transfer_data: transferData,
    transfer_group: str(params, "transfer_group") ?? null,
  };
  if (paymentMethod) {
    pi.payment_method = resolvePaymentMethod(ctx, paymentMethod, "payment_method").paymentMethod.id;
    pi.status = "requires_confirmation";
  }
  ctx.state.paymentIntents.add(pi);
  ctx.emit("payment_intent.created", pi);
  // The PaymentMethod is resolved above; confirming with pi.payment_method avoids cloning the test card twice.
  return confirm ? confirmIntent(ctx, pi, { ...confirmOpts, paymentMethod: undefined }) : pi;
}

function readAllowedTypes(params: Params): Stripe.PaymentIntent.AllowedPaymentMethodType[] | undefined {
  const allowed = strArray(params, "allowed_payment_method_types");
  const legacy = strArray(params, "payment_method_types");
  if (allowed && legacy) {
    throw paramError("You may only specify one of these parameters: allowed_payment_method_types, payment_method_types.", "payment_method_types", "parameters_exclusive");
  }
  const types = allowed ?? legacy;
  if (types && types.length === 0) throw paramError("Invalid array: must not be empty", allowed ? "allowed_payment_method_types" : "payment_method_types");
  return types as Stripe.PaymentIntent.AllowedPaymentMethodType[] | undefined;
}

function readTransferData(ctx: Ctx, params: Params): Stripe.PaymentIntent.TransferData | null {
  const data = obj(params, "transfer_data");
  if (!data) return null;
  const destination = str(data, "destination");
  if (!destination) throw paramError("Missing required param: transfer_data[destination].", "transfer_data[destination]", "parameter_missing");
  ctx.state.accounts.fromParam(destination, "transfer_data[destination]");
  const amount = int(data, "amount", { min: 1 });
  return { destination, ...(amount !== undefined ? { amount } : {}) };
}

function readConfirmOptions(params: Params): ConfirmOptions {
  return {
    paymentMethod: str(params, "payment_method"),
    returnUrl: url(params, "return_url"),
    offSession: bool(params, "off_session"),
    errorOnRequiresAction: bool(params, "error_on_requires_action"),
  };
}

export function retrievePaymentIntent(ctx: Ctx, id: string, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, ["client_secret", "expand"]);
  return ctx.state.paymentIntents.fromPath(id, "intent");
}

export function listPaymentIntents(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.PaymentIntent> {
  rejectUnknown(params, [...LIST_PARAMS, "customer", "customer_account"]);
  const customer = str(params, "customer");
  const items = ctx.state.paymentIntents.newestFirst().filter((pi) => !customer || pi.customer === customer);
  return listObject(items, params, "/v1/payment_intents");
}

export function updatePaymentIntent(ctx: Ctx, id: string, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, [...UPDATE_PARAMS, ...LEGACY_PARAMS]);
  const pi = ctx.state.paymentIntents.fromPath(id, "intent");
  const editable = EDITABLE.includes(pi.status);
  const guard = (param: string) => {
    if (!editable) throw unexpectedState(`You cannot update the ${param} of this PaymentIntent because it has a status of ${pi.status}.`, param);
  };

  const amount = int(params, "amount", { min: 1 });
  const cur = currency(params, "currency", { required: false });
  const captureMethod = oneOf(params, "capture_method", CAPTURE_METHODS);
  const fee = int(params, "application_fee_amount", { min: 0 });
  const paymentMethod = str(params, "payment_method");
  const transferGroup = nullableStr(params, "transfer_group");
  const transferData = params.transfer_data !== undefined ? readTransferData(ctx, params) : undefined;
  const change = metadata(params);
  const description = nullableStr(params, "description");
  const receiptEmail = nullableStr(params, "receipt_email");
  const allowedTypes = readAllowedTypes(params);

  if (amount !== undefined) guard("amount");
  if (allowedTypes !== undefined) guard("allowed_payment_method_types");
  if (cur !== undefined) guard("currency");
  if (captureMethod !== undefined) guard("capture_method");
  if (paymentMethod !== undefined) guard("payment_method");
  if (transferData !== undefined) guard("transfer_data");
  if (amount !== undefined || cur !== undefined) checkChargeAmount(amount ?? pi.amount, cur ?? pi.currency);

  pi.metadata = applyMetadata(pi.metadata, change);
  if (amount !== undefined) pi.amount = amount;
  if (cur !== undefined) pi.currency = cur;
  if (captureMethod !== undefined) pi.capture_method = captureMethod;
  if (fee !== undefined) pi.application_fee_amount = fee;
  if (transferGroup !== undefined) pi.transfer_group = transferGroup;
  if (transferData !== undefined) pi.transfer_data = transferData;
  if (description !== undefined) pi.description = description;
  if (receiptEmail !== undefined) pi.receipt_email = receiptEmail;
  if (allowedTypes !== undefined) {
    pi.allowed_payment_method_types = allowedTypes;
    pi.payment_method_types = allowedTypes;
    pi.automatic_payment_methods = null;
  }
  if (paymentMethod !== undefined) {
    pi.payment_method = resolvePaymentMethod(ctx, paymentMethod, "payment_method").paymentMethod.id;
    if (pi.status === "requires_payment_method") pi.status = "requires_confirmation";
  }
  return pi;
}

export function confirmPaymentIntent(ctx: Ctx, id: string, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, CONFIRM_PARAMS);
  const pi = ctx.state.paymentIntents.fromPath(id, "intent");
  const clientSecret = str(params, "client_secret");
  if (clientSecret !== undefined && clientSecret !== pi.client_secret) {
    throw paramError("The client_secret provided does not match the client_secret associated with the PaymentIntent.", "client_secret");
  }
  const captureMethod = oneOf(params, "capture_method", CAPTURE_METHODS);
  return confirmIntent(ctx, pi, { ...readConfirmOptions(params), captureMethod });
}

/** Shared by the API's confirm (and create with confirm=true) and the checkout page. */
export function confirmIntent(ctx: Ctx, pi: Stripe.PaymentIntent, opts: ConfirmOptions): Stripe.PaymentIntent {
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(
      pi.status === "succeeded"
        ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
        : `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
    );
  }
  const pmId = opts.paymentMethod ?? (typeof pi.payment_method === "string" ? pi.payment_method : undefined);
  if (!pmId) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      "payment_method",
    );
  }
  // Stripe refuses a server-side confirmation that could need a redirect but has nowhere to return to.
  const redirectsAllowed = pi.automatic_payment_methods?.enabled === true && pi.automatic_payment_methods.allow_redirects !== "never";
  if (redirectsAllowed && !opts.returnUrl && !opts.offSession && !opts.fromCheckoutPage) {
    throw invalidRequest(
      "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
      { param: "return_url" },
    );
  }
  const { paymentMethod, card } = resolvePaymentMethod(ctx, pmId, "payment_method");
  if (!pi.payment_method_types.includes("card")) {
    throw invalidRequest(
      `The PaymentMethod provided (card) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${pi.payment_method_types.join(", ")}.`,
      { code: "payment_intent_incompatible_payment_method", param: "payment_method" },
    );
  }
  pi.payment_method = paymentMethod.id;
  pi.last_payment_error = null;
  pi.next_action = null;
  if (opts.captureMethod) pi.capture_method = opts.captureMethod;

  if (card.requires3ds) {
    if (opts.offSession || opts.errorOnRequiresAction) {
      // Nobody is there to authenticate: the issuer's soft decline surfaces as a card error.
      return decline(ctx, pi, paymentMethod, card, {
        kind: "decline",
        code: "authentication_required",
        declineCode: "authentication_required",
        message: "Your card was declined. This transaction requires authentication.",
      });
    }
    pi.status = "requires_action";
    pi.next_action = {
      type: "redirect_to_url",
      redirect_to_url: { url: authenticationUrl(ctx, pi, opts.returnUrl), return_url: opts.returnUrl ?? null },
    };
    ctx.emit("payment_intent.requires_action", pi);
    return pi;
  }
  return authorize(ctx, pi, paymentMethod, card, false);
}

function authenticationUrl(ctx: Ctx, pi: Stripe.PaymentIntent, returnUrl: string | undefined): string {
  const url = new URL(`/3ds/${pi.id}`, ctx.publicBaseUrl);
  url.searchParams.set("client_secret", pi.client_secret ?? "");
  if (returnUrl) url.searchParams.set("return_url", returnUrl);
  return url.toString();
}

/** The issuer's answer once any authentication is done. */
function authorize(ctx: Ctx, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, card: TestCard, threeDSecure: boolean): Stripe.PaymentIntent {
  if (card.outcome.kind === "decline") return decline(ctx, pi, pm, card, card.outcome);
  const manual = pi.capture_method === "manual";
  const charge = createCharge(ctx, pi, pm, card, { kind: "authorized", captured: !manual, threeDSecure });
  pi.latest_charge = charge.id;
  pi.next_action = null;
  ctx.emit("charge.succeeded", charge);
  if (manual) {
    pi.status = "requires_capture";
    pi.amount_capturable = pi.amount;
    ctx.emit("payment_intent.amount_capturable_updated", pi);
  } else {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    ctx.emit("payment_intent.succeeded", pi);
    disputeOnCapture(ctx, charge, card);
  }
  return pi;
}

function decline(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  card: TestCard,
  outcome: Extract<CardOutcome, { kind: "decline" }>,
): never {
  const charge = createCharge(ctx, pi, pm, card, outcome);
  pi.status = "requires_payment_method";
  pi.latest_charge = charge.id;
  pi.next_action = null;
  pi.last_payment_error = {
    type: "card_error",
    code: outcome.code,
    decline_code: outcome.declineCode,
    message: outcome.message,
    charge: charge.id,
    payment_method: structuredClone(pm),
    doc_url: `https://stripe.com/docs/error-codes/${outcome.code.replace(/_/g, "-")}`,
  };
  ctx.emit("charge.failed", charge);
  ctx.emit("payment_intent.payment_failed", pi);
  throw cardError({
    code: outcome.code,
    decline_code: outcome.declineCode,
    message: outcome.message,
    charge: charge.id,
    payment_intent: structuredClone(pi),
    payment_method: structuredClone(pm),
  });
}

/** The simulated 3D Secure page's verdict. A decline after approval is reported, not thrown. */
export function completeAuthentication(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  verdict: "approve" | "fail",
): { pi: Stripe.PaymentIntent; declined: boolean } {
  if (pi.status !== "requires_action" || typeof pi.payment_method !== "string") {
    throw unexpectedState(`This PaymentIntent does not need authentication: its status is ${pi.status}.`);
  }
  const pm = ctx.state.paymentMethods.fromParam(pi.payment_method, "payment_method");
  const card = ctx.state.cardOf.get(pm.id);
  if (!card) throw unexpectedState("This PaymentIntent's payment method is not a simulated card.");
  if (verdict === "fail") {
    pi.status = "requires_payment_method";
    pi.next_action = null;
    pi.last_payment_error = {
      type: "invalid_request_error",
      code: "payment_intent_authentication_failure",
      message:
        "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
      payment_method: structuredClone(pm),
      doc_url: "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
    };
    ctx.emit("payment_intent.payment_failed", pi);
    return { pi, declined: true };
  }
  try {
    return { pi: authorize(ctx, pi, pm, card, true), declined: false };
  } catch (e) {
    if (e instanceof StripeApiError && e.status === 402) return { pi, declined: true };
    throw e;
  }
}

export function capturePaymentIntent(ctx: Ctx, id: string, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, CAPTURE_PARAMS);
  const pi = ctx.state.paymentIntents.fromPath(id, "intent");
  const requested = int(params, "amount_to_capture", { min: 1 });
  const fee = int(params, "application_fee_amount", { min: 0 });
  const change = metadata(params);
  if (pi.status !== "requires_capture") {
    throw unexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
    );
  }
  const amount = requested ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalidRequest(
      `The amount_to_capture (${amount}) must be less than or equal to the PaymentIntent's amount_capturable (${pi.amount_capturable}).`,
      { code: "amount_too_large", param: "amount_to_capture" },
    );
  }
  const charge = ctx.state.charges.fromParam(String(pi.latest_charge), "latest_charge");
  captureCharge(charge, amount);
  pi.metadata = applyMetadata(pi.metadata, change);
  if (fee !== undefined) pi.application_fee_amount = charge.application_fee_amount = fee;
  pi.amount_received = amount;
  pi.amount_capturable = 0;
  pi.status = "succeeded";
  ctx.emit("charge.captured", charge);
  ctx.emit("payment_intent.succeeded", pi);
  disputeOnCapture(ctx, charge, ctx.state.cardOf.get(String(charge.payment_method)));
  return pi;
}

export function cancelPaymentIntent(ctx: Ctx, id: string, params: Params): Stripe.PaymentIntent {
  rejectUnknown(params, CANCEL_PARAMS);
  const pi = ctx.state.paymentIntents.fromPath(id, "intent");
  const reason = oneOf(params, "cancellation_reason", ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const);
  if (!CANCELABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`,
    );
  }
  if (pi.status === "requires_capture" && typeof pi.latest_charge === "string") {
    // Releasing an authorization shows up on the charge as a full refund of the uncaptured amount.
    const charge = ctx.state.charges.get(pi.latest_charge);
    if (charge) {
      charge.amount_refunded = charge.amount;
      charge.refunded = true;
    }
  }
  pi.status = "canceled";
  pi.canceled_at = nowSeconds();
  pi.cancellation_reason = reason ?? null;
  pi.amount_capturable = 0;
  pi.next_action = null;
  ctx.emit("payment_intent.canceled", pi);
  return pi;
}
