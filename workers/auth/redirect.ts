// Where to send someone after sign-in / sign-up. `redirectTo` comes from the query string or a hidden
// field, i.e. from anyone, so only same-site relative paths are honoured (no open redirect).

const PROBE_ORIGIN = "http://same-site.invalid";

/**
 * Returns `to` when it is a same-site path ("/account?tab=1#x"), otherwise `fallback`.
 * Rejects absolute URLs, protocol-relative "//evil.com", "/\evil.com" (browsers read "\" as "/"),
 * control characters and whitespace (browsers strip them, turning "/\t/evil.com" into "//evil.com").
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2000) return fallback;
  if (!to.startsWith("/") || to.startsWith("//")) return fallback;
  if (/[\\\s\u0000-\u001f\u007f]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The landing page for a role when no (valid) redirectTo was given. */
export function homeForRole(role: "customer" | "provider" | "admin"): string {
  if (role === "admin") return "/admin";
  if (role === "provider") return "/provider";
  return "/account";
}
