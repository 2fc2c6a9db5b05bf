// Shared setup for the stand-in tests: a stand-in on a random port, an official SDK client pointed at
// it, and a tiny webhook receiver that records raw bodies and signatures.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startStripeStandin, type StripeStandin, type StripeStandinOptions } from "../../stripe-standin/server";

export const API_KEY = "sk_test_standin";
export const WEBHOOK_SECRET = "whsec_test_standin";

export function startStandin(opts: Partial<StripeStandinOptions> = {}): Promise<StripeStandin> {
  return startStripeStandin({ webhookSecret: WEBHOOK_SECRET, webhookRetryDelaysMs: [20, 40, 80], webhookTimeoutMs: 2000, ...opts });
}

/** The official SDK, configured the way the product configures it for local runs. */
export function sdk(standin: StripeStandin, config: Stripe.StripeConfig = {}, key = API_KEY): Stripe {
  return new Stripe(key, { host: "127.0.0.1", port: standin.port, protocol: "http", maxNetworkRetries: 0, ...config });
}

export interface ReceivedWebhook {
  body: string;
  signature: string;
  event: { id: string; type: string; data: { object: Record<string, unknown> } };
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answer the next `n` deliveries with `status` instead of 200. */
  failNext(n: number, status?: number): void;
  waitFor(predicate: (all: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  ofType(type: string): ReceivedWebhook[];
  clear(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  let failStatus = 500;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failStatus).end("not now");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ body, signature: String(req.headers["stripe-signature"] ?? ""), event: JSON.parse(body) as ReceivedWebhook["event"] });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    failNext(n, status = 500) {
      failures = n;
      failStatus = status;
    },
    async waitFor(predicate, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`webhooks not received in time; got: ${received.map((r) => r.event.type).join(", ")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    ofType: (type) => received.filter((r) => r.event.type === type),
    clear: () => {
      received.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Catches the rejection of `promise` so its typed error can be asserted on. */
export async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof Stripe.errors.StripeError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** An Express-like connected account that has finished onboarding, ready to receive transfers. */
export async function onboardedAccount(stripe: Stripe, standin: StripeStandin): Promise<Stripe.Account> {
  const account = await stripe.accounts.create({
    type: "express",
    country: "US",
    email: "provider@example.com",
    capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
  });
  return standin.completeOnboarding(account.id);
}

/** Posts an HTML form like a browser would, without following the redirect. */
export async function submitForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

/** For a test file that only talks to the stand-in: one stand-in and SDK client for the file, closed at the end. */
export function useStandin(ready: (harness: { standin: StripeStandin; stripe: Stripe }) => void): void {
  let standin: StripeStandin | undefined;
  beforeAll(async () => {
    standin = await startStandin();
    ready({ standin, stripe: sdk(standin) });
  });
  afterAll(() => standin?.close());
}

export interface WebhookHarness {
  standin: StripeStandin;
  stripe: Stripe;
  receiver: Receiver;
}

/**
 * For a test file about webhooks: a stand-in that delivers to a receiver, both reset before each test
 * and drained after it (so no delivery lands in the next test's receiver), closed at the end.
 * `ready` hands them over once started, e.g. `useWebhookHarness((h) => ({ standin, stripe, receiver } = h))`.
 */
export function useWebhookHarness(ready: (harness: WebhookHarness) => void): void {
  let harness: WebhookHarness | undefined;
  beforeAll(async () => {
    const receiver = await startReceiver();
    const standin = await startStandin({ webhookUrl: receiver.url });
    harness = { standin, stripe: sdk(standin), receiver };
    ready(harness);
  });
  beforeEach(() => {
    harness!.standin.reset();
    harness!.receiver.clear();
  });
  afterEach(() => harness!.standin.waitForWebhooks());
  afterAll(async () => {
    await harness?.standin.close();
    await harness?.receiver.close();
  });
}
