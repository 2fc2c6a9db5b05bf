// The signed-in provider's requests inbox (approval requests with their deadline, answered inline)
// and upcoming bookings, in the provider's own time zone, each linking to its detail page
// (/provider/bookings/:code). Admins see the provider chosen with ?provider=<id> (see
// app/utils/provider-scope.server.ts).
import { Temporal } from "@js-temporal/polyfill";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { upcomingBookings } from "../../db/queries/provider-admin";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import providerStyles from "../styles/provider.css?url";
import { formatInZone } from "../utils/format";
import { adminChoices, requireProviderScope, scopedHref, type ProviderScope } from "../utils/provider-scope.server";
import { AdminScopeNote } from "../components/provider/booking-status";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "Upcoming bookings · Edge Booking" }];

/** "in 5 h 20 min" / "in 12 min" / "now": how long is left to answer a request (whole minutes, rounded down). */
function timeLeft(now: Date, deadline: Date): string {
  const instant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());
  const left = instant(now).until(instant(deadline), { largestUnit: "hours", smallestUnit: "minutes", roundingMode: "floor" });
  if (left.sign <= 0) return "now";
  return left.hours > 0 ? `in ${left.hours} h ${left.minutes} min` : `in ${left.minutes} min`;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Same roles as the layout (provider.tsx), checked again (requireRole inside requireProviderScope)
  // because a child loader can be called alone.
  const db = context.database.db;
  let scope: ProviderScope;
  try {
    scope = await requireProviderScope(request, context);
  } catch (error) {
    // An account without a provider profile (or no providers at all): say so instead of a 404 page.
    if (error instanceof Response && error.status === 404) return { provider: null, admin: null, bookings: [], requests: [], answered: null, calendarHref: null, self: "/provider" };
    throw error;
  }
  const { provider } = scope;
  const now = new Date();
  const [rows, choices] = await Promise.all([upcomingBookings(db, provider.id, now), adminChoices(scope, context)]);
  const url = new URL(request.url);
  const answeredIntent = url.searchParams.get("answered");
  const answeredCode = url.searchParams.get("code")?.slice(0, 32) ?? "";
  return {
    provider: { id: provider.id, displayName: provider.displayName, timeZone: provider.timeZone },
    // An admin sees whose area this is and can switch provider.
    admin: scope.isAdmin ? { choices } : null,
    calendarHref: scopedHref(scope, "/provider/calendar"),
    self: scopedHref(scope, "/provider"),
    answered: answeredIntent === "accept" || answeredIntent === "decline" ? { intent: answeredIntent, code: answeredCode } : null,
    // Soonest deadline first: the request about to lapse is the one to answer now.
    requests: rows
      .filter((row) => row.status === "awaiting_approval")
      .sort((a, b) => (a.expiresAt?.getTime() ?? Infinity) - (b.expiresAt?.getTime() ?? Infinity))
      .map((row) => ({
        id: row.id,
        // The booking's page, and where its answer is posted.
        href: scopedHref(scope, `/provider/bookings/${row.confirmationCode}`),
        version: row.version,
        when: formatInZone(row.startsAt, provider.timeZone),
        deadline: row.expiresAt ? formatInZone(row.expiresAt, provider.timeZone) : null,
        timeLeft: row.expiresAt ? timeLeft(now, row.expiresAt) : null,
        customerName: row.customerName,
        serviceName: row.serviceName,
        confirmationCode: row.confirmationCode,
      })),
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
  const { provider, admin, bookings: list, requests, answered, calendarHref, self } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
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
      {admin ? <AdminScopeNote providerName={provider.displayName} providerId={provider.id} choices={admin.choices} /> : null}
      {answered ? (
        <p className="ok panel" role="status" data-testid="request-answered">
          {answered.intent === "accept" ? `Accepted ${answered.code}. The customer has been told.` : `Declined ${answered.code}. The customer's card authorisation is released.`}
        </p>
      ) : null}
      <section aria-labelledby="requests-heading" className="panel" data-testid="requests">
        <h2 id="requests-heading">
          Requests waiting for your answer <span className="count" data-testid="request-count">{`(${requests.length})`}</span>
        </h2>
        {requests.length === 0 ? (
          <p className="muted">No requests waiting. Services that need your approval send their bookings here.</p>
        ) : (
          <ul className="requests">
            {requests.map((r) => (
              <li key={r.id} data-testid="request">
                <p>
                  <strong>{r.serviceName}</strong> · {r.customerName} · {r.when} · <Link to={r.href}>{r.confirmationCode}</Link>
                  {r.deadline ? (
                    <>
                      <br />
                      <span data-testid="request-deadline">
                        {`Answer by ${r.deadline} (${r.timeLeft}), or it expires and the customer's card is released.`}
                      </span>
                    </>
                  ) : null}
                </p>
                <div className="booking-actions">
                  {(["accept", "decline"] as const).map((intent) => (
                    <Form key={intent} method="post" action={r.href}>
                      <AuthenticityTokenInput />
                      <input type="hidden" name="version" value={r.version} />
                      <input type="hidden" name="returnTo" value={self} />
                      <button type="submit" name="intent" value={intent} className={intent === "decline" ? "danger" : undefined} disabled={navigation.state !== "idle"}>
                        {intent === "accept" ? "Accept" : "Decline"}
                        <span className="visually-hidden"> {r.confirmationCode}</span>
                      </button>
                    </Form>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <h2>Upcoming</h2>
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
