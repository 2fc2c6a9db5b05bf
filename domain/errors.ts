// Errors the domain core raises. Adapters map `code` to an HTTP status in one place
// (workers/http/errors.ts), so business rules never know about HTTP.

export type DomainErrorCode =
  | "VALIDATION" // input broke a rule the schema could not express (field names in `details.fields`)
  | "NOT_FOUND"
  | "SLOT_UNAVAILABLE" // the interval is taken, held by someone else, or outside working time
  | "HOLD_EXPIRED"
  | "HOLD_NOT_OWNED"
  | "HOLD_LIMIT_REACHED"
  | "ILLEGAL_TRANSITION"
  | "STALE_VERSION" // optimistic concurrency: someone changed the row first
  | "IDEMPOTENCY_MISMATCH" // same idempotency key, different request body
  | "POLICY_FORBIDS" // e.g. cancelling after the policy's cutoff where that is not allowed
  | "PAYMENT_FAILED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "UNAVAILABLE"; // a dependency (Postgres) cannot be reached and the answer cannot be given safely: retry

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}

/** Exhaustiveness guard for `switch` statements over unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
