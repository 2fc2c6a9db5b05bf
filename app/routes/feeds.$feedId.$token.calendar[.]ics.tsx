// A calendar subscription feed (workers/services/calendar-feeds.ts): what calendar apps poll. The URL
// is the credential, so every failure is the same 404 and nothing says whether the id exists.
// Answers 304 to a matching If-None-Match, so a poll that finds nothing new costs no body.
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { keyringOf } from "../../workers/auth/keyring";
import { openFeed, renderFeed } from "../../workers/services/calendar-feeds";

const NOT_FOUND = "This calendar address does not exist or was replaced. Copy the current one from your account.";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { config } = context.cloudflare;
  const db = context.database.db;
  const feed = await openFeed(db, keyringOf(config), params.feedId ?? "", params.token ?? "");
  if (!feed) throw new Response(NOT_FOUND, { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

  const ics = await renderFeed(db, feed, { baseUrl: config.PUBLIC_BASE_URL });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ics)));
  const etag = `"${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
  const headers = {
    etag,
    // Private: the body carries customers' names; apps revalidate with the ETag.
    "cache-control": "private, no-cache",
  };
  if (request.headers.get("if-none-match")?.split(/\s*,\s*/).includes(etag)) return new Response(null, { status: 304, headers });
  return new Response(ics, {
    headers: { ...headers, "content-type": "text/calendar; charset=utf-8", "content-disposition": 'inline; filename="bookings.ics"' },
  });
}
