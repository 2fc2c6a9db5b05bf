import type { HeadersFunction } from "@remix-run/cloudflare";

/**
 * A route's `headers` export for forms that answer 429: Remix only passes Set-Cookie through from an
 * action by default, and a refused attempt must also keep its Retry-After.
 */
export const keepRetryAfter: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};
