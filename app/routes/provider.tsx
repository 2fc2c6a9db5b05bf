// Provider area layout: providers and admins only (role confirmed against the users table). Child
// routes check the role again in their own loaders (see app/utils/auth.server.ts for why).
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { NavLink, Outlet } from "@remix-run/react";
import { requireRole } from "../utils/auth.server";

const PROVIDER_ROLES = ["provider", "admin"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, PROVIDER_ROLES);
  return null;
}

export default function ProviderLayout() {
  return (
    <div className="provider-area">
      <nav aria-label="Provider">
        <NavLink to="/provider" end>
          Upcoming bookings
        </NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
