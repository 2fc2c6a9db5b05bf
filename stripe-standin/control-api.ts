// The control API under /_standin/: plain JSON (or a form body), no authentication (the stand-in only
// listens on loopback). It exists for tests and local debugging; Stripe has no equivalent.
import type { StandinCore, FaultRequest } from "./core";
import { StripeApiError } from "./errors";
import { FaultSpecError } from "./faults";
import { FormParseError, parseForm } from "./form-parse";
import { isHttpUrl } from "./params";

export interface ControlResponse {
  status: number;
  json: unknown;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleControl(
  core: StandinCore,
  method: string,
  path: string,
  rawBody: string,
  contentType = "",
): Promise<ControlResponse> {
  try {
    const body = contentType.includes("application/x-www-form-urlencoded") ? parseFormBody(rawBody) : parseJson(rawBody);
    const route = `${method} ${path.replace(/\/+$/, "")}`;
    switch (route) {
      case "GET /_standin/state":
        return ok(core.snapshot());
      case "POST /_standin/reset":
        core.reset();
        return ok({ reset: true });
      case "GET /_standin/faults":
        return ok(faultView(core));
      case "POST /_standin/faults":
        core.inject(body as FaultRequest);
        return ok(faultView(core));
      case "DELETE /_standin/faults":
        core.faults.clear();
        return ok(faultView(core));
      case "POST /_standin/webhooks/flush":
        return ok({ flushed: core.webhooks.flush() });
      case "POST /_standin/webhooks/wait": {
        const timeoutMs = numberField(body, "timeoutMs") ?? 5000;
        return ok({ idle: await core.webhooks.idle(timeoutMs) });
      }
      case "POST /_standin/webhook-url": {
        const { url, enabled_events: enabled } = (body ?? {}) as { url?: unknown; enabled_events?: unknown };
        if (url !== null && (typeof url !== "string" || !isHttpUrl(url))) throw new ControlError(400, 'expected {"url": "http://…"} or {"url": null}');
        if (enabled !== undefined && (!Array.isArray(enabled) || enabled.length === 0 || !enabled.every((t) => typeof t === "string" && t.length > 0))) {
          throw new ControlError(400, 'enabled_events must be a non-empty array of event types (or ["*"])');
        }
        core.webhooks.url = url ?? undefined;
        if (enabled) core.webhooks.enabledEvents = enabled as string[];
        return ok({ url, enabled_events: core.webhooks.enabledEvents });
      }
    }
    const onboard = /^POST \/_standin\/accounts\/([^/]+)\/onboard$/.exec(route);
    if (onboard) return ok(core.completeOnboarding(decodeURIComponent(onboard[1]!)));
    const authenticate = /^POST \/_standin\/payment_intents\/([^/]+)\/authenticate$/.exec(route);
    if (authenticate) {
      const outcome = (body as { outcome?: unknown } | undefined)?.outcome ?? "approve";
      if (outcome !== "approve" && outcome !== "fail") throw new ControlError(400, 'outcome must be "approve" or "fail"');
      return ok(core.authenticate(decodeURIComponent(authenticate[1]!), outcome));
    }
    const dispute = /^POST \/_standin\/charges\/([^/]+)\/dispute$/.exec(route);
    if (dispute) {
      const reason = stringField(body, "reason");
      const amount = integerField(body, "amount");
      return ok(core.createDispute(decodeURIComponent(dispute[1]!), { reason, amount }));
    }
    const resolve = /^POST \/_standin\/disputes\/([^/]+)\/resolve$/.exec(route);
    if (resolve) {
      const outcome = stringField(body, "outcome");
      if (outcome !== "won" && outcome !== "lost") throw new ControlError(400, 'outcome must be "won" or "lost"');
      return ok(core.resolveDispute(decodeURIComponent(resolve[1]!), outcome));
    }
    throw new ControlError(404, `no control endpoint ${route}`);
  } catch (e) {
    if (e instanceof ControlError) return { status: e.status, json: { error: e.message } };
    if (e instanceof FaultSpecError) return { status: 400, json: { error: e.message } };
    if (e instanceof StripeApiError) return { status: e.status, json: e.toJSON() };
    throw e;
  }
}

function ok(json: unknown): ControlResponse {
  return { status: 200, json };
}

function faultView(core: StandinCore) {
  return { faults: core.faults.list(), webhooks: { mode: core.webhooks.mode, delayMs: core.webhooks.delayMs, held: core.webhooks.heldCount } };
}

function parseJson(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ControlError(400, "body must be JSON");
  }
}

function parseFormBody(raw: string): unknown {
  try {
    return parseForm(raw);
  } catch (e) {
    if (e instanceof FormParseError) throw new ControlError(400, `malformed form body: ${e.message}`);
    throw e;
  }
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
}

function stringField(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ControlError(400, `${name} must be a string`);
  return value;
}

/** A positive integer, as a JSON number or a form field's digits. */
function integerField(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) throw new ControlError(400, `${name} must be a positive integer`);
  return n;
}

function numberField(body: unknown, name: string): number | undefined {
  if (body === undefined || body === null || typeof body !== "object") return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new ControlError(400, `${name} must be a non-negative number`);
  return value;
}
