import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import { describeFailure } from "../db/unreachable";
import { transientFailure } from "../workers/http/transient-failure";
import { NonceProvider } from "./utils/nonce";

const ABORT_DELAY = 5_000;

/**
 * Every error a loader or action threw. A passing failure (Postgres or Stripe unreachable) is
 * remembered on the load context, so the Worker entry answers 503/502 with Retry-After instead of the
 * 500 Remix would send; no log line carries a query's parameters (customer data).
 */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return;
  const transient = transientFailure(error);
  if (transient) {
    context.transientFailure ??= transient;
    console.warn(JSON.stringify({ eventName: "page.transient_failure", path: new URL(request.url).pathname, code: transient.code, ...describeFailure(error) }));
    return;
  }
  console.error(JSON.stringify({ eventName: "page.unhandled", path: new URL(request.url).pathname, ...describeFailure(error) }));
};

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce;
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), ABORT_DELAY);
  const body = await renderToReadableStream(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
    </NonceProvider>,
    {
    nonce,
    signal: controller.signal,
    onError(error: unknown) {
      if (!controller.signal.aborted) console.error(error);
      responseStatusCode = 500;
    },
    },
  );
  body.allReady.then(() => clearTimeout(timeout));
  // Crawlers get the whole document at once; people get it streamed.
  if (isbot(request.headers.get("user-agent") || "")) await body.allReady;
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  return new Response(body, { headers: responseHeaders, status: responseStatusCode });
}
