// Stripe's idempotency layer for POST requests with an `Idempotency-Key` header (stripe-node sends one
// on every POST and reuses it for its automatic retries):
// - same key, same endpoint and parameters → the stored response is replayed, the work is not redone;
// - same key, different parameters or endpoint → 400 idempotency_error;
// - same key while the first request is still running → 409 idempotency_key_in_use (the SDK retries);
// - responses are not stored when the request failed validation or with a 5xx, so a retry runs once.
import { idempotencyError, StripeApiError } from "./errors";

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  endpoint: string;
  params: string;
  response: StoredResponse | undefined; // undefined while the first request is in flight
  storedAt: number;
}

export type Begin =
  | { kind: "fresh"; finish(response: StoredResponse | null): void }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "rejected"; error: StripeApiError };

const DAY_MS = 24 * 60 * 60 * 1000;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs = DAY_MS) {}

  /**
   * @param scope the API key (and Stripe-Account) the key belongs to: keys are per account.
   * @param params canonical JSON of the request parameters.
   */
  begin(scope: string, key: string, method: string, path: string, params: string): Begin {
    if (key.length > 255) {
      return { kind: "rejected", error: new StripeApiError(400, { type: "invalid_request_error", message: "Idempotency keys can be at most 255 characters long." }) };
    }
    const id = `${scope}\u0000${key}`;
    const endpoint = `${method} ${path}`;
    const existing = this.entries.get(id);
    if (existing && existing.response && Date.now() - existing.storedAt > this.ttlMs) this.entries.delete(id);
    const entry = this.entries.get(id);

    if (entry) {
      if (entry.endpoint !== endpoint) {
        return {
          kind: "rejected",
          error: idempotencyError(
            `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
          ),
        };
      }
      if (entry.params !== params) {
        return {
          kind: "rejected",
          error: idempotencyError(
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          ),
        };
      }
      if (!entry.response) {
        return {
          kind: "rejected",
          error: new StripeApiError(409, {
            type: "invalid_request_error",
            code: "idempotency_key_in_use",
            message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          }),
        };
      }
      return { kind: "replay", response: entry.response };
    }

    const fresh: Entry = { endpoint, params, response: undefined, storedAt: Date.now() };
    this.entries.set(id, fresh);
    return {
      kind: "fresh",
      finish: (response) => {
        if (response) {
          fresh.response = response;
          fresh.storedAt = Date.now();
        } else if (this.entries.get(id) === fresh) {
          this.entries.delete(id);
        }
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
