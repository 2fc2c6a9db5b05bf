// Fault injection for the API: make the next N matching requests fail with a status (500 by default)
// or hang, either before the work is done or after it (the dangerous case: Stripe did it, the caller
// never heard). Together with the idempotency layer this lets the product prove that a retried
// request does not pay twice.
import type { ErrorBody, ErrorType } from "./errors";

export interface FailSpec {
  /** Exact path such as "/v1/transfers", or a prefix ending in "*" such as "/v1/payment_intents/*". */
  path: string;
  method?: string;
  count?: number;
  status?: number;
  /** Do the work (and store the idempotent result) first, then answer with the failure. */
  after?: boolean;
  error?: { type?: ErrorType; code?: string; message?: string };
  /** Sets the Stripe-Should-Retry header, which stripe-node obeys over its own status rules. */
  shouldRetry?: boolean;
}

export interface TimeoutSpec {
  path: string;
  method?: string;
  count?: number;
  /** How long to hold. */
  ms: number;
  /** Default true: the work is done at once and only the answer is held (a lost response).
   *  false: the request waits before the work starts (a slow Stripe); its idempotency key stays locked. */
  after?: boolean;
}

export type ActiveFault =
  | { kind: "fail"; after: boolean; status: number; body: ErrorBody; headers: Record<string, string> }
  | { kind: "timeout"; after: boolean; ms: number };

interface Rule {
  kind: "fail" | "timeout";
  path: string;
  method: string | undefined;
  remaining: number;
  make: () => ActiveFault;
  describe: Record<string, unknown>;
}

export class FaultSpecError extends Error {}

export class Faults {
  private rules: Rule[] = [];

  addFail(spec: FailSpec): void {
    const base = this.base(spec, "failNext");
    const status = spec.status ?? 500;
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new FaultSpecError("failNext.status must be 400–599");
    const after = spec.after ?? false;
    const type: ErrorType = spec.error?.type ?? (status >= 500 ? "api_error" : "invalid_request_error");
    const body: ErrorBody = {
      type,
      message: spec.error?.message ?? (status >= 500 ? "An unknown error occurred" : "Injected failure"),
      ...(spec.error?.code ? { code: spec.error.code } : {}),
    };
    const headers: Record<string, string> =
      spec.shouldRetry === undefined ? {} : { "Stripe-Should-Retry": String(spec.shouldRetry) };
    this.rules.push({
      ...base,
      kind: "fail",
      make: () => ({ kind: "fail", after, status, body, headers }),
      describe: { kind: "fail", path: spec.path, method: base.method, status, after, shouldRetry: spec.shouldRetry },
    });
  }

  addTimeout(spec: TimeoutSpec): void {
    const base = this.base(spec, "timeoutNext");
    if (!Number.isInteger(spec.ms) || spec.ms < 0 || spec.ms > 10 * 60_000) {
      throw new FaultSpecError("timeoutNext.ms must be an integer number of milliseconds (≤ 600000)");
    }
    const after = spec.after ?? true;
    this.rules.push({
      ...base,
      kind: "timeout",
      make: () => ({ kind: "timeout", after, ms: spec.ms }),
      describe: { kind: "timeout", path: spec.path, method: base.method, ms: spec.ms, after },
    });
  }

  /** Consumes one use of the first rule matching this request. */
  take(method: string, path: string): ActiveFault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r, method, path));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.make();
  }

  list(): Array<Record<string, unknown>> {
    return this.rules.map((r) => ({ ...r.describe, remaining: r.remaining }));
  }

  clear(): void {
    this.rules = [];
  }

  private base(spec: { path: string; method?: string; count?: number; after?: boolean }, what: string) {
    if (typeof spec.path !== "string" || !spec.path.startsWith("/")) throw new FaultSpecError(`${what}.path must start with "/"`);
    if (spec.method !== undefined && typeof spec.method !== "string") throw new FaultSpecError(`${what}.method must be a string`);
    if (spec.after !== undefined && typeof spec.after !== "boolean") throw new FaultSpecError(`${what}.after must be true or false`);
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new FaultSpecError(`${what}.count must be a positive integer`);
    return { path: spec.path, method: spec.method?.toUpperCase(), remaining: count };
  }
}

function matches(rule: Rule, method: string, path: string): boolean {
  if (rule.method && rule.method !== method) return false;
  return rule.path.endsWith("*") ? path.startsWith(rule.path.slice(0, -1)) : path === rule.path;
}
