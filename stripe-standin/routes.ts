// The /v1 endpoints the stand-in speaks, as a table of method + path pattern → resource function.
import type { Ctx } from "./context";
import type { Params } from "./params";
import * as accounts from "./resources/accounts";
import { retrieveBalance } from "./resources/balance";
import { listCharges, retrieveCharge } from "./resources/charges";
import * as disputes from "./resources/disputes";
import { listEvents, retrieveEvent } from "./resources/events";
import * as intents from "./resources/payment-intents";
import { retrievePaymentMethod } from "./resources/payment-methods";
import * as refunds from "./resources/refunds";
import * as transfers from "./resources/transfers";

type Handler = (ctx: Ctx, params: Params, id: string) => object;

interface Route {
  method: "GET" | "POST" | "DELETE";
  segments: string[];
  handler: Handler;
}

const table: Array<[Route["method"], string, Handler]> = [
  ["POST", "/v1/payment_intents", (c, p) => intents.createPaymentIntent(c, p)],
  ["GET", "/v1/payment_intents", (c, p) => intents.listPaymentIntents(c, p)],
  ["GET", "/v1/payment_intents/:id", (c, p, id) => intents.retrievePaymentIntent(c, id, p)],
  ["POST", "/v1/payment_intents/:id", (c, p, id) => intents.updatePaymentIntent(c, id, p)],
  ["POST", "/v1/payment_intents/:id/confirm", (c, p, id) => intents.confirmPaymentIntent(c, id, p)],
  ["POST", "/v1/payment_intents/:id/capture", (c, p, id) => intents.capturePaymentIntent(c, id, p)],
  ["POST", "/v1/payment_intents/:id/cancel", (c, p, id) => intents.cancelPaymentIntent(c, id, p)],
  ["GET", "/v1/charges", (c, p) => listCharges(c, p)],
  ["GET", "/v1/charges/:id", (c, p, id) => retrieveCharge(c, id, p)],
  ["GET", "/v1/payment_methods/:id", (c, p, id) => retrievePaymentMethod(c, id, p)],
  ["POST", "/v1/refunds", (c, p) => refunds.createRefund(c, p)],
  ["GET", "/v1/refunds", (c, p) => refunds.listRefunds(c, p)],
  ["GET", "/v1/refunds/:id", (c, p, id) => refunds.retrieveRefund(c, id, p)],
  ["POST", "/v1/refunds/:id", (c, p, id) => refunds.updateRefund(c, id, p)],
  ["GET", "/v1/disputes", (c, p) => disputes.listDisputes(c, p)],
  ["GET", "/v1/disputes/:id", (c, p, id) => disputes.retrieveDispute(c, id, p)],
  ["POST", "/v1/disputes/:id", (c, p, id) => disputes.updateDispute(c, id, p)],
  ["POST", "/v1/disputes/:id/close", (c, p, id) => disputes.closeDispute(c, id, p)],
  ["POST", "/v1/accounts", (c, p) => accounts.createAccount(c, p)],
  ["GET", "/v1/accounts", (c, p) => accounts.listAccounts(c, p)],
  ["GET", "/v1/accounts/:id", (c, p, id) => accounts.retrieveAccount(c, id, p)],
  ["POST", "/v1/accounts/:id", (c, p, id) => accounts.updateAccount(c, id, p)],
  ["DELETE", "/v1/accounts/:id", (c, p, id) => accounts.deleteAccount(c, id, p)],
  ["POST", "/v1/account_links", (c, p) => accounts.createAccountLink(c, p)],
  ["POST", "/v1/transfers", (c, p) => transfers.createTransfer(c, p)],
  ["GET", "/v1/transfers", (c, p) => transfers.listTransfers(c, p)],
  ["GET", "/v1/transfers/:id", (c, p, id) => transfers.retrieveTransfer(c, id, p)],
  ["POST", "/v1/transfers/:id", (c, p, id) => transfers.updateTransfer(c, id, p)],
  ["GET", "/v1/events", (c, p) => listEvents(c, p)],
  ["GET", "/v1/events/:id", (c, p, id) => retrieveEvent(c, id, p)],
  ["GET", "/v1/balance", (c, p) => retrieveBalance(c, p)],
];

const routes: Route[] = table.map(([method, pattern, handler]) => ({ method, segments: pattern.split("/"), handler }));

export function matchRoute(method: string, path: string): { handler: Handler; id: string } | undefined {
  const parts = path.split("/");
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== parts.length) continue;
    let id = "";
    const ok = route.segments.every((seg, i) => {
      const part = parts[i]!;
      if (seg === ":id") {
        id = safeDecode(part);
        return part !== "";
      }
      return seg === part;
    });
    if (ok) return { handler: route.handler, id };
  }
  return undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
