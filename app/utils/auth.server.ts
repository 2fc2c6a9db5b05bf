// Auth helpers for Remix loaders and actions (epic-stack convention: `getX` returns null, `requireX`
// throws a redirect or a response).
//
// Every protected route calls requireUser/requireRole in its *own* loader and action: Remix runs
// loaders in parallel and single fetch can call one route's loader alone (`?_routes=`), so a parent
// layout's check does not protect its children.
import { redirect, type AppLoadContext } from "@remix-run/cloudflare";
import { keyringOf } from "../../workers/auth/keyring";
import { homeForRole, safeRedirect } from "../../workers/auth/redirect";
import { clearSessionCookie, isSecureRequest, SESSION_COOKIE, sessionCookie, signSession, type Session } from "../../workers/auth/session";
import { readCookie } from "../../workers/http/cookies";
import { endSession, endSessionsOf, readLiveSession, startSession } from "../../workers/auth/session-store";
import { findUserById, type AccountUser, type Role } from "../../workers/auth/users";

export type { Role };

export interface SessionUser {
  id: string;
  role: Role;
  name: string;
}

// One check per request even when the root loader, a route loader and assertCsrf all ask.
const sessions = new WeakMap<Request, Promise<Session | null>>();

/** The live session of this request (signed, unexpired, not ended), or null. */
export function getSession(request: Request, context: AppLoadContext): Promise<Session | null> {
  let session = sessions.get(request);
  if (!session) {
    session = readLiveSession(request, keyringOf(context.cloudflare.config), () => context.database.db);
    sessions.set(request, session);
  }
  return session;
}

/** The signed-in user as the session cookie states it (the session row is checked, the users row is not), or null for guests. */
export async function getUser(request: Request, context: AppLoadContext): Promise<SessionUser | null> {
  const session = await getSession(request, context);
  return session ? { id: session.userId, role: session.role, name: session.name } : null;
}

/** Where a guest is sent: the sign-in page, coming back to this page afterwards. */
export function signInUrl(request: Request): string {
  const url = new URL(request.url);
  const back = safeRedirect(`${url.pathname}${url.search}`, "/");
  return back === "/" ? "/sign-in" : `/sign-in?${new URLSearchParams({ redirectTo: back })}`;
}

/** The redirect to sign-in; a session cookie that is no longer live (ended, expired, forged) is cleared on the way. */
function toSignIn(request: Request): Response {
  const stale = readCookie(request, SESSION_COOKIE) !== null;
  return redirect(signInUrl(request), stale ? { headers: { "Set-Cookie": clearSessionCookie(isSecureRequest(request)) } } : undefined);
}

export async function requireUser(request: Request, context: AppLoadContext): Promise<SessionUser> {
  const user = await getUser(request, context);
  if (!user) throw toSignIn(request);
  return user;
}

export function forbidden(message = "You do not have access to this page."): Response {
  return new Response(message, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The signed-in user if their role is one of `roles`, confirmed against the users table: a cookie
 * issued before a demotion must not keep admin or provider access. Guests get a redirect to sign-in,
 * signed-in users with another role a 403, a session whose account no longer exists is cleared.
 */
export async function requireRole(request: Request, context: AppLoadContext, roles: readonly Role[]): Promise<SessionUser> {
  const session = await getSession(request, context);
  if (!session) throw toSignIn(request);
  const account: AccountUser | null = await findUserById(context.database.db, session.userId);
  if (!account) throw toSignIn(request);
  if (!roles.includes(account.role)) throw forbidden();
  return { id: account.id, role: account.role, name: account.name };
}

/** For sign-in / sign-up pages: a signed-in visitor goes where they were heading (or their home). */
export async function requireAnonymous(request: Request, context: AppLoadContext): Promise<void> {
  const user = await getUser(request, context);
  if (user) {
    const redirectTo = new URL(request.url).searchParams.get("redirectTo");
    throw redirect(safeRedirect(redirectTo, homeForRole(user.role)));
  }
}

/**
 * Starts a session for `user` and redirects. A fresh token (and a fresh CSRF token inside it) on every
 * sign-in, so a token planted before sign-in is worthless afterwards (no session fixation).
 */
export async function createUserSession(options: {
  request: Request;
  context: AppLoadContext;
  user: { id: string; role: Role; name: string };
  redirectTo?: FormDataEntryValue | string | null;
}): Promise<Response> {
  const { request, context, user } = options;
  const started = await startSession(context.database.db, { userId: user.id, userAgent: request.headers.get("user-agent") });
  const token = await signSession(
    { sid: started.id, userId: user.id, role: user.role, name: user.name, exp: Math.floor(started.expiresAt.epochMilliseconds / 1000) },
    keyringOf(context.cloudflare.config),
  );
  return redirect(safeRedirect(options.redirectTo, homeForRole(user.role)), {
    headers: { "Set-Cookie": sessionCookie(token, isSecureRequest(request)) },
  });
}

/**
 * Ends this request's session (or, with `everywhere`, every session of its user) and redirects with the
 * cookie cleared. Without a live session it only clears the cookie.
 */
export async function signOut(request: Request, context: AppLoadContext, options: { everywhere?: boolean; redirectTo?: string } = {}): Promise<Response> {
  const session = await getSession(request, context);
  if (session) {
    const db = context.database.db;
    if (options.everywhere) await endSessionsOf(db, session.userId, "signed_out_everywhere");
    else await endSession(db, session.userId, session.sid, "signed_out");
  }
  return redirect(safeRedirect(options.redirectTo ?? "/", "/"), { headers: { "Set-Cookie": clearSessionCookie(isSecureRequest(request)) } });
}
