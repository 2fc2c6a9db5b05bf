// One JSON error envelope for every API error: { error: { code, message, fields?, ...details } }.
// DomainError codes map to HTTP statuses here and nowhere else.
import { z } from "zod";
import { ConfigError } from "../env";
import { DomainError, type DomainErrorCode } from "../../domain/errors";
import { describeFailure } from "../../db/unreachable";
import { transientFailure } from "./transient-failure";

const STATUS: Record<DomainErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  SLOT_UNAVAILABLE: 409,
  HOLD_EXPIRED: 409,
  HOLD_NOT_OWNED: 403,
  HOLD_LIMIT_REACHED: 429,
  ILLEGAL_TRANSITION: 409,
  STALE_VERSION: 409,
  IDEMPOTENCY_MISMATCH: 409,
  POLICY_FORBIDS: 409,
  PAYMENT_FAILED: 402,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** The HTTP status a DomainError code answers with, for the API and for the pages alike. */
export function statusForDomainErrorCode(code: DomainErrorCode): number {
  return STATUS[code];
}

export function json(data: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(data), { ...init, headers });
}

export function errorResponse(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return json({ error: { code, message, ...extra } }, { status });
}

/** zod issues as field paths and messages, with a one-line summary, e.g. "customer.email: Invalid email address". */
export function describeIssues(error: z.ZodError, prefix?: string): { fields: Array<{ path: string; message: string }>; summary: string } {
  const fields = error.issues.map((issue) => ({
    path: [...(prefix ? [prefix] : []), ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return { fields, summary: fields.map((f) => `${f.path || "(body)"}: ${f.message}`).join("; ") };
}

/** zod issues → 400 naming every field path. */
export function validationError(error: z.ZodError, prefix?: string): Response {
  const { fields, summary } = describeIssues(error, prefix);
  return errorResponse(400, "VALIDATION", `Invalid request: ${summary}`, { fields });
}

/** Turns anything thrown by a handler into a response; unexpected errors are logged and become 500. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof DomainError) {
    const retryAfter = error.details.retryAfterSeconds;
    const headers = typeof retryAfter === "number" ? { "Retry-After": String(Math.max(1, Math.ceil(retryAfter))) } : undefined;
    return json({ error: { code: error.code, message: error.message, ...error.details } }, { status: statusForDomainErrorCode(error.code), headers });
  }
  if (error instanceof z.ZodError) return validationError(error);
  if (error instanceof ConfigError) return errorResponse(500, "MISCONFIGURED", error.message);
  if (error instanceof Response) return error;
  const transient = transientFailure(error);
  if (transient) {
    console.warn(JSON.stringify({ eventName: "api.transient_failure", code: transient.code, ...describeFailure(error) }));
    const { status, retryAfterSeconds, ...body } = transient;
    return json({ error: { ...body, retryAfterSeconds } }, { status, headers: { "Retry-After": String(retryAfterSeconds) } });
  }
  // No SQL parameters in the log: they hold customer data.
  console.error(JSON.stringify({ eventName: "api.unhandled", ...describeFailure(error) }));
  return errorResponse(500, "INTERNAL", "Something went wrong on our side. Please try again.");
}

/** Parses a JSON body; a body that is not JSON is a 400 naming the body, never a 500. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.length > 64 * 1024) throw new DomainError("VALIDATION", "Request body is too large (max 64 KiB)", { fields: [{ path: "body", message: "too large" }] });
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    throw new DomainError("VALIDATION", "Request body must be valid JSON", { fields: [{ path: "body", message: "not valid JSON" }] });
  }
}
