// One /v1 request, in Stripe's order: authenticate, read parameters, (injected fault), idempotency
// check, do the work, answer. Events recorded during the work are delivered after the answer.
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "./auth";
import type { RequestInfo } from "./context";
import { DEFAULT_API_VERSION, type StandinCore } from "./core";
import { apiError, ParamError, paramError, StripeApiError, unrecognizedUrl } from "./errors";
import { applyExpand } from "./expand";
import type { ActiveFault } from "./faults";
import { canonicalJson, FormParseError, parseForm } from "./form-parse";
import { sendJson } from "./http";
import type { StoredResponse } from "./idempotency";
import { newId } from "./ids";
import { strArray, type Params } from "./params";
import { matchRoute } from "./routes";

export interface ApiOptions {
  allowedKeys?: readonly string[];
  /** Waits `ms`, or less if the server is shutting down. */
  sleep(ms: number): Promise<void>;
  log?: (line: string) => void;
}

export async function handleApi(
  core: StandinCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
  opts: ApiOptions,
): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname;
  const requestId = newId("req");
  const apiVersion = header(req, "stripe-version") ?? DEFAULT_API_VERSION;
  const idempotencyKey = method === "POST" ? header(req, "idempotency-key") : undefined;
  const stripeAccount = header(req, "stripe-account");
  const headers: Record<string, string> = {
    "Request-Id": requestId,
    "Stripe-Version": apiVersion,
    ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
  };
  const answer = (r: StoredResponse, extra: Record<string, string> = {}) => {
    sendJson(res, r.status, r.body, { ...headers, ...extra });
    opts.log?.(`${method} ${path} ${r.status}${extra["Idempotent-Replayed"] ? " (replayed)" : ""} ${Date.now() - started}ms`);
  };

  let apiKey: string;
  let params: Params;
  try {
    apiKey = authenticate(req, opts.allowedKeys);
    params = readParams(req, method, url, body);
  } catch (e) {
    const err = e instanceof StripeApiError ? e : apiError(500);
    return answer(errorResponse(err, requestId), err.headers);
  }

  const fault = core.faults.take(method, path);
  if (fault?.kind === "fail" && !fault.after) return answer(faultResponse(fault, requestId), fault.headers);

  const request: RequestInfo = { id: requestId, idempotencyKey: idempotencyKey ?? null, stripeAccount: stripeAccount ?? null, apiVersion };
  let response: StoredResponse;
  let replayHeaders: Record<string, string> = {};
  const slot = idempotencyKey
    ? core.idempotency.begin(`${apiKey}|${stripeAccount ?? ""}`, idempotencyKey, method, path, canonicalJson(params))
    : undefined;
  if (slot?.kind === "rejected") {
    response = errorResponse(slot.error, requestId);
  } else if (slot?.kind === "replay") {
    response = slot.response;
    replayHeaders = { "Idempotent-Replayed": "true", "Original-Request": slot.response.requestId };
  } else {
    // A slow Stripe: the key stays locked while the request waits, so a retry meets a 409.
    if (fault?.kind === "timeout" && !fault.after) await opts.sleep(fault.ms);
    const result = execute(core, method, path, params, request, opts.log);
    slot?.finish(result.storable ? result.response : null);
    response = result.response;
  }

  if (fault?.after) {
    // The work is done (and stored for the key); only the answer is lost or late.
    if (fault.kind === "fail") return answer(faultResponse(fault, requestId), fault.headers);
    await opts.sleep(fault.ms);
  }
  answer(response, replayHeaders);
}

function readParams(req: IncomingMessage, method: string, url: URL, body: string): Params {
  const contentType = header(req, "content-type") ?? "";
  if (method === "POST" && contentType.includes("application/json")) {
    throw paramError("Stripe's /v1 API takes application/x-www-form-urlencoded bodies, not JSON.", "body", "parameter_invalid");
  }
  try {
    return parseForm(method === "POST" ? body : url.search);
  } catch (e) {
    if (e instanceof FormParseError) throw paramError(e.message, "body");
    throw e;
  }
}

function execute(
  core: StandinCore,
  method: string,
  path: string,
  params: Params,
  request: RequestInfo,
  log: ((line: string) => void) | undefined,
): { response: StoredResponse; storable: boolean } {
  const requestId = request.id ?? "";
  const route = matchRoute(method, path);
  if (!route) return { response: errorResponse(unrecognizedUrl(method, path), requestId), storable: false };
  try {
    const expand = strArray(params, "expand") ?? [];
    const result = route.handler(core.context(request), params, route.id);
    let out: unknown;
    try {
      out = applyExpand(core.state, result, expand);
    } catch (e) {
      // The work is already done: report a bad expand as a stored error, not as a retryable validation failure.
      if (e instanceof StripeApiError) throw new StripeApiError(e.status, e.body);
      throw e;
    }
    return { response: { status: 200, body: JSON.stringify(out, null, 2), requestId }, storable: true };
  } catch (e) {
    if (e instanceof StripeApiError) {
      return { response: errorResponse(e, requestId), storable: !(e instanceof ParamError) && e.status < 500 };
    }
    log?.(`internal error on ${method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return { response: errorResponse(apiError(500, "An unknown error occurred (stand-in internal error)."), requestId), storable: false };
  }
}

function errorResponse(err: StripeApiError, requestId: string): StoredResponse {
  return { status: err.status, body: JSON.stringify(err.toJSON(), null, 2), requestId };
}

function faultResponse(fault: Extract<ActiveFault, { kind: "fail" }>, requestId: string): StoredResponse {
  return { status: fault.status, body: JSON.stringify({ error: fault.body }, null, 2), requestId };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}
