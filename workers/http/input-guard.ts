// One place that refuses text Postgres cannot store (domain/text.ts) before any page or API handler
// sees it: the path, every query parameter, and the fields of form and JSON bodies. Handlers keep
// their own validation; this only guarantees that no field can reach a query carrying a NUL byte or
// a lone surrogate and turn a bad input into a 500.
import { findUnstorableText, isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../../domain/text";
import { errorResponse } from "./errors";

/** Bodies above this are left to the handlers, which refuse them as too large. */
const MAX_CHECKED_BODY_BYTES = 1024 * 1024;

/** Signed payloads whose bytes must reach their verifier unchanged (Stripe's webhooks). */
const UNGUARDED_PREFIXES = ["/api/v1/webhooks/"];

/** The name of the first field that carries unstorable text, or null. */
export async function findUnstorableField(request: Request, url: URL): Promise<string | null> {
  if (UNGUARDED_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return null;
  try {
    if (!isStorableText(decodeURIComponent(url.pathname))) return "path";
  } catch {
    // a malformed escape is the router's business (it matches nothing)
  }
  for (const [key, value] of url.searchParams) {
    if (!isStorableText(key) || !isStorableText(value)) return key;
  }
  if (request.method === "GET" || request.method === "HEAD" || !request.body) return null;
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_CHECKED_BODY_BYTES) return null;
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  try {
    if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
      const form = await request.clone().formData();
      for (const [key, value] of form) {
        if (!isStorableText(key)) return "(field name)";
        if (typeof value === "string" && !isStorableText(value)) return key;
      }
      return null;
    }
    if (type.includes("json")) {
      const text = await request.clone().text();
      if (text.length > MAX_CHECKED_BODY_BYTES) return null;
      return findUnstorableText(JSON.parse(text));
    }
  } catch {
    // An unreadable body is refused by the handler with its own 400.
  }
  return null;
}

/** 400 naming the field: the API's JSON envelope, or a short text for pages. */
export function unstorableFieldResponse(url: URL, field: string): Response {
  const message = `${field}: ${UNSTORABLE_TEXT_MESSAGE}`;
  if (url.pathname.startsWith("/api/")) return errorResponse(400, "VALIDATION", `Invalid request: ${message}`, { fields: [{ path: field, message: UNSTORABLE_TEXT_MESSAGE }] });
  return new Response(message, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}
