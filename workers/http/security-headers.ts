// Security headers for every response the Worker produces (Remix HTML, `.data` JSON, the JSON API,
// redirects), applied in one place by the entry: withSecurityHeaders(response, { url, nonce, ... }).
// Static files never reach the Worker: public/_headers gives them theirs.
//
// Scripts: Remix renders a few inline <script>s (the hydration context, the module bootstrap, the
// single-fetch stream chunks, ScrollRestoration) and React adds its own for streamed Suspense. All of
// them accept a nonce, so script-src is 'self' + a per-request nonce and never 'unsafe-inline'.
// The nonce must reach: <Scripts nonce>/<ScrollRestoration nonce> (root.tsx, via useNonce()),
// <RemixServer nonce> and renderToReadableStream(..., { nonce }) (entry.server.tsx).
import { toBase64 } from "../../domain/base64";

export interface SecurityHeaderOptions {
  /** The request's URL: decides HSTS (https only) and the ws:/wss: origin allowed for live updates. */
  url: string | URL;
  /** Per-request CSP nonce (createNonce()); without one, inline scripts are blocked. */
  nonce?: string;
  /**
   * Origins forms may submit (or be redirected) to besides our own, e.g. the Stripe checkout origin or
   * the local Stripe stand-in's origin. Chrome applies form-action to the redirect after a POST too.
   */
  formActionOrigins?: readonly string[];
}

/** 128 random bits, base64: a fresh value for every response that renders HTML. */
export function createNonce(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(16)));
}

/** Only origins (scheme://host[:port]) are accepted in source lists; anything else is dropped. */
function origins(list: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const entry of list ?? []) {
    try {
      const url = new URL(entry);
      if (url.protocol === "https:" || url.protocol === "http:") out.add(url.origin);
    } catch {
      // not a URL: ignore rather than emit a malformed policy
    }
  }
  return [...out];
}

export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const url = new URL(options.url);
  const wsOrigin = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  const nonce = options.nonce && /^[A-Za-z0-9+/=_-]{16,}$/.test(options.nonce) ? options.nonce : undefined;
  const directives: Array<[string, string[]]> = [
    ["default-src", ["'self'"]],
    // js.stripe.com: Stripe.js for the Payment Element (production payments); it also needs its frames
    // and its API below.
    ["script-src", ["'self'", ...(nonce ? [`'nonce-${nonce}'`] : []), "https://js.stripe.com"]],
    ["frame-src", ["https://js.stripe.com", "https://hooks.stripe.com"]],
    // Inline style *attributes* (style={...} in components) cannot run code; allowing them avoids
    // silently broken layouts. Style *elements* still come from our own origin only.
    ["style-src", ["'self'", "'unsafe-inline'"]],
    ["img-src", ["'self'", "data:"]],
    ["font-src", ["'self'"]],
    // Live availability uses WebSocket/SSE on our own host; older Safari does not count ws: as 'self'.
    ["connect-src", ["'self'", wsOrigin, "https://api.stripe.com"]],
    ["form-action", ["'self'", ...origins(options.formActionOrigins)]],
    ["frame-ancestors", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["object-src", ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(" ")}`).join("; ");
}

/**
 * Returns the response with security headers set. Headers already set by a route win (a route may
 * relax Referrer-Policy, say). WebSocket upgrades (101) are returned untouched: copying them would
 * drop the socket.
 */
export function withSecurityHeaders(response: Response, options: SecurityHeaderOptions): Response {
  if (response.status === 101 || (response as Response & { webSocket?: unknown }).webSocket) return response;
  // Some responses (fetch() results, Response.redirect) have immutable headers: copy before editing.
  const secured = new Response(response.body, response);
  const headers = secured.headers;
  const setDefault = (name: string, value: string) => {
    if (!headers.has(name)) headers.set(name, value);
  };
  setDefault("Content-Security-Policy", contentSecurityPolicy(options));
  setDefault("X-Content-Type-Options", "nosniff");
  setDefault("Referrer-Policy", "strict-origin-when-cross-origin");
  setDefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), usb=(), browsing-topics=()");
  // For browsers without frame-ancestors support.
  setDefault("X-Frame-Options", "DENY");
  setDefault("Cross-Origin-Opener-Policy", "same-origin");
  // HSTS over plain http is ignored by browsers and would be wrong for local development anyway.
  if (new URL(options.url).protocol === "https:") setDefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  return secured;
}
