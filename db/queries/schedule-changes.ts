// The per-provider change heads (provider_change_heads, migration 0008): which providers' objects may
// not have applied every booking change yet, and the record of what they confirmed.
import { and, asc, eq, gt, lt, sql } from "drizzle-orm";
import type { Queryable } from "../client";
import { providerChangeHeads } from "../schema";

/** Providers (or the one named) whose last change number is past the one their object last confirmed, oldest first. */
export async function undeliveredChangeHeads(db: Queryable, limit: number, providerId?: string): Promise<Array<{ providerId: string; head: number }>> {
  return db
    .select({ providerId: providerChangeHeads.providerId, head: providerChangeHeads.seq })
    .from(providerChangeHeads)
    .where(and(gt(providerChangeHeads.seq, providerChangeHeads.deliveredSeq), providerId ? eq(providerChangeHeads.providerId, providerId) : undefined))
    .orderBy(asc(providerChangeHeads.deliveredSeq))
    .limit(limit);
}

/** The provider's object has applied every change up to `seq` (never moves back). */
export async function recordChangesDelivered(db: Queryable, providerId: string, seq: number): Promise<void> {
  await db
    .update(providerChangeHeads)
    .set({ deliveredSeq: sql`greatest(${providerChangeHeads.deliveredSeq}, ${seq})` })
    .where(and(eq(providerChangeHeads.providerId, providerId), lt(providerChangeHeads.deliveredSeq, seq)));
}
