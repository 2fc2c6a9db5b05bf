// /provider/services/new — create a service (see app/components/provider/service-form.tsx).
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { insertOwnService } from "../../db/queries/provider-admin";
import { CURRENCIES, MAX_TIERS, ServiceForm } from "../components/provider/service-form";
import providerStyles from "../styles/provider.css?url";
import { assertCsrf } from "../utils/csrf.server";
import { requireProviderScope, scopedHref } from "../utils/provider-scope.server";
import { announceScheduleChanged } from "../utils/schedule-object.server";
import { processServiceForm, serviceDraftFrom, type ServiceFormResult } from "../utils/service-form.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "New service · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  return {
    provider: { displayName: scope.provider.displayName },
    draft: serviceDraftFrom(null),
    backHref: scopedHref(scope, "/provider/services"),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const scope = await requireProviderScope(request, context);
  const outcome = processServiceForm(formData);
  if ("result" in outcome) return data<ServiceFormResult>(outcome.result, { status: outcome.status });
  const created = await insertOwnService(context.database.db, scope.provider.id, outcome.save);
  await announceScheduleChanged(context, scope.provider.id);
  return redirect(scopedHref(scope, `/provider/services/${created.id}`, { saved: "created" }));
}

export default function NewService() {
  const { provider, draft, backHref } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ServiceFormResult | undefined;
  const shown = result?.draft ?? draft;
  return (
    <section className="provider-page" aria-labelledby="new-service-heading">
      <p>
        <Link to={backHref}>← Services</Link>
      </p>
      <h1 id="new-service-heading">New service</h1>
      <p className="muted">For {provider.displayName}.</p>
      <ServiceForm
        key={JSON.stringify(shown)}
        draft={shown}
        errors={result?.fieldErrors}
        formError={result?.formError}
        success={result?.notice}
        currencies={CURRENCIES}
        submitLabel="Create service"
        maxTiers={MAX_TIERS}
      />
    </section>
  );
}
