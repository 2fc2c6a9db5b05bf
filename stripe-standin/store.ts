// The stand-in's in-memory state: one collection per object type, typed with the SDK's own object types
// so that the compiler checks every field the official SDK promises its callers is present.
import type Stripe from "stripe";
import { missingReference, notFound } from "./errors";
import type { TestCard } from "./test-cards";

export class Collection<T extends { id: string }> {
  // A Map iterates in insertion order, which is creation order: lists walk it backwards (newest first).
  private readonly items = new Map<string, T>();

  constructor(
    /** Stripe's name for the object in messages such as "No such payment_intent: 'pi_…'". */
    readonly objectName: string,
  ) {}

  add(item: T): T {
    this.items.set(item.id, item);
    return item;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  /** For an ID taken from the URL path: 404 when missing. */
  fromPath(id: string, param = "id"): T {
    const item = this.items.get(id);
    if (!item) throw notFound(this.objectName, id, param);
    return item;
  }

  /** For an ID given as a parameter: 400 when missing. */
  fromParam(id: string, param: string): T {
    const item = this.items.get(id);
    if (!item) throw missingReference(this.objectName, id, param);
    return item;
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }

  /** Newest first, like every Stripe list. */
  newestFirst(): T[] {
    return [...this.items.values()].reverse();
  }

  get size(): number {
    return this.items.size;
  }

  clear(): void {
    this.items.clear();
  }
}

export interface AccountLinkRecord {
  token: string;
  account: string;
  type: "account_onboarding" | "account_update";
  refreshUrl: string | null;
  returnUrl: string | null;
  expiresAt: number;
  used: boolean;
}

export class State {
  readonly paymentIntents = new Collection<Stripe.PaymentIntent>("payment_intent");
  readonly charges = new Collection<Stripe.Charge>("charge");
  readonly refunds = new Collection<Stripe.Refund>("refund");
  readonly disputes = new Collection<Stripe.Dispute>("dispute");
  readonly accounts = new Collection<Stripe.Account>("account");
  readonly transfers = new Collection<Stripe.Transfer>("transfer");
  readonly events = new Collection<Stripe.Event>("event");
  readonly paymentMethods = new Collection<Stripe.PaymentMethod>("payment_method");
  /** Which simulated card behaviour a created PaymentMethod carries. */
  readonly cardOf = new Map<string, TestCard>();
  readonly accountLinks = new Map<string, AccountLinkRecord>();

  /** Resolves any ID by its prefix; used by `expand[]`. */
  lookup(id: string): { id: string } | undefined {
    const prefix = id.slice(0, id.indexOf("_"));
    switch (prefix) {
      case "pi":
        return this.paymentIntents.get(id);
      case "ch":
        return this.charges.get(id);
      case "re":
        return this.refunds.get(id);
      case "dp":
        return this.disputes.get(id);
      case "acct":
        return this.accounts.get(id);
      case "tr":
        return this.transfers.get(id);
      case "evt":
        return this.events.get(id);
      case "pm":
        return this.paymentMethods.get(id);
      default:
        return undefined;
    }
  }

  counts(): Record<string, number> {
    return {
      payment_intents: this.paymentIntents.size,
      charges: this.charges.size,
      refunds: this.refunds.size,
      disputes: this.disputes.size,
      accounts: this.accounts.size,
      transfers: this.transfers.size,
      events: this.events.size,
      payment_methods: this.paymentMethods.size,
    };
  }

  clear(): void {
    for (const c of [this.paymentIntents, this.charges, this.refunds, this.disputes, this.accounts, this.transfers, this.events, this.paymentMethods]) {
      c.clear();
    }
    this.cardOf.clear();
    this.accountLinks.clear();
  }
}
