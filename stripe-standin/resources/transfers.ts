// Transfers to connected accounts (separate charges and transfers, grouped by transfer_group). A transfer
// to an account that cannot receive payouts fails, as does one that takes more from its
// source_transaction than that charge has left.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { invalidRequest } from "../errors";
import { newId, nowSeconds } from "../ids";
import { LIST_PARAMS, listObject } from "../pagination";
import { applyMetadata, currency, int, metadata, nullableStr, rejectUnknown, str, type Params } from "../params";
import { formatAmount } from "../money";
import { refundableAmount } from "./charges";

const CREATE_PARAMS = [
  "currency", "destination", "amount", "description", "expand", "metadata", "source_transaction", "source_type",
  "transfer_group",
] as const satisfies readonly (keyof Stripe.TransferCreateParams)[];

const UPDATE_PARAMS = ["description", "expand", "metadata"] as const satisfies readonly (keyof Stripe.TransferUpdateParams)[];

export function createTransfer(ctx: Ctx, params: Params): Stripe.Transfer {
  rejectUnknown(params, CREATE_PARAMS);
  const amount = int(params, "amount", { required: true, min: 1 })!;
  const cur = currency(params)!;
  const destinationId = str(params, "destination", { required: true })!;
  const sourceId = str(params, "source_transaction");
  const transferGroup = str(params, "transfer_group") ?? null;
  const meta = applyMetadata({}, metadata(params));

  const destination = ctx.state.accounts.fromParam(destinationId, "destination");
  if (!destination.payouts_enabled) {
    throw invalidRequest(
      "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
      { code: "insufficient_capabilities_for_transfer", param: "destination" },
    );
  }
  if (sourceId) {
    const source = ctx.state.charges.fromParam(sourceId, "source_transaction");
    if (source.currency !== cur) {
      throw invalidRequest(`The currency of source_transaction's balance transaction (${source.currency}) must be the same as the transfer currency (${cur}).`, {
        code: "transfer_source_balance_parameters_mismatch",
        param: "currency",
      });
    }
    const alreadyTransferred = ctx.state.transfers
      .newestFirst()
      .filter((t) => t.source_transaction === source.id)
      .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
    const available = refundableAmount(source) - alreadyTransferred;
    if (amount > available) {
      throw invalidRequest(
        `Insufficient funds in source_transaction ${source.id}: the transfer amount (${formatAmount(amount, cur)}) exceeds what remains of the charge (${formatAmount(Math.max(0, available), cur)}).`,
        { code: "balance_insufficient", param: "amount" },
      );
    }
  }

  const id = newId("tr");
  const transfer: Stripe.Transfer = {
    id,
    object: "transfer",
    amount,
    amount_reversed: 0,
    balance_transaction: newId("txn"),
    created: nowSeconds(),
    currency: cur,
    description: str(params, "description") ?? null,
    destination: destination.id,
    destination_payment: newId("py"),
    livemode: false,
    metadata: meta,
    reversals: { object: "list", data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: sourceId ?? null,
    source_type: "card",
    transfer_group: transferGroup,
  };
  ctx.state.transfers.add(transfer);
  ctx.emit("transfer.created", transfer);
  return transfer;
}

export function retrieveTransfer(ctx: Ctx, id: string, params: Params): Stripe.Transfer {
  rejectUnknown(params, ["expand"]);
  return ctx.state.transfers.fromPath(id, "transfer");
}

export function updateTransfer(ctx: Ctx, id: string, params: Params): Stripe.Transfer {
  rejectUnknown(params, UPDATE_PARAMS);
  const transfer = ctx.state.transfers.fromPath(id, "transfer");
  const description = nullableStr(params, "description");
  const change = metadata(params);
  const previous: Record<string, unknown> = {};
  if (description !== undefined) {
    previous.description = transfer.description;
    transfer.description = description;
  }
  if (change) {
    previous.metadata = transfer.metadata;
    transfer.metadata = applyMetadata(transfer.metadata, change);
  }
  if (Object.keys(previous).length > 0) ctx.emit("transfer.updated", transfer, { previous });
  return transfer;
}

export function listTransfers(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Transfer> {
  rejectUnknown(params, [...LIST_PARAMS, "destination", "transfer_group"]);
  const destination = str(params, "destination");
  const transferGroup = str(params, "transfer_group");
  const items = ctx.state.transfers
    .newestFirst()
    .filter((t) => (!destination || t.destination === destination) && (!transferGroup || t.transfer_group === transferGroup));
  return listObject(items, params, "/v1/transfers");
}
