// Stripe's error envelope and the HTTP statuses stripe-node maps to its typed errors
// (400/404 → StripeInvalidRequestError or StripeIdempotencyError, 401 → StripeAuthenticationError,
// 402 → StripeCardError, 409/429/5xx → retried by the SDK). Wording follows Stripe's messages so
// that code matching on `code`/`decline_code` behaves the same against the real API.
import type Stripe from "stripe";

export type ErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";

export interface ErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: Stripe.PaymentIntent;
  payment_method?: Stripe.PaymentMethod;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = "StripeApiError";
  }

  toJSON(): { error: ErrorBody } {
    return { error: this.body };
  }
}

/**
 * A request rejected while its parameters were being read, before any work started. Stripe does not
 * store these as the result of an idempotency key ("no API endpoint began execution"), so a corrected
 * retry with the same key is allowed.
 */
export class ParamError extends StripeApiError {}

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
}

function withDoc(body: ErrorBody): ErrorBody {
  return body.code && !body.doc_url ? { ...body, doc_url: docUrl(body.code) } : body;
}

export function invalidRequest(
  message: string,
  opts: { code?: string; param?: string; status?: number } = {},
): StripeApiError {
  return new StripeApiError(
    opts.status ?? 400,
    withDoc({ type: "invalid_request_error", message, code: opts.code, param: opts.param }),
  );
}

export function paramError(message: string, param: string, code = "parameter_invalid"): ParamError {
  return new ParamError(400, withDoc({ type: "invalid_request_error", message, code, param }));
}

export const missingParam = (param: string) =>
  paramError(`Missing required param: ${param}.`, param, "parameter_missing");

export const unknownParam = (param: string) =>
  paramError(`Received unknown parameter: ${param}`, param, "parameter_unknown");

/** A URL names an object that does not exist (404), e.g. GET /v1/payment_intents/pi_nope. */
export function notFound(objectName: string, id: string, param: string): StripeApiError {
  return new StripeApiError(
    404,
    withDoc({ type: "invalid_request_error", code: "resource_missing", param, message: `No such ${objectName}: '${id}'` }),
  );
}

/** A parameter names an object that does not exist (400), e.g. `destination=acct_nope`. */
export function missingReference(objectName: string, id: string, param: string): StripeApiError {
  return new StripeApiError(
    400,
    withDoc({ type: "invalid_request_error", code: "resource_missing", param, message: `No such ${objectName}: '${id}'` }),
  );
}

export function unexpectedState(message: string, param?: string): StripeApiError {
  return invalidRequest(message, { code: "payment_intent_unexpected_state", param });
}

export function cardError(body: Omit<ErrorBody, "type">): StripeApiError {
  return new StripeApiError(402, withDoc({ type: "card_error", ...body }));
}

export function idempotencyError(message: string): StripeApiError {
  return new StripeApiError(400, { type: "idempotency_error", message });
}

export function authenticationError(message: string): StripeApiError {
  // Stripe answers 401 with type invalid_request_error; the SDK picks the class from the status.
  return new StripeApiError(401, { type: "invalid_request_error", message }, { "WWW-Authenticate": 'Basic realm="Stripe"' });
}

export function apiError(status: number, message = "An unknown error occurred"): StripeApiError {
  return new StripeApiError(status, { type: "api_error", message });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}
