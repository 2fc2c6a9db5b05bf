import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { findProviderBySlug } from "../../db/queries/catalog";
import { formatPrice } from "../utils/format";
import { optionalScheduleRead } from "../utils/schedule-object.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.provider.displayName} · Edge Booking` : "Provider not found" },
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const found = await findProviderBySlug(context.database.db, params.slug ?? "");
  if (!found) throw new Response("No provider with that address.", { status: 404 });
  // The provider's Durable Object owns live holds (one RPC hop); the page does without the count.
  const liveHolds = await optionalScheduleRead(context, found.provider.id, (schedule) => schedule.liveHoldCount());
  return {
    provider: {
      id: found.provider.id,
      displayName: found.provider.displayName,
      headline: found.provider.headline,
      bio: found.provider.bio,
      timeZone: found.provider.timeZone,
    },
    services: found.services.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      durationMinutes: s.durationMinutes,
      price: formatPrice({ amount: s.priceAmount, currency: s.currency }),
      requiresApproval: s.requiresApproval,
    })),
    liveHolds,
  };
}

export default function ProviderPage() {
  const { provider, services, liveHolds } = useLoaderData<typeof loader>();
  return (
    <article>
      <header className="panel">
        <h1>{provider.displayName}</h1>
        <p className="muted">{provider.headline}</p>
        <p>{provider.bio}</p>
        <p>
          Times are set in <strong>{provider.timeZone}</strong>.{" "}
          {liveHolds === null ? null : (
            <span data-testid="live-holds">
              {liveHolds === 1 ? "1 slot is being booked right now." : `${liveHolds} slots are being booked right now.`}
            </span>
          )}
        </p>
      </header>
      <h2>Services</h2>
      <ul className="cards">
        {services.map((service) => (
          <li key={service.id} className="card">
            <h3>{service.name}</h3>
            <p>{service.description}</p>
            <p>
              {service.price} · {service.durationMinutes} min
              {service.requiresApproval ? " · needs the provider's approval" : ""}
            </p>
            <Link to={`/book/${service.id}`} className="button" aria-label={`Book ${service.name}`}>
              Book
            </Link>
          </li>
        ))}
      </ul>
    </article>
  );
}
