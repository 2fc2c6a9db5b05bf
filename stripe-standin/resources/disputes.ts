// Disputes (chargebacks). A cardholder disputes a captured charge — the pm_card_createDispute test card
// right after capture, the control API on demand — and the disputed amount leaves the balance at once.
// The merchant answers with evidence (POST /v1/disputes/:id) or accepts the loss (…/close):
//   needs_response ──evidence, submit──▶ under_review ──(evidence words | control API)──▶ won | lost
//                  ──evidence, submit=false──▶ needs_response (staged)
//                  ──close──▶ lost
// As in Stripe test mode, submitted uncategorized_text "winning_evidence" wins and "losing_evidence"
// loses at once; any other evidence stays under review until the control API resolves it.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { invalidRequest, paramError, unknownParam } from "../errors";
import { newId, nowSeconds } from "../ids";
import { formatAmount } from "../money";
import { LIST_PARAMS, listObject } from "../pagination";
import { applyMetadata, bool, metadata, nullableStr, obj, oneOf, rejectUnknown, str, type Params } from "../params";
import type { TestCard } from "../test-cards";

const UPDATE_PARAMS = [
  "evidence", "expand", "intended_submission_method", "metadata", "submit",
] as const satisfies readonly (keyof Stripe.DisputeUpdateParams)[];

const CLOSE_PARAMS = ["expand"] as const satisfies readonly (keyof Stripe.DisputeCloseParams)[];

// Text evidence and file IDs. Files are not simulated: a file ID is stored as given, unchecked.
const EVIDENCE_FIELDS = [
  "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
  "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
  "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
  "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
  "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
  "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file", "uncategorized_text",
] as const satisfies readonly (keyof Stripe.DisputeUpdateParams.Evidence)[];

// Evidence for card-network programs (Visa CE 3.0, compliance fees, appeals): accepted so valid product code
// is never rejected, but not simulated.
const PROGRAM_EVIDENCE = ["appeal", "enhanced_evidence"] as const satisfies readonly (keyof Stripe.DisputeUpdateParams.Evidence)[];

type EvidenceField = (typeof EVIDENCE_FIELDS)[number];

/** Stripe's limit on the evidence hash of one request. */
const MAX_EVIDENCE_CHARACTERS = 150_000;

// Stripe's documented dispute reasons; the control API refuses others so a typo does not go unnoticed.
const REASONS = [
  "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated", "debit_not_authorized",
  "duplicate", "fraudulent", "general", "incorrect_account_details", "insufficient_funds", "noncompliant",
  "product_not_received", "product_unacceptable", "subscription_canceled", "unrecognized",
] as const;

// The card networks' codes for a card-absent fraud chargeback; other reasons get null (unknown).
const FRAUD_NETWORK_CODE: Record<string, string> = { visa: "10.4", mastercard: "4837", amex: "F29" };

const AWAITING_RESPONSE: readonly string[] = ["needs_response", "warning_needs_response"];
const UNDER_REVIEW: readonly string[] = ["under_review", "warning_under_review"];
const CLOSED: readonly string[] = ["won", "lost", "warning_closed", "prevented"];

/** Stripe's test-mode evidence words (https://docs.stripe.com/testing#disputes). */
const TEST_VERDICTS: Record<string, "won" | "lost"> = { winning_evidence: "won", losing_evidence: "lost" };

/** Days the merchant has to respond; real deadlines depend on the network (usually 7–21 days). */
const RESPONSE_DAYS = 7;

export interface DisputeOptions {
  /** One of Stripe's dispute reasons; default fraudulent. */
  reason?: string;
  /** Default: what is left of the charge after refunds. */
  amount?: number;
}

/** Stripe's dispute test cards: the cardholder disputes the charge as soon as it is captured. */
export function disputeOnCapture(ctx: Ctx, charge: Stripe.Charge, card: TestCard | undefined): void {
  if (card?.disputeReason) openDispute(ctx, charge, { reason: card.disputeReason });
}

/** The control API's dispute: `target` is a charge, or a PaymentIntent standing for its latest charge. */
export function createDispute(ctx: Ctx, target: string, opts: DisputeOptions = {}): Stripe.Dispute {
  if (!target.startsWith("pi_")) return openDispute(ctx, ctx.state.charges.fromPath(target, "charge"), opts);
  const pi = ctx.state.paymentIntents.fromPath(target, "payment_intent");
  const charge = typeof pi.latest_charge === "string" ? ctx.state.charges.get(pi.latest_charge) : undefined;
  if (!charge) throw invalidRequest(`PaymentIntent ${pi.id} has no charge to dispute (status ${pi.status}).`);
  return openDispute(ctx, charge, opts);
}

/** A cardholder disputes a captured charge; the amount is withdrawn from the balance at once. */
export function openDispute(ctx: Ctx, charge: Stripe.Charge, opts: DisputeOptions = {}): Stripe.Dispute {
  if (charge.status !== "succeeded" || !charge.captured) {
    throw invalidRequest(`Charge ${charge.id} has not been captured; only a captured charge can be disputed.`, { param: "charge" });
  }
  const existing = disputeOf(ctx, charge.id);
  if (existing) throw invalidRequest(`Charge ${charge.id} has already been disputed (${existing.id}).`, { code: "charge_disputed", param: "charge" });
  const reason = opts.reason ?? "fraudulent";
  if (!(REASONS as readonly string[]).includes(reason)) throw paramError(`Invalid reason: must be one of ${REASONS.join(", ")}`, "reason");
  const disputable = charge.amount_captured - charge.amount_refunded;
  if (disputable <= 0) throw invalidRequest(`Charge ${charge.id} has been fully refunded; there is nothing left to dispute.`, { param: "charge" });
  const amount = opts.amount ?? disputable;
  if (!Number.isSafeInteger(amount) || amount < 1) throw paramError(`Invalid positive integer: ${String(amount)}`, "amount", "parameter_invalid_integer");
  if (amount > disputable) {
    throw paramError(
      `Dispute amount (${formatAmount(amount, charge.currency)}) is greater than the unrefunded amount on charge (${formatAmount(disputable, charge.currency)})`,
      "amount",
      "amount_too_large",
    );
  }

  const brand = charge.payment_method_details?.card?.brand ?? "visa";
  const networkCode = reason === "fraudulent" ? (FRAUD_NETWORK_CODE[brand] ?? null) : null;
  const created = nowSeconds();
  const dispute: Stripe.Dispute = {
    id: newId("dp"),
    object: "dispute",
    amount,
    // Stripe lists the withdrawal (and any reinstatement) here; the stand-in has no balance transactions.
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: created + RESPONSE_DAYS * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: "not_submitted",
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: networkCode,
    payment_intent: typeof charge.payment_intent === "string" ? charge.payment_intent : null,
    payment_method_details: { type: "card", card: { brand, case_type: "chargeback", network: brand, network_reason_code: networkCode } },
    reason,
    status: "needs_response",
  };
  charge.disputed = true;
  ctx.state.disputes.add(dispute);
  ctx.emit("charge.dispute.created", dispute);
  ctx.emit("charge.dispute.funds_withdrawn", dispute);
  return dispute;
}

function emptyEvidence(): Stripe.Dispute.Evidence {
  return {
    access_activity_log: null,
    billing_address: null,
    cancellation_policy: null,
    cancellation_policy_disclosure: null,
    cancellation_rebuttal: null,
    customer_communication: null,
    customer_email_address: null,
    customer_name: null,
    customer_purchase_ip: null,
    customer_signature: null,
    duplicate_charge_documentation: null,
    duplicate_charge_explanation: null,
    duplicate_charge_id: null,
    enhanced_evidence: {},
    product_description: null,
    receipt: null,
    refund_policy: null,
    refund_policy_disclosure: null,
    refund_refusal_explanation: null,
    service_date: null,
    service_documentation: null,
    shipping_address: null,
    shipping_carrier: null,
    shipping_date: null,
    shipping_documentation: null,
    shipping_tracking_number: null,
    uncategorized_file: null,
    uncategorized_text: null,
  };
}

/** A charge has at most one dispute. */
export function disputeOf(ctx: Ctx, chargeId: string): Stripe.Dispute | undefined {
  return ctx.state.disputes.newestFirst().find((d) => d.charge === chargeId);
}

/** A dispute that forbids refunding its charge: any chargeback not (yet) won. */
export function refundBlockingDispute(ctx: Ctx, chargeId: string): Stripe.Dispute | undefined {
  const dispute = disputeOf(ctx, chargeId);
  return dispute && !dispute.is_charge_refundable && dispute.status !== "won" ? dispute : undefined;
}

/** Whether the disputed amount is out of the balance: from opening until won. Inquiries (warning_*) never take it. */
export function fundsWithdrawn(dispute: Stripe.Dispute): boolean {
  return !dispute.status.startsWith("warning_") && dispute.status !== "won" && dispute.status !== "prevented";
}

export function retrieveDispute(ctx: Ctx, id: string, params: Params): Stripe.Dispute {
  rejectUnknown(params, ["expand"]);
  return ctx.state.disputes.fromPath(id, "dispute");
}

export function listDisputes(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Dispute> {
  rejectUnknown(params, [...LIST_PARAMS, "charge", "payment_intent"]);
  const charge = str(params, "charge");
  const paymentIntent = str(params, "payment_intent");
  const items = ctx.state.disputes
    .newestFirst()
    .filter((d) => (!charge || d.charge === charge) && (!paymentIntent || d.payment_intent === paymentIntent));
  return listObject(items, params, "/v1/disputes");
}

export function updateDispute(ctx: Ctx, id: string, params: Params): Stripe.Dispute {
  rejectUnknown(params, UPDATE_PARAMS);
  const dispute = ctx.state.disputes.fromPath(id, "dispute");
  const evidence = readEvidence(params);
  const change = metadata(params);
  const submit = bool(params, "submit");
  const method = oneOf(params, "intended_submission_method", ["manual", "prefer_manual", "prefer_smart_disputes", "smart_disputes"] as const);
  if (CLOSED.includes(dispute.status)) throw invalidRequest("This dispute is already closed");
  // Evidence can be submitted once; after that only metadata may change.
  if (UNDER_REVIEW.includes(dispute.status) && (evidence || submit)) {
    throw invalidRequest("This dispute is under review: its evidence has been submitted and can no longer be changed.", {
      param: evidence ? "evidence" : "submit",
    });
  }
  const nextEvidence = evidence ? { ...dispute.evidence, ...evidence } : dispute.evidence;
  const hasEvidence = EVIDENCE_FIELDS.some((f) => nextEvidence[f] !== null);
  // `submit` defaults to true, but only a request that carries evidence (or says submit=true) submits.
  const submitting = submit !== false && (evidence !== undefined || submit === true);
  if (submitting && !hasEvidence) throw invalidRequest("There is no evidence to submit for this dispute.", { param: "evidence" });
  const nextMetadata = change ? applyMetadata(dispute.metadata, change) : dispute.metadata;

  const before = structuredClone(dispute);
  dispute.evidence = nextEvidence;
  dispute.evidence_details.has_evidence = hasEvidence;
  dispute.metadata = nextMetadata;
  if (method) dispute.intended_submission_method = method;
  if (submitting) {
    dispute.evidence_details.submission_count += 1;
    dispute.evidence_details.submission_method = "manual";
    dispute.status = dispute.status === "warning_needs_response" ? "warning_under_review" : "under_review";
  }
  const previous = previousAttributes(before, dispute);
  if (Object.keys(previous).length > 0) ctx.emit("charge.dispute.updated", dispute, { previous });
  const verdict = submitting ? TEST_VERDICTS[dispute.evidence.uncategorized_text ?? ""] : undefined;
  if (verdict) settle(ctx, dispute, verdict);
  return dispute;
}

/** `evidence[…]`: known fields only; an empty string clears a field. */
function readEvidence(params: Params): Partial<Record<EvidenceField, string | null>> | undefined {
  const hash = obj(params, "evidence");
  if (!hash) return undefined;
  const known: readonly string[] = [...EVIDENCE_FIELDS, ...PROGRAM_EVIDENCE];
  for (const key of Object.keys(hash)) if (!known.includes(key)) throw unknownParam(`evidence[${key}]`);
  for (const key of PROGRAM_EVIDENCE) obj(hash, key);
  const out: Partial<Record<EvidenceField, string | null>> = {};
  let characters = 0;
  for (const field of EVIDENCE_FIELDS) {
    const value = nullableStr(hash, field);
    if (value === undefined) continue;
    out[field] = value;
    characters += value?.length ?? 0;
  }
  if (characters > MAX_EVIDENCE_CHARACTERS) {
    throw paramError(`The combined character count of all evidence fields is limited to ${MAX_EVIDENCE_CHARACTERS.toLocaleString("en-US")}.`, "evidence");
  }
  return out;
}

/** Stripe's previous_attributes: old values of what changed, nested objects reduced to their changed keys. */
function previousAttributes(before: object, after: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, old] of Object.entries(before)) {
    const now: unknown = (after as Record<string, unknown>)[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    const nested = key !== "metadata" && isHash(old) && isHash(now);
    out[key] = nested ? previousAttributes(old, now) : old;
  }
  return out;
}

function isHash(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Accepting the dispute: it is lost (an inquiry just closes). */
export function closeDispute(ctx: Ctx, id: string, params: Params): Stripe.Dispute {
  rejectUnknown(params, CLOSE_PARAMS);
  const dispute = ctx.state.disputes.fromPath(id, "dispute");
  if (CLOSED.includes(dispute.status)) throw invalidRequest("This dispute is already closed");
  if (!AWAITING_RESPONSE.includes(dispute.status)) {
    throw invalidRequest(
      `This dispute cannot be closed because it has a status of ${dispute.status}. Only a dispute with one of the following statuses may be closed: ${AWAITING_RESPONSE.join(", ")}.`,
    );
  }
  settle(ctx, dispute, "lost");
  return dispute;
}

/** The card network's decision, for tests (the control API); Stripe decides this itself. */
export function resolveDispute(ctx: Ctx, id: string, outcome: "won" | "lost"): Stripe.Dispute {
  if (outcome !== "won" && outcome !== "lost") throw paramError('outcome must be "won" or "lost"', "outcome");
  const dispute = ctx.state.disputes.fromPath(id, "dispute");
  if (CLOSED.includes(dispute.status)) throw invalidRequest("This dispute is already closed");
  settle(ctx, dispute, outcome);
  return dispute;
}

function settle(ctx: Ctx, dispute: Stripe.Dispute, outcome: "won" | "lost"): void {
  // An inquiry (warning_*) never took funds and closes as warning_closed whatever the outcome.
  dispute.status = dispute.status.startsWith("warning_") ? "warning_closed" : outcome;
  ctx.emit("charge.dispute.closed", dispute);
  if (dispute.status === "won") ctx.emit("charge.dispute.funds_reinstated", dispute);
}
