// Asserting that a service call fails with a given DomainError code (and handing the error back for
// a closer look at its message and details).
import { expect } from "vitest";
import { DomainError, isDomainError } from "../../domain/errors";

export async function expectDomainError(promise: Promise<unknown>, code: DomainError["code"]): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

/** The DomainError code a synchronous call throws, "non-domain" for any other error, undefined if it returns. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isDomainError(error) ? error.code : "non-domain";
  }
  return undefined;
}
