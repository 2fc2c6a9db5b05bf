// Reading one cookie from a request's Cookie header (the session, the anonymous CSRF token, the hold owner).

/** The named cookie's value, %-decoded; null when absent or malformed (never a 500 for a bad header). */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join("="));
    } catch {
      return null; // malformed %-escape: treat as no cookie rather than a 500
    }
  }
  return null;
}
