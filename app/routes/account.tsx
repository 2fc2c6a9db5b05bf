// A signed-in person's own bookings (as the customer). Any signed-in role may have booked, so this
// checks for a signed-in user, not for a role; the query only ever reads the session user's rows.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { desc, eq } from "drizzle-orm";
import { bookings, providers, services } from "../../db/schema";
import { formatMoney } from "../../domain/money";
import { requireUser } from "../utils/auth.server";
import { formatInZone } from "../utils/format";

export const meta: MetaFunction = () => [{ title: "My bookings · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const rows = await context.database.db
    .select({
      id: bookings.id,
      confirmationCode: bookings.confirmationCode,
      status: bookings.status,
      startsAt: bookings.startsAt,
      timeZone: bookings.timeZone,
      totalAmount: bookings.totalAmount,
      currency: bookings.currency,
      serviceName: services.name,
      providerName: providers.displayName,
      providerSlug: providers.slug,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .where(eq(bookings.customerId, user.id))
    .orderBy(desc(bookings.startsAt))
    .limit(100);
  return {
    name: user.name,
    bookings: rows.map((row) => ({
      id: row.id,
      confirmationCode: row.confirmationCode,
      status: row.status.replace(/_/g, " "),
      when: formatInZone(row.startsAt, row.timeZone),
      total: formatMoney({ amount: row.totalAmount, currency: row.currency }),
      serviceName: row.serviceName,
      providerName: row.providerName,
      providerSlug: row.providerSlug,
    })),
  };
}

export default function Account() {
  const { name, bookings: list } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="account-heading">
      <h1 id="account-heading">My bookings</h1>
      <p className="muted">Signed in as {name}.</p>
      {list.length === 0 ? (
        <p>
          You have no bookings yet. <Link to="/">Find a service</Link>.
        </p>
      ) : (
        <table>
          <caption className="muted">Your bookings, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Service</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
              <th scope="col">Code</th>
            </tr>
          </thead>
          <tbody>
            {list.map((booking) => (
              <tr key={booking.id} data-testid="account-booking">
                <td>{booking.when}</td>
                <td>{booking.serviceName}</td>
                <td>
                  <Link to={`/providers/${booking.providerSlug}`}>{booking.providerName}</Link>
                </td>
                <td>{booking.status}</td>
                <td>{booking.total}</td>
                <td>{booking.confirmationCode}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
