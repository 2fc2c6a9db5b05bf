// Where to send someone after sign-in / sign-up. `redirectTo` comes from the query string or a hidden
// field, i.e. from anyone, so only same-site relative paths are honoured (no open redirect).
//
// Order matters: the value is normalised FIRST (the WHATWG URL parser, exactly as the browser will read
// the Location header), and the checks run on what we would send. Checking the raw string and then
// sending a normalised one let "/.//evil.example" or "/%2e//evil.example" through as "//evil.example",
// which a browser follows to another host.

const PROBE_ORIGIN = "http://same-site.invalid";

/** A path the browser reads as same-origin: one leading "/", no second "/" or "\" right after it. */
function isSameOriginPath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\");
}

/**
 * Returns `to` normalised ("/a/../admin" → "/admin") when it is a same-site path ("/account?tab=1#x"),
 * otherwise `fallback`. Rejects absolute URLs, protocol-relative "//evil.com" (also when it only
 * appears after normalising, as in "/a/..//evil.com"), "/\evil.com" (browsers read "\" as "/"), control
 * characters and whitespace (browsers strip them, turning "/\t/evil.com" into "//evil.com").
 * The result is a fixed point: safeRedirect(safeRedirect(x)) === safeRedirect(x).
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2000) return fallback;
  if (!isSameOriginPath(to)) return fallback;
  if (/[\\\s\u0000-\u001f\u007f]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  if (!isSameOriginPath(normalised)) return fallback;
  // Belt and braces: what we send must resolve to this origin again when the browser parses it.
  if (new URL(normalised, PROBE_ORIGIN).origin !== PROBE_ORIGIN) return fallback;
  return normalised;
}

/** The landing page for a role when no (valid) redirectTo was given. */
export function homeForRole(role: "customer" | "provider" | "admin"): string {
  if (role === "admin") return "/admin";
  if (role === "provider") return "/provider";
  return "/account";
}
