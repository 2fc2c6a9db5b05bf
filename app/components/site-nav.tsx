// The header navigation: links for the signed-in user's role and a sign-out form (a POST with the
// CSRF token, so a link or image elsewhere cannot sign people out). Works without JavaScript.
import { Form, NavLink } from "@remix-run/react";
import type { NavUser } from "../root-data";
import { AuthenticityTokenInput } from "./authenticity-token-input";

export function linksForRole(user: NavUser | null): Array<{ to: string; label: string }> {
  if (!user) return [];
  const links = [{ to: "/account", label: "My bookings" }];
  if (user.role === "provider" || user.role === "admin") links.push({ to: "/provider", label: "Provider" });
  if (user.role === "admin") links.push({ to: "/admin", label: "Admin" });
  return links;
}

export function SiteNav({ user }: { user: NavUser | null }) {
  return (
    <nav aria-label="Account">
      {linksForRole(user).map((link) => (
        <NavLink key={link.to} to={link.to}>
          {link.label}
        </NavLink>
      ))}
      {user ? (
        <Form method="post" action="/sign-out">
          <AuthenticityTokenInput />
          <button type="submit" className="secondary">
            Sign out <span className="muted">({user.name})</span>
          </button>
        </Form>
      ) : (
        <>
          <NavLink to="/sign-in">Sign in</NavLink>
          <NavLink to="/sign-up">Sign up</NavLink>
        </>
      )}
    </nav>
  );
}
