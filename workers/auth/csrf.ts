// CSRF protection for form POSTs, framework-neutral (the Remix glue is app/utils/csrf.server.ts).
//
// Two layers:
// 1. Origin check: a browser POST carries `Origin`; when it is present it must be our own origin, and
//    `Sec-Fetch-Site: cross-site` is refused too. This alone stops classic cross-site form posts in
//    current browsers; the token covers old browsers and same-site-but-cross-origin attackers.
// 2. A token in a hidden `csrf` field that must match
//    - for signed-in users: `session.csrf`, which lives inside the HMAC-signed session cookie, so an
//      attacker can neither read nor forge it;
//    - for anonymous forms (sign-in, sign-up, guest booking): a random token in its own cookie
//      (double-submit). On https the cookie is `__Host-` prefixed so a sibling subdomain cannot plant
//      one ("cookie tossing").
import { toBase64Url } from "../../domain/base64";
import { readCookie } from "../http/cookies";
import { isSecureRequest } from "./session";

export const CSRF_FIELD = "csrf";
const COOKIE_BASE = "eb_csrf";
const COOKIE_MAX_AGE_SECONDS = 60 * 60 * 24 * 14;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22,128}$/;

export const CSRF_MESSAGES = {
  crossSite: "This form was submitted from another site, so it was refused. Open the page on this site and submit it again.",
  noCookie: "Your browser did not send the security cookie this form needs. Allow cookies for this site, reload the page and try again.",
  badToken: "This form's security token is missing or out of date. Reload the page and submit the form again.",
} as const;

/** `__Host-` requires Secure, so plain-http development uses the bare name. */
export function anonymousCsrfCookieName(request: Request): string {
  return isSecureRequest(request) ? `__Host-${COOKIE_BASE}` : COOKIE_BASE;
}

export function newCsrfToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
}

export function readAnonymousCsrfToken(request: Request): string | null {
  const value = readCookie(request, anonymousCsrfCookieName(request));
  return value !== null && TOKEN_SHAPE.test(value) ? value : null;
}

/** HttpOnly: the token reaches the page through the server-rendered form, scripts never need the cookie. */
export function anonymousCsrfCookie(request: Request, token: string): string {
  const secure = isSecureRequest(request);
  return `${anonymousCsrfCookieName(request)}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${COOKIE_MAX_AGE_SECONDS}${secure ? "; Secure" : ""}`;
}

/** Null when the request may come from our own pages, otherwise why it was refused. */
export function crossSiteProblem(request: Request): string | null {
  const secFetchSite = request.headers.get("sec-fetch-site");
  if (secFetchSite === "cross-site") return CSRF_MESSAGES.crossSite;
  const origin = request.headers.get("origin");
  // Absent Origin: non-browser clients and some older browsers; the token check still applies.
  if (origin === null) return null;
  return origin === new URL(request.url).origin ? null : CSRF_MESSAGES.crossSite;
}

/**
 * For the Worker entry, before Remix: a 403 with a readable message for a cross-site POST/PUT/PATCH/
 * DELETE. (Remix has its own Origin-vs-Host guard, but it answers with a bare 500.)
 */
export function refuseCrossSitePost(request: Request): Response | null {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return null;
  const problem = crossSiteProblem(request);
  return problem ? new Response(problem, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } }) : null;
}

/** Length-independent, early-exit-free comparison so response timing does not reveal matching prefixes. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

/**
 * Checks one form submission. `sessionToken` is `session.csrf` of a valid session (null for guests).
 * Returns null when the submission is acceptable, otherwise the message to show with a 403.
 */
export function csrfProblem(request: Request, submitted: FormDataEntryValue | null, sessionToken: string | null): string | null {
  const crossSite = crossSiteProblem(request);
  if (crossSite) return crossSite;
  const expected = sessionToken ?? readAnonymousCsrfToken(request);
  if (!expected) return CSRF_MESSAGES.noCookie;
  if (typeof submitted !== "string" || submitted.length === 0 || !timingSafeEqual(submitted, expected)) {
    return CSRF_MESSAGES.badToken;
  }
  return null;
}
