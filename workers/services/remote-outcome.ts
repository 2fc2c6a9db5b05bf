// A service call made inside a Durable Object, answered to the Worker across RPC. Errors lose their
// class on the way (an RPC rethrows a plain Error), so the two kinds the HTTP layer maps to 4xx —
// DomainError (with its code and details) and ZodError (with its issues) — travel as data and are
// rebuilt on the Worker's side; anything else is rethrown as it is (a 500, as before).
import { z } from "zod";
import { DomainError, type DomainErrorCode } from "../../domain/errors";

export type RemoteOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; kind: "domain"; code: DomainErrorCode; message: string; details: Record<string, unknown> }
  | { ok: false; kind: "validation"; issues: z.core.$ZodIssue[] };

/** Inside the object: runs `fn` and captures the errors the Worker must see as such. */
export async function captureOutcome<T>(fn: () => Promise<T>): Promise<RemoteOutcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, kind: "domain", code: error.code, message: error.message, details: error.details };
    if (error instanceof z.ZodError) return { ok: false, kind: "validation", issues: error.issues };
    throw error;
  }
}

/** In the Worker: the value, or the original kind of error thrown again. */
export function unwrapOutcome<T>(outcome: RemoteOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.kind === "domain") throw new DomainError(outcome.code, outcome.message, outcome.details);
  throw new z.ZodError(outcome.issues);
}
