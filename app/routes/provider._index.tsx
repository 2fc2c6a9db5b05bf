// The signed-in provider's upcoming bookings, in the provider's own time zone, each linking to its
// detail page (/provider/bookings/:code). Admins see the provider chosen with ?provider=<id> (see
// app/utils/provider-scope.server.ts).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { upcomingBookings } from "../../db/queries/provider-admin";
import providerStyles from "../styles/provider.css?url";
import { formatInZone } from "../utils/format";
import { requireProviderScope, scopedHref, type ProviderScope } from "../utils/provider-scope.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "Upcoming bookings · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Same roles as the layout (provider.tsx), checked again (requireRole inside requireProviderScope)
  // because a child loader can be called alone.
  const db = context.database.db;
  let scope: ProviderScope;
  try {
    scope = await requireProviderScope(request, context);
  } catch (error) {
    // An account without a provider profile (or no providers at all): say so instead of a 404 page.
    if (error instanceof Response && error.status === 404) return { provider: null, bookings: [], calendarHref: null };
    throw error;
  }
  const { provider } = scope;
  const rows = await upcomingBookings(db, provider.id, new Date());
  return {
    provider: { displayName: provider.displayName, timeZone: provider.timeZone },
    calendarHref: scopedHref(scope, "/provider/calendar"),
    bookings: rows.map((row) => ({
      href: scopedHref(scope, `/provider/bookings/${row.confirmationCode}`),
      id: row.id,
      when: formatInZone(row.startsAt, provider.timeZone),
      status: row.status.replace(/_/g, " "),
      customerName: row.customerName,
      serviceName: row.serviceName,
      confirmationCode: row.confirmationCode,
    })),
  };
}

export default function ProviderHome() {
  const { provider, bookings: list, calendarHref } = useLoaderData<typeof loader>();
  if (!provider) {
    return (
      <section aria-labelledby="provider-heading">
        <h1 id="provider-heading">Your upcoming bookings</h1>
        <p>This account has no provider profile, so there are no bookings to show.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="provider-heading">
      <h1 id="provider-heading">Your upcoming bookings</h1>
      <p className="muted">
        {provider.displayName} · times in {provider.timeZone}
        {calendarHref ? (
          <>
            {" "}
            · <Link to={calendarHref}>Open the calendar</Link>
          </>
        ) : null}
      </p>
      {list.length === 0 ? (
        <p>No upcoming bookings.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Service</th>
              <th scope="col">Customer</th>
              <th scope="col">Status</th>
              <th scope="col">Code</th>
            </tr>
          </thead>
          <tbody>
            {list.map((booking) => (
              <tr key={booking.id} data-testid="provider-booking">
                <td>{booking.when}</td>
                <td>{booking.serviceName}</td>
                <td>{booking.customerName}</td>
                <td>{booking.status}</td>
                <td>
                  <Link to={booking.href}>{booking.confirmationCode}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
