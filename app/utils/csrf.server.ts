// CSRF for Remix forms. Every action that handles a form POST starts with
//   const formData = await request.formData();
//   await assertCsrf(request, formData, context);
// and every <Form method="post"> renders <AuthenticityTokenInput /> (app/components/authenticity-token-input.tsx).
// The token comes from the root loader (getCsrfToken): session.csrf for signed-in users, the
// double-submit cookie token for guests. Rules and rationale: workers/auth/csrf.ts.
import type { AppLoadContext } from "@remix-run/cloudflare";
import { CSRF_FIELD, anonymousCsrfCookie, csrfProblem, newCsrfToken, readAnonymousCsrfToken } from "../../workers/auth/csrf";
import { getSession } from "./auth.server";

export { CSRF_FIELD };

/**
 * The token forms must submit for this request, and a Set-Cookie to send when a guest has no token
 * cookie yet (the root loader returns it, so any page can host an anonymous form).
 */
export async function getCsrfToken(request: Request, context: AppLoadContext): Promise<{ token: string; setCookie: string | null }> {
  const session = await getSession(request, context);
  if (session) return { token: session.csrf, setCookie: null };
  const existing = readAnonymousCsrfToken(request);
  if (existing) return { token: existing, setCookie: null };
  const token = newCsrfToken();
  return { token, setCookie: anonymousCsrfCookie(request, token) };
}

/** Throws a 403 with a message people can act on when the submission may be forged. */
export async function assertCsrf(request: Request, formData: FormData, context: AppLoadContext): Promise<void> {
  const session = await getSession(request, context);
  const problem = csrfProblem(request, formData.get(CSRF_FIELD), session?.csrf ?? null);
  if (problem) {
    throw new Response(problem, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}
