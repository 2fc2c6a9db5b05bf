// DomainError → the HTTP status and inline message a provider page shows for it.
import type { DomainError } from "../../domain/errors";
import { statusForDomainErrorCode } from "../../workers/http/errors";

export function statusForDomainError(error: DomainError): number {
  return statusForDomainErrorCode(error.code) ?? 400;
}

/** A sentence for the page: the domain's messages are written for people already, with a hint on what to do. */
export function messageForDomainError(error: DomainError): string {
  switch (error.code) {
    case "STALE_VERSION":
      return "This booking changed since you opened the page. Check its current state below and try again.";
    case "ILLEGAL_TRANSITION":
      return `${error.message}. The page now shows the booking's current state.`;
    default:
      return error.message;
  }
}
