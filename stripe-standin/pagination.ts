// Stripe's cursor pagination: newest first, `limit` 1–100 (default 10), `starting_after` / `ending_before`
// naming an object in the list, `has_more`. stripe-node's auto-pagination walks `starting_after`.
import type Stripe from "stripe";
import { paramError } from "./errors";
import { createdFilter, int, str, type Params } from "./params";

/** Keys every list endpoint accepts on top of its own filters. */
export const LIST_PARAMS = ["limit", "starting_after", "ending_before", "created", "expand"] as const;

export function listObject<T extends { id: string; created?: number }>(
  newestFirst: T[],
  params: Params,
  url: string,
): Stripe.ApiList<T> {
  const limit = int(params, "limit") ?? 10;
  if (limit < 1 || limit > 100) throw paramError("Invalid limit: must be between 1 and 100", "limit");
  const startingAfter = str(params, "starting_after");
  const endingBefore = str(params, "ending_before");
  if (startingAfter && endingBefore) {
    throw paramError("You may only specify one of these parameters: starting_after, ending_before.", "ending_before");
  }
  const inRange = createdFilter(params);
  const items = inRange ? newestFirst.filter((o) => o.created !== undefined && inRange(o.created)) : newestFirst;

  let page: T[];
  let hasMore: boolean;
  if (endingBefore) {
    // The page just before the cursor (newer objects), still returned newest first.
    const at = cursorIndex(items, endingBefore, "ending_before");
    const from = Math.max(0, at - limit);
    page = items.slice(from, at);
    hasMore = from > 0;
  } else {
    const from = startingAfter ? cursorIndex(items, startingAfter, "starting_after") + 1 : 0;
    page = items.slice(from, from + limit);
    hasMore = from + limit < items.length;
  }
  return { object: "list", data: page, has_more: hasMore, url };
}

function cursorIndex(items: { id: string }[], id: string, param: string): number {
  const index = items.findIndex((o) => o.id === id);
  if (index === -1) throw paramError(`No such object: '${id}'`, param, "resource_missing");
  return index;
}
