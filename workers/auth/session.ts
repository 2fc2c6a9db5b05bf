// Sessions in a signed cookie: `<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`. The payload holds
// the user id, role and expiry; the signature (keyed by SESSION_SECRET) makes it tamper-proof, so no
// session table is needed. Roles are re-read from the cookie, and sensitive checks (provider feed,
// admin) also confirm them against the database where it matters.
import { z } from "zod";

export const SESSION_COOKIE = "eb_session";
const MAX_AGE_SECONDS = 60 * 60 * 24 * 14;

export const SessionSchema = z.object({
  userId: z.string().uuid(),
  role: z.enum(["customer", "provider", "admin"]),
  name: z.string(),
  /** CSRF token bound to this session (double-submit in forms). */
  csrf: z.string(),
  /** Unix seconds. */
  exp: z.number().int(),
});
export type Session = z.infer<typeof SessionSchema>;

const encoder = new TextEncoder();

function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function signSession(session: Omit<Session, "exp" | "csrf"> & Partial<Pick<Session, "exp" | "csrf">>, secret: string): Promise<string> {
  const full: Session = {
    ...session,
    csrf: session.csrf ?? base64Url(crypto.getRandomValues(new Uint8Array(18))),
    exp: session.exp ?? Math.floor(Date.now() / 1000) + MAX_AGE_SECONDS,
  };
  const payload = base64Url(encoder.encode(JSON.stringify(full)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(payload));
  return `${payload}.${base64Url(signature)}`;
}

export async function verifySession(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Session | null> {
  const [payload, signature] = token.split(".");
  if (!payload || !signature) return null;
  let valid = false;
  try {
    valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64Url(signature), encoder.encode(payload));
  } catch {
    return null;
  }
  if (!valid) return null;
  try {
    const parsed = SessionSchema.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(payload))));
    if (!parsed.success || parsed.data.exp <= nowSeconds) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

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

/** True when the browser reached us over https (Cloudflare passes the public URL), so cookies get `Secure`. */
export function isSecureRequest(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

/** The signed-in session of a request, or null (`getX` returns null, `requireX` throws). */
export async function getSession(request: Request, secret: string): Promise<Session | null> {
  const token = readCookie(request, SESSION_COOKIE);
  return token ? verifySession(token, secret) : null;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${MAX_AGE_SECONDS}${secure ? "; Secure" : ""}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
}
