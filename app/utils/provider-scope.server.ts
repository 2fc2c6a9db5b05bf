// Which provider a request in the provider area (app/routes/provider.*) is about, and who acts.
//
// Scope: a provider always works on their own profile (a `?provider=` parameter is ignored for them).
// An admin works on the provider named by `?provider=<id>`, or on their own profile if they have one,
// or on the oldest provider; the pages show which one and let an admin switch. Booking detail pages
// are the exception: an admin (support) may open any booking by its code.
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { Actor } from "../../domain/booking-states";
import {
  findProviderProfileById,
  findProviderProfileByUser,
  firstProviderProfile,
  listProviderChoices,
  type ProviderProfile,
} from "../../db/queries/provider-admin";
import { requireRole, type SessionUser } from "./auth.server";

export const PROVIDER_ROLES = ["provider", "admin"] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProviderScope {
  user: SessionUser;
  provider: ProviderProfile;
  isAdmin: boolean;
  /** "?provider=<id>" for admins (so links and forms stay on the same provider), "" for providers. */
  query: string;
}

function notFound(message: string): Response {
  return new Response(message, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * requireRole(["provider","admin"]) plus the provider the request works on (see the header).
 * Throws 404 when a provider account has no profile or an admin names an unknown provider.
 */
export async function requireProviderScope(request: Request, context: AppLoadContext): Promise<ProviderScope> {
  const user = await requireRole(request, context, PROVIDER_ROLES);
  const db = context.database.db;
  if (user.role !== "admin") {
    const provider = await findProviderProfileByUser(db, user.id);
    if (!provider) throw notFound("This account has no provider profile.");
    return { user, provider, isAdmin: false, query: "" };
  }
  const wanted = new URL(request.url).searchParams.get("provider");
  let provider: ProviderProfile | null = null;
  if (wanted) {
    provider = UUID.test(wanted) ? await findProviderProfileById(db, wanted.toLowerCase()) : null;
    if (!provider) throw notFound("No provider with that id.");
  } else {
    provider = (await findProviderProfileByUser(db, user.id)) ?? (await firstProviderProfile(db));
    if (!provider) throw notFound("There are no providers yet.");
  }
  return { user, provider, isAdmin: true, query: `?provider=${provider.id}` };
}

/** `path` with the admin's provider parameter (and `extra` parameters) appended. */
export function scopedHref(scope: Pick<ProviderScope, "isAdmin" | "provider">, path: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (scope.isAdmin) params.set("provider", scope.provider.id);
  const search = params.toString();
  return search ? `${path}${path.includes("?") ? "&" : "?"}${search}` : path;
}

/** The admin's provider picker choices; none for providers. */
export async function adminChoices(scope: ProviderScope, context: AppLoadContext): Promise<Array<{ id: string; displayName: string }>> {
  return scope.isAdmin ? listProviderChoices(context.database.db) : [];
}

export function actorFor(user: SessionUser): Actor {
  return { type: user.role === "admin" ? "admin" : "provider", id: user.id };
}
