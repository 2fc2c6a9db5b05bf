// GET /v1/balance, computed from the ledger: the platform holds captured charges minus refunds minus
// transfers minus disputed amounts (withdrawn when a dispute opens, reinstated when it is won); a
// connected account (Stripe-Account header) holds what was transferred to it. Everything counts as
// available at once (test cards would normally leave funds pending for a while), and a transfer is never
// refused for lack of balance: the stand-in reports money, it does not ration it.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { rejectUnknown, type Params } from "../params";
import { fundsWithdrawn } from "./disputes";

export function retrieveBalance(ctx: Ctx, params: Params): Stripe.Balance {
  rejectUnknown(params, ["expand"]);
  const totals = new Map<string, number>();
  const add = (cur: string, amount: number) => totals.set(cur, (totals.get(cur) ?? 0) + amount);
  const account = ctx.request.stripeAccount;
  if (account) {
    ctx.state.accounts.fromPath(account, "Stripe-Account");
    for (const t of ctx.state.transfers.newestFirst()) if (t.destination === account) add(t.currency, t.amount - t.amount_reversed);
  } else {
    for (const c of ctx.state.charges.newestFirst()) if (c.captured) add(c.currency, c.amount_captured - c.amount_refunded);
    for (const t of ctx.state.transfers.newestFirst()) add(t.currency, -(t.amount - t.amount_reversed));
    for (const d of ctx.state.disputes.newestFirst()) if (fundsWithdrawn(d)) add(d.currency, -d.amount);
  }
  if (totals.size === 0) totals.set("usd", 0);
  const entries = [...totals].map(([cur, amount]) => ({ amount, currency: cur, source_types: { card: amount } }));
  return {
    object: "balance",
    available: entries,
    pending: entries.map((e) => ({ amount: 0, currency: e.currency, source_types: { card: 0 } })),
    livemode: false,
  };
}
