// The signed-in provider's upcoming bookings, in the provider's own time zone.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { bookings, providers, services } from "../../db/schema";
import { requireRole } from "../utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Upcoming bookings · Edge Booking" }];

const UPCOMING_STATUSES = ["pending", "awaiting_approval", "confirmed", "in_progress"] as const;

function formatInZone(instant: Date, timeZone: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName, hence the explicit fields.
  return new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  }).format(instant);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Same roles as the layout (provider.tsx); repeated because a child loader can be called alone.
  const user = await requireRole(request, context, ["provider", "admin"]);
  const db = context.database.db;
  const [provider] = await db
    .select({ id: providers.id, displayName: providers.displayName, timeZone: providers.timeZone })
    .from(providers)
    .where(eq(providers.userId, user.id))
    .limit(1);
  // Admins may open the provider area but usually have no provider profile of their own.
  if (!provider) return { provider: null, bookings: [] };
  const rows = await db
    .select({
      id: bookings.id,
      startsAt: bookings.startsAt,
      status: bookings.status,
      customerName: bookings.customerName,
      confirmationCode: bookings.confirmationCode,
      serviceName: services.name,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(and(eq(bookings.providerId, provider.id), gt(bookings.endsAt, new Date()), inArray(bookings.status, [...UPCOMING_STATUSES])))
    .orderBy(asc(bookings.startsAt))
    .limit(100);
  return {
    provider: { displayName: provider.displayName, timeZone: provider.timeZone },
    bookings: rows.map((row) => ({
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
  const { provider, bookings: list } = useLoaderData<typeof loader>();
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
                <td>{booking.confirmationCode}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
