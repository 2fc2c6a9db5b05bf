// Asserting that a service call fails with a given DomainError code (and handing the error back for
// a closer look at its message and details).
import { expect } from "vitest";
import { DomainError } from "../../domain/errors";

export async function expectDomainError(promise: Promise<unknown>, code: DomainError["code"]): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}
