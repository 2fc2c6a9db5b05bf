// Admin area layout: admins only, confirmed against the users table so a demoted admin's old cookie
// stops working at once. Child routes repeat the check in their own loaders (a child loader can be
// called alone through single fetch), and add themselves to ADMIN_SECTIONS.
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { NavLink, Outlet } from "@remix-run/react";
import { requireRole } from "../utils/auth.server";

const ADMIN_SECTIONS: Array<{ to: string; label: string; end?: boolean }> = [
  { to: "/admin", label: "Overview", end: true },
  { to: "/admin/bookings", label: "Bookings" },
  { to: "/admin/payouts", label: "Payouts" },
  { to: "/admin/metrics", label: "Metrics" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  return null;
}

export default function AdminLayout() {
  return (
    <div className="admin-area">
      <nav aria-label="Admin">
        {ADMIN_SECTIONS.map((section) => (
          <NavLink key={section.to} to={section.to} end={section.end}>
            {section.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </div>
  );
}
