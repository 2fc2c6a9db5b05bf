// Provider area layout: providers and admins only (role confirmed against the users table). Child
// routes check the role again in their own loaders (see app/utils/auth.server.ts for why).
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { NavLink, Outlet, useSearchParams } from "@remix-run/react";
import { requireRole } from "../utils/auth.server";

const PROVIDER_ROLES = ["provider", "admin"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, PROVIDER_ROLES);
  return null;
}

const SECTIONS = [
  { to: "/provider", label: "Upcoming bookings", end: true },
  { to: "/provider/calendar", label: "Calendar", end: false },
  { to: "/provider/schedule", label: "Schedule", end: false },
  { to: "/provider/services", label: "Services", end: false },
  { to: "/provider/earnings", label: "Earnings", end: false },
];

export default function ProviderLayout() {
  // Admins choose a provider with ?provider=<id>; the nav keeps them on it.
  const [searchParams] = useSearchParams();
  const provider = searchParams.get("provider");
  const suffix = provider ? `?${new URLSearchParams({ provider })}` : "";
  return (
    <div className="provider-area">
      <nav aria-label="Provider" className="provider-nav">
        {SECTIONS.map((section) => (
          <NavLink key={section.to} to={`${section.to}${suffix}`} end={section.end}>
            {section.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </div>
  );
}
