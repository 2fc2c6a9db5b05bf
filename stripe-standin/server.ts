// A local stand-in for the Stripe API that the official `stripe` SDK talks to unchanged:
//   new Stripe("sk_test_…", { host: "127.0.0.1", port, protocol: "http" })
// It serves /v1 (the API subset the product uses), the browser pages Stripe would host (checkout,
// 3D Secure, Connect onboarding), and /_standin/ (control API for tests). State lives in memory.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { handleApi } from "./api";
import { handleControl } from "./control-api";
import { StandinCore, type FaultRequest, type StandinSnapshot } from "./core";
import { parseForm, type FormObject } from "./form-parse";
import { BodyTooLarge, readBody, redirect, sendHtml, sendJson } from "./http";
import { handlePage, isPagePath } from "./pages";
import type { WebhookMode } from "./webhooks";

export interface StripeStandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (the control API has no authentication). */
  host?: string;
  /** The endpoint secret (whsec_…) webhooks are signed with. */
  webhookSecret: string;
  /** Where events are POSTed; none = events are only recorded (GET /v1/events). */
  webhookUrl?: string;
  /** The endpoint's enabled_events (exact type names, or "*"); default ["*"], every event. */
  webhookEvents?: readonly string[];
  /** Base of the page URLs handed out (3D Secure, onboarding), when browsers reach the stand-in by another address. */
  publicBaseUrl?: string;
  /** Accept only these API keys (default: any sk_test_/rk_test_ key). */
  apiKeys?: string[];
  /** Delays between webhook retries; the array's length is the number of retries. Default [500, 2000, 8000]. */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** Receives one line per API request and delivery problems. */
  log?: (line: string) => void;
}

export interface StripeStandin {
  url: string;
  port: number;
  close(): Promise<void>;
  /**
   * null stops delivery (events are still recorded). `enabledEvents` is the endpoint's subscription,
   * as on a Stripe webhook endpoint (exact type names, or "*"); left out, it stays as it was.
   */
  setWebhookUrl(url: string | null, enabledEvents?: readonly string[]): void;
  /** Same body as POST /_standin/faults. */
  injectFaults(request: FaultRequest): void;
  clearFaults(): void;
  setWebhookMode(mode: WebhookMode, delayMs?: number): void;
  /** Releases held webhooks (reversed in "reorder" mode); returns how many. */
  flushWebhooks(): number;
  /** Resolves true once no webhook is scheduled or in flight (held ones excepted). */
  waitForWebhooks(timeoutMs?: number): Promise<boolean>;
  state(): StandinSnapshot;
  reset(): void;
  /** What finishing the hosted onboarding page does. */
  completeOnboarding(accountId: string): Stripe.Account;
  /** What the 3D Secure page's buttons do. */
  authenticate(paymentIntentId: string, verdict: "approve" | "fail"): Stripe.PaymentIntent;
  /** The cardholder disputes a captured charge (`ch_…`, or `pi_…` for its latest charge), as the dispute test card does. */
  createDispute(target: string, opts?: { reason?: string; amount?: number }): Stripe.Dispute;
  /** The card network decides an open or under-review dispute (charge.dispute.closed, + funds_reinstated when won). */
  resolveDispute(disputeId: string, outcome: "won" | "lost"): Stripe.Dispute;
  /** The engine itself, for assertions the helpers above do not cover. */
  core: StandinCore;
}

export async function startStripeStandin(opts: StripeStandinOptions): Promise<StripeStandin> {
  if (!opts.webhookSecret) throw new Error("startStripeStandin: webhookSecret is required");
  const host = opts.host ?? "127.0.0.1";
  const core = new StandinCore({
    webhookSecret: opts.webhookSecret,
    webhookUrl: opts.webhookUrl,
    webhookEvents: opts.webhookEvents,
    publicBaseUrl: opts.publicBaseUrl ?? "http://127.0.0.1", // replaced once the port is known
    webhookRetryDelaysMs: opts.webhookRetryDelaysMs,
    webhookTimeoutMs: opts.webhookTimeoutMs,
    log: opts.log,
  });

  // Held responses (timeout faults) wait here; closing the server releases them at once.
  const sleepers = new Set<() => void>();
  let closing = false;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing) return resolve();
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      opts.log?.(`stand-in crashed on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendJson(res, 500, { error: { type: "api_error", message: "Stand-in internal error." } });
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const method = (req.method ?? "GET").toUpperCase();
    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: { type: "invalid_request_error", message: "Request body too large." } });
      throw e;
    }
    const path = url.pathname;
    if (path.startsWith("/v1/")) {
      return handleApi(core, req, res, url, body, { allowedKeys: opts.apiKeys, sleep, log: opts.log });
    }
    if (path.startsWith("/_standin/")) {
      const { status, json } = await handleControl(core, method, path, body, req.headers["content-type"]);
      return sendJson(res, status, json);
    }
    if (isPagePath(path)) {
      let form: FormObject = {};
      try {
        form = method === "POST" ? parseForm(body) : {};
      } catch {
        return sendHtml(res, 400, "<!doctype html><title>Bad request</title><p>Malformed form data.</p>");
      }
      const result = handlePage(core, method, path, url.searchParams, form);
      return "redirect" in result ? redirect(res, result.redirect) : sendHtml(res, result.status, result.html);
    }
    if (path === "/" || path === "/health") return sendJson(res, 200, { ok: true, name: "stripe-standin" });
    return sendJson(res, 404, {
      error: { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` },
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  core.publicBaseUrl = opts.publicBaseUrl ?? url;

  return {
    url,
    port,
    core,
    close: async () => {
      closing = true;
      for (const wake of [...sleepers]) wake();
      core.webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setWebhookUrl: (next, enabledEvents) => {
      core.webhooks.url = next ?? undefined;
      if (enabledEvents) core.webhooks.enabledEvents = [...enabledEvents];
    },
    injectFaults: (request) => core.inject(request),
    clearFaults: () => core.faults.clear(),
    setWebhookMode: (mode, delayMs) => core.inject({ webhooks: { mode, delayMs } }),
    flushWebhooks: () => core.webhooks.flush(),
    waitForWebhooks: (timeoutMs) => core.webhooks.idle(timeoutMs),
    state: () => core.snapshot(),
    reset: () => core.reset(),
    completeOnboarding: (accountId) => structuredClone(core.completeOnboarding(accountId)),
    authenticate: (paymentIntentId, verdict) => structuredClone(core.authenticate(paymentIntentId, verdict)),
    createDispute: (target, opts) => structuredClone(core.createDispute(target, opts)),
    resolveDispute: (disputeId, outcome) => structuredClone(core.resolveDispute(disputeId, outcome)),
  };
}
