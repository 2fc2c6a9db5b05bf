// /provider/services — the provider's services (active first), each linking to its editor.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { listOwnServices } from "../../db/queries/provider-admin";
import { money } from "../../domain/money";
import { formatPrice } from "../utils/format";
import { AdminScopeNote } from "../components/provider/booking-status";
import providerStyles from "../styles/provider.css?url";
import { adminChoices, requireProviderScope, scopedHref } from "../utils/provider-scope.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "Services · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const [rows, choices] = await Promise.all([listOwnServices(context.database.db, scope.provider.id), adminChoices(scope, context)]);
  return {
    provider: { id: scope.provider.id, displayName: scope.provider.displayName },
    admin: scope.isAdmin ? { choices } : null,
    newHref: scopedHref(scope, "/provider/services/new"),
    services: rows.map((s) => ({
      id: s.id,
      href: scopedHref(scope, `/provider/services/${s.id}`),
      name: s.name,
      category: s.category,
      durationMinutes: s.durationMinutes,
      price: formatPrice(money(s.priceAmount, s.currency)),
      requiresApproval: s.requiresApproval,
      isActive: s.isActive,
    })),
  };
}

export default function ProviderServices() {
  const { provider, admin, services, newHref } = useLoaderData<typeof loader>();
  return (
    <section className="provider-page" aria-labelledby="services-heading">
      <header className="page-header">
        <div>
          <h1 id="services-heading">Services</h1>
          <p className="muted">{provider.displayName}: what customers can book.</p>
        </div>
        <Link to={newHref} className="button">
          New service
        </Link>
      </header>
      {admin ? <AdminScopeNote providerName={provider.displayName} providerId={provider.id} choices={admin.choices} /> : null}
      {services.length === 0 ? (
        <p>No services yet. Create one so customers can book you.</p>
      ) : (
        <div className="table-scroll">
          <table className="services-table">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Category</th>
                <th scope="col">Duration</th>
                <th scope="col">Price</th>
                <th scope="col">Approval</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <tr key={s.id} data-testid="service-row">
                  <th scope="row">
                    <Link to={s.href}>{s.name}</Link>
                  </th>
                  <td>{s.category}</td>
                  <td>{s.durationMinutes} min</td>
                  <td>{s.price}</td>
                  <td>{s.requiresApproval ? "Required" : "Instant"}</td>
                  <td>{s.isActive ? "Active" : <span className="muted">Inactive</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
