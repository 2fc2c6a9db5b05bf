import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listServiceCards, type ServiceCard } from "../../db/queries/catalog";
import { freeTimesFromSchedule } from "../../workers/services/schedule-reads";
import { customerZone } from "../utils/booking-flow.server";
import { formatPrice } from "../utils/format";

export const meta: MetaFunction = () => [
  { title: "Book a service · Edge Booking" },
  { name: "description", content: "Find a service, pick a live slot, pay, done." },
];

const SearchSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  category: z.string().trim().max(60).optional().catch(undefined),
  date: z.iso.date().optional().catch(undefined),
});

/**
 * With a date: keep the services that still have a free time that day (in the visitor's zone when
 * known, else the provider's) and say how many. One question to each provider's object for all of
 * its matching services, answered from its memory.
 */
async function withFreeTimes(request: Request, context: LoaderFunctionArgs["context"], cards: ServiceCard[], date: string) {
  const byProvider = new Map<string, ServiceCard[]>();
  for (const card of cards) byProvider.set(card.provider.id, [...(byProvider.get(card.provider.id) ?? []), card]);
  const counts = new Map<string, number>();
  await Promise.all(
    [...byProvider].map(async ([providerId, offered]) => {
      const timeZone = customerZone(request, offered[0]!.provider.timeZone);
      const found = await freeTimesFromSchedule(context.cloudflare.env, providerId, { serviceIds: offered.map((card) => card.id), from: date, to: date, timeZone });
      for (const [serviceId, count] of Object.entries(found)) counts.set(serviceId, count);
    }),
  );
  return cards.map((card) => ({ ...card, freeTimes: counts.get(card.id) ?? 0 })).filter((card) => card.freeTimes > 0);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = SearchSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const filter = { q: params.q || undefined, category: params.category || undefined, date: params.date };
  const [matching, all] = await Promise.all([
    listServiceCards(context.database.db, filter),
    filter.q || filter.category ? listServiceCards(context.database.db) : null,
  ]);
  const cards: Array<ServiceCard & { freeTimes?: number }> = filter.date ? await withFreeTimes(request, context, matching, filter.date) : matching;
  context.metrics.add("funnel.search", { labels: { channel: "web" } });
  const categories = [...new Set((all ?? matching).map((card) => card.category))].sort();
  return { cards, categories, filter };
}

export default function Home() {
  const { cards, categories, filter } = useLoaderData<typeof loader>();
  return (
    <>
      <section className="hero">
        <h1>Book a service in three steps</h1>
        <p>Pick a live slot, pay, and get your confirmation.</p>
        <Form method="get" className="search" role="search">
          <label>
            <span>What are you looking for?</span>
            <input type="search" name="q" defaultValue={filter.q ?? ""} placeholder="Haircut, massage, tutoring…" />
          </label>
          <label>
            <span>Category</span>
            <select name="category" defaultValue={filter.category ?? ""}>
              <option value="">All categories</option>
              {categories.map((category) => (
                <option key={category} value={category}>
                  {category}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Free on</span>
            <input type="date" name="date" defaultValue={filter.date ?? ""} />
          </label>
          <button type="submit">Search</button>
        </Form>
      </section>
      <section aria-labelledby="services-heading">
        <h2 id="services-heading">
          {cards.length === 1 ? "1 service" : `${cards.length} services`}
          {filter.date ? ` with free times on ${filter.date}` : ""}
        </h2>
        {cards.length === 0 ? <p>No services match your search.</p> : null}
        <ul className="cards">
          {cards.map((card) => (
            <li key={card.id} className="card">
              <h3>{card.name}</h3>
              <p className="muted">
                <Link to={`/providers/${card.provider.slug}`}>{card.provider.displayName}</Link> · {card.category}
              </p>
              <p>{card.description}</p>
              <dl className="facts">
                <div>
                  <dt>Price</dt>
                  <dd data-testid="price">{formatPrice({ amount: card.priceAmount, currency: card.currency })}</dd>
                </div>
                <div>
                  <dt>Duration</dt>
                  <dd>{card.durationMinutes} min</dd>
                </div>
                <div>
                  <dt>Time zone</dt>
                  <dd>{card.provider.timeZone}</dd>
                </div>
              </dl>
              {card.freeTimes !== undefined ? (
                <p className="ok" data-testid="free-times">
                  {card.freeTimes === 1 ? "1 free time" : `${card.freeTimes} free times`} that day
                </p>
              ) : null}
              <p className="book">
                <Link to={`/book/${card.id}${filter.date ? `?date=${filter.date}` : ""}`} className="button" aria-label={`Book ${card.name} with ${card.provider.displayName}`}>
                  Book
                </Link>
              </p>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
