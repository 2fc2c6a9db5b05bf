import type { HeadersFunction } from "@remix-run/cloudflare";

/**
 * A route's `headers` export for pages that answer 429 or 503: Remix passes only Set-Cookie through from
 * an action or a thrown response by default, and a refused attempt must also keep its Retry-After.
 */
export const keepRetryAfter: HeadersFunction = ({ actionHeaders, errorHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After") ?? errorHeaders?.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};
