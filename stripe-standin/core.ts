// The stand-in without its HTTP server: state, idempotency, faults and webhook delivery, plus the
// control operations that the /_standin/ API and the in-process handle both expose.
import Stripe from "stripe";
import type { Ctx, RequestInfo } from "./context";
import { createEvent } from "./events";
import { Faults, FaultSpecError, type FailSpec, type TimeoutSpec } from "./faults";
import { IdempotencyStore } from "./idempotency";
import { completeOnboarding } from "./resources/accounts";
import { createDispute, resolveDispute, type DisputeOptions } from "./resources/disputes";
import { completeAuthentication } from "./resources/payment-intents";
import { State } from "./store";
import { WEBHOOK_MODES, WebhookDispatcher, type DeliveryRecord, type WebhookMode } from "./webhooks";

export interface CoreOptions {
  webhookSecret: string;
  webhookUrl?: string;
  webhookEvents?: readonly string[];
  publicBaseUrl: string;
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Body of POST /_standin/faults (any combination of the three). */
export interface FaultRequest {
  failNext?: FailSpec | FailSpec[];
  timeoutNext?: TimeoutSpec | TimeoutSpec[];
  webhooks?: { mode: WebhookMode; delayMs?: number };
}

export interface StandinSnapshot {
  counts: Record<string, number>;
  objects: {
    payment_intents: Stripe.PaymentIntent[];
    charges: Stripe.Charge[];
    refunds: Stripe.Refund[];
    disputes: Stripe.Dispute[];
    accounts: Stripe.Account[];
    transfers: Stripe.Transfer[];
    payment_methods: Stripe.PaymentMethod[];
    events: Stripe.Event[];
  };
  webhooks: { url: string | null; enabledEvents: readonly string[]; mode: WebhookMode; delayMs: number; held: number; pending: number; deliveries: DeliveryRecord[] };
  faults: Array<Record<string, unknown>>;
}

export const DEFAULT_API_VERSION: string = Stripe.API_VERSION;

export class StandinCore {
  readonly state = new State();
  readonly idempotency = new IdempotencyStore();
  readonly faults = new Faults();
  readonly webhooks: WebhookDispatcher;
  publicBaseUrl: string;

  constructor(opts: CoreOptions) {
    this.publicBaseUrl = opts.publicBaseUrl;
    this.webhooks = new WebhookDispatcher({
      secret: opts.webhookSecret,
      url: opts.webhookUrl,
      retryDelaysMs: opts.webhookRetryDelaysMs ?? [500, 2000, 8000],
      timeoutMs: opts.webhookTimeoutMs ?? 10_000,
      log: opts.log,
    });
    if (opts.webhookEvents) this.webhooks.enabledEvents = [...opts.webhookEvents];
  }

  context(request: RequestInfo): Ctx {
    return {
      state: this.state,
      publicBaseUrl: this.publicBaseUrl,
      request,
      emit: (type, object, opts = {}) => {
        const event = createEvent(this.state, type, object, request, opts, this.webhooks.url ? 1 : 0);
        this.webhooks.enqueue(event);
        return event;
      },
    };
  }

  /** Changes made from the stand-in's own pages or the control API: no API request behind them. */
  pageContext(): Ctx {
    return this.context({ id: null, idempotencyKey: null, stripeAccount: null, apiVersion: DEFAULT_API_VERSION });
  }

  /** Validates and applies a fault request; throws FaultSpecError with a readable message. */
  inject(request: FaultRequest): void {
    if (request === null || typeof request !== "object") throw new FaultSpecError("expected a JSON object");
    for (const key of Object.keys(request)) {
      if (!["failNext", "timeoutNext", "webhooks"].includes(key)) throw new FaultSpecError(`unknown key "${key}"`);
    }
    const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const fails = list(request.failNext);
    const timeouts = list(request.timeoutNext);
    for (const f of fails) if (f === null || typeof f !== "object") throw new FaultSpecError("failNext must be an object");
    for (const t of timeouts) if (t === null || typeof t !== "object") throw new FaultSpecError("timeoutNext must be an object");
    const hooks = request.webhooks;
    if (hooks !== undefined) {
      if (!WEBHOOK_MODES.includes(hooks.mode)) throw new FaultSpecError(`webhooks.mode must be one of ${WEBHOOK_MODES.join(", ")}`);
      const delay = hooks.delayMs ?? 0;
      if (!Number.isInteger(delay) || delay < 0) throw new FaultSpecError("webhooks.delayMs must be a non-negative integer");
    }
    // Validate everything before applying anything, so a bad request changes nothing.
    const staged = new Faults();
    for (const f of fails) staged.addFail(f);
    for (const t of timeouts) staged.addTimeout(t);
    for (const f of fails) this.faults.addFail(f);
    for (const t of timeouts) this.faults.addTimeout(t);
    if (hooks) this.webhooks.setMode(hooks.mode, hooks.delayMs ?? 0);
  }

  snapshot(): StandinSnapshot {
    const s = this.state;
    return {
      counts: { ...s.counts(), idempotency_keys: this.idempotency.size },
      // Copies, so that a test holding a snapshot sees it unchanged while the stand-in moves on.
      objects: structuredClone({
        payment_intents: s.paymentIntents.newestFirst(),
        charges: s.charges.newestFirst(),
        refunds: s.refunds.newestFirst(),
        disputes: s.disputes.newestFirst(),
        accounts: s.accounts.newestFirst(),
        transfers: s.transfers.newestFirst(),
        payment_methods: s.paymentMethods.newestFirst(),
        events: s.events.newestFirst(),
      }),
      webhooks: {
        url: this.webhooks.url ?? null,
        enabledEvents: this.webhooks.enabledEvents,
        mode: this.webhooks.mode,
        delayMs: this.webhooks.delayMs,
        held: this.webhooks.heldCount,
        pending: this.webhooks.pendingCount,
        deliveries: [...this.webhooks.deliveries],
      },
      faults: this.faults.list(),
    };
  }

  /** Forgets every object, event, idempotency key, fault and held webhook; keeps the configuration. */
  reset(): void {
    this.state.clear();
    this.idempotency.clear();
    this.faults.clear();
    this.webhooks.reset();
  }

  completeOnboarding(accountId: string): Stripe.Account {
    return completeOnboarding(this.pageContext(), accountId);
  }

  /** The 3D Secure page's buttons, for tests that do not drive a browser. */
  authenticate(paymentIntentId: string, verdict: "approve" | "fail"): Stripe.PaymentIntent {
    const pi = this.state.paymentIntents.fromPath(paymentIntentId, "intent");
    return completeAuthentication(this.pageContext(), pi, verdict).pi;
  }

  /** The cardholder disputes a captured charge (`ch_…`, or a `pi_…` for its latest charge). */
  createDispute(target: string, opts: DisputeOptions = {}): Stripe.Dispute {
    return createDispute(this.pageContext(), target, opts);
  }

  /** The card network decides an open or under-review dispute. */
  resolveDispute(disputeId: string, outcome: "won" | "lost"): Stripe.Dispute {
    return resolveDispute(this.pageContext(), disputeId, outcome);
  }
}
