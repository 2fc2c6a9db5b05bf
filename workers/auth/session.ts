// Session cookies (workers/auth/signed-token.ts). The payload holds the session row's id, the user id,
// role and expiry; the signature (the keyring's "session" key) makes it tamper-proof. A valid signature is
// not enough to be signed in: the row must still be live (workers/auth/session-store.ts), so ended
// sessions stay ended even for a copied cookie. Roles are re-read from the cookie, and sensitive checks
// (provider feed, admin) also confirm them against the database where it matters.
import { z } from "zod";
import { toBase64Url } from "../../domain/base64";
import { readCookie } from "../http/cookies";
import type { Keyring } from "./keyring";
import { signToken, verifyToken } from "./signed-token";

export const SESSION_COOKIE = "eb_session";
/** Sessions end 14 days after sign-in at the latest (the cookie and the session row agree). */
export const SESSION_MAX_AGE_SECONDS = 60 * 60 * 24 * 14;

export const SessionSchema = z.object({
  /** The user_sessions row this cookie belongs to. */
  sid: z.string().uuid(),
  userId: z.string().uuid(),
  role: z.enum(["customer", "provider", "admin"]),
  name: z.string(),
  /** CSRF token bound to this session (double-submit in forms). */
  csrf: z.string(),
  /** Unix seconds. */
  exp: z.number().int(),
});
export type Session = z.infer<typeof SessionSchema>;

export async function signSession(session: Omit<Session, "exp" | "csrf"> & Partial<Pick<Session, "exp" | "csrf">>, ring: Keyring): Promise<string> {
  const full: Session = {
    ...session,
    csrf: session.csrf ?? toBase64Url(crypto.getRandomValues(new Uint8Array(18))),
    exp: session.exp ?? Math.floor(Date.now() / 1000) + SESSION_MAX_AGE_SECONDS,
  };
  return signToken(full, ring, "session");
}

export function verifySession(token: string, ring: Keyring, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Session | null> {
  return verifyToken(token, ring, "session", SessionSchema, nowSeconds);
}

/** True when the browser reached us over https (Cloudflare passes the public URL), so cookies get `Secure`. */
export function isSecureRequest(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

/**
 * The session a request's cookie claims when its signature and expiry are valid, or null. Not proof of
 * being signed in: use readLiveSession (session-store.ts), which also checks the session was not ended.
 */
export async function getSignedSession(request: Request, ring: Keyring): Promise<Session | null> {
  const token = readCookie(request, SESSION_COOKIE);
  return token ? verifySession(token, ring) : null;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_SECONDS}${secure ? "; Secure" : ""}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
}
