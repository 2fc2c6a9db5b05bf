// The provider object's "could not judge this" answers (durable-objects/schedule-rpc.ts
// ScheduleFailure) as the DomainErrors the API and the pages already map to HTTP.
import { DomainError } from "../../domain/errors";
import type { ScheduleFailure } from "../../durable-objects/schedule-rpc";

export function scheduleFailureError(failure: ScheduleFailure): DomainError {
  switch (failure.reason) {
    case "NOT_FOUND":
      return new DomainError("NOT_FOUND", failure.message, { fields: [{ path: failure.field, message: "not found for this provider" }] });
    case "NOT_BOOKABLE":
      return new DomainError("SLOT_UNAVAILABLE", failure.message, { reason: "NOT_BOOKABLE" });
    case "VALIDATION":
      return new DomainError("VALIDATION", failure.message, { fields: failure.fields });
    case "UNAVAILABLE":
      return new DomainError("UNAVAILABLE", failure.message, { retryAfterSeconds: failure.retryAfterSeconds });
  }
}
