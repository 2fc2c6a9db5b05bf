// /provider/services/:id — edit one of the provider's own services (404 for anyone else's). Saving
// tells the provider's Durable Object, so open booking pages recompute their slots.
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { findOwnService, updateOwnService } from "../../db/queries/provider-admin";
import { CURRENCIES, MAX_TIERS, ServiceForm } from "../components/provider/service-form";
import providerStyles from "../styles/provider.css?url";
import { assertCsrf } from "../utils/csrf.server";
import { requireProviderScope, scopedHref } from "../utils/provider-scope.server";
import { announceScheduleChanged } from "../utils/schedule-object.server";
import { processServiceForm, serviceDraftFrom, type ServiceFormResult } from "../utils/service-form.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.name} · Services · Edge Booking` : "Service not found · Edge Booking" }];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): Response {
  return new Response("No such service.", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

const SAVED: Record<string, string> = { created: "Service created.", updated: "Service saved." };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const id = params.id ?? "";
  const row = UUID.test(id) ? await findOwnService(context.database.db, scope.provider.id, id) : null;
  if (!row) throw notFound();
  const saved = new URL(request.url).searchParams.get("saved");
  return {
    name: row.name,
    draft: serviceDraftFrom(row),
    backHref: scopedHref(scope, "/provider/services"),
    saved: saved ? (SAVED[saved] ?? null) : null,
  };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const scope = await requireProviderScope(request, context);
  const id = params.id ?? "";
  const db = context.database.db;
  if (!UUID.test(id) || !(await findOwnService(db, scope.provider.id, id))) throw notFound();
  const outcome = processServiceForm(formData);
  if ("result" in outcome) return data<ServiceFormResult>(outcome.result, { status: outcome.status });
  const updated = await updateOwnService(db, scope.provider.id, id, outcome.save);
  if (!updated) throw notFound();
  await announceScheduleChanged(context, scope.provider.id);
  return redirect(scopedHref(scope, `/provider/services/${id}`, { saved: "updated" }));
}

export default function EditService() {
  const { name, draft, backHref, saved } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ServiceFormResult | undefined;
  const shown = result?.draft ?? draft;
  return (
    <section className="provider-page" aria-labelledby="edit-service-heading">
      <p>
        <Link to={backHref}>← Services</Link>
      </p>
      <h1 id="edit-service-heading">{name}</h1>
      <ServiceForm
        key={JSON.stringify(shown)}
        draft={shown}
        errors={result?.fieldErrors}
        formError={result?.formError}
        success={result?.notice ?? (result ? undefined : (saved ?? undefined))}
        currencies={CURRENCIES}
        submitLabel="Save service"
        maxTiers={MAX_TIERS}
      />
    </section>
  );
}
