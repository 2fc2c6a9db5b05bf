// Read queries for the public catalogue: services with their providers.
import { and, asc, eq, ilike, or } from "drizzle-orm";
import type { CancellationPolicy } from "../../domain/cancellation-policy";
import type { Queryable } from "../client";
import { providers, services } from "../schema";

export interface ServiceCard {
  id: string;
  name: string;
  description: string;
  category: string;
  durationMinutes: number;
  priceAmount: number;
  currency: string;
  requiresApproval: boolean;
  provider: { id: string; slug: string; displayName: string; timeZone: string };
}

/** The booking pages' card: what the catalogue shows plus the policy the customer agrees to before paying. */
export interface BookableServiceCard extends ServiceCard {
  cancellationPolicy: CancellationPolicy;
}

const cardColumns = {
  id: services.id,
  name: services.name,
  description: services.description,
  category: services.category,
  durationMinutes: services.durationMinutes,
  priceAmount: services.priceAmount,
  currency: services.currency,
  requiresApproval: services.requiresApproval,
  provider: {
    id: providers.id,
    slug: providers.slug,
    displayName: providers.displayName,
    timeZone: providers.timeZone,
  },
};

/** Active services of active providers, optionally filtered by a text query and a category. */
export async function listServiceCards(db: Queryable, filter: { q?: string; category?: string } = {}): Promise<ServiceCard[]> {
  const conditions = [eq(services.isActive, true), eq(providers.isActive, true)];
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(services.name, pattern), ilike(services.description, pattern), ilike(providers.displayName, pattern))!);
  }
  if (filter.category) conditions.push(eq(services.category, filter.category));
  return db
    .select(cardColumns)
    .from(services)
    .innerJoin(providers, eq(providers.id, services.providerId))
    .where(and(...conditions))
    .orderBy(asc(services.category), asc(services.name));
}

export async function findProviderBySlug(db: Queryable, slug: string) {
  const [provider] = await db.select().from(providers).where(and(eq(providers.slug, slug), eq(providers.isActive, true)));
  if (!provider) return null;
  const offered = await db
    .select()
    .from(services)
    .where(and(eq(services.providerId, provider.id), eq(services.isActive, true)))
    .orderBy(asc(services.name));
  return { provider, services: offered };
}

/** One active service with its provider, for the booking pages. */
export async function findServiceCard(db: Queryable, serviceId: string): Promise<ServiceCard | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(serviceId)) return null;
  const [card] = await db
    .select(cardColumns)
    .from(services)
    .innerJoin(providers, eq(providers.id, services.providerId))
    .where(and(eq(services.id, serviceId), eq(services.isActive, true), eq(providers.isActive, true)));
  return card ?? null;
}
