// Calendar subscription feeds (table calendar_feeds): the owner's live feed, replacing and revoking
// it, and the bookings a feed lists. Tokens are not here: they are derived from the id
// (workers/auth/keyring.ts), so this module never sees a secret.
import { and, eq, gte, isNull, lt, or, sql } from "drizzle-orm";
import type { Database, Queryable } from "../client";
import { bookings, calendarFeeds, providers, services } from "../schema";

/** Whose bookings a feed lists: a provider's (all of them) or a signed-in customer's (their own). */
export type FeedOwner = { providerId: string } | { userId: string };

export type CalendarFeedRow = typeof calendarFeeds.$inferSelect;

const ownedBy = (owner: FeedOwner) => ("providerId" in owner ? eq(calendarFeeds.providerId, owner.providerId) : eq(calendarFeeds.userId, owner.userId));

export async function liveFeedOf(db: Queryable, owner: FeedOwner): Promise<CalendarFeedRow | null> {
  const [row] = await db.select().from(calendarFeeds).where(and(ownedBy(owner), isNull(calendarFeeds.revokedAt)));
  return row ?? null;
}

/** The live feed with this id, or null (unknown, or revoked). */
export async function liveFeedById(db: Queryable, id: string): Promise<CalendarFeedRow | null> {
  const [row] = await db.select().from(calendarFeeds).where(and(eq(calendarFeeds.id, id), isNull(calendarFeeds.revokedAt)));
  return row ?? null;
}

/**
 * Gives the owner a live feed, in one transaction serialized per owner (two clicks at once see each
 * other's result). `replace`: a live one is revoked and a new one made, so the old URL stops working the
 * moment the new one exists; otherwise a live one is kept. `had` says whether there was one before.
 */
export async function ensureFeed(db: Database, owner: FeedOwner, options: { replace: boolean; now?: Date }): Promise<{ feed: CalendarFeedRow; had: boolean }> {
  const now = options.now ?? new Date();
  return db.transaction(async (tx) => {
    const key = "providerId" in owner ? `calendar-feed:provider:${owner.providerId}` : `calendar-feed:user:${owner.userId}`;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
    const live = await liveFeedOf(tx, owner);
    if (live && !options.replace) return { feed: live, had: true };
    if (live) await tx.update(calendarFeeds).set({ revokedAt: now }).where(eq(calendarFeeds.id, live.id));
    const [row] = await tx.insert(calendarFeeds).values({ ...owner, createdAt: now }).returning();
    return { feed: row!, had: live !== null };
  });
}

/** Revokes the owner's live feed; false when there was none. */
export async function revokeFeed(db: Queryable, owner: FeedOwner, now: Date = new Date()): Promise<boolean> {
  const rows = await db
    .update(calendarFeeds)
    .set({ revokedAt: now })
    .where(and(ownedBy(owner), isNull(calendarFeeds.revokedAt)))
    .returning({ id: calendarFeeds.id });
  return rows.length > 0;
}

/** Records a fetch, at most once per `every` ms, so a polling app does not cost a write per poll. */
export async function markFeedFetched(db: Queryable, id: string, now: Date, everyMs: number): Promise<void> {
  await db
    .update(calendarFeeds)
    .set({ lastFetchedAt: now })
    .where(and(eq(calendarFeeds.id, id), or(isNull(calendarFeeds.lastFetchedAt), lt(calendarFeeds.lastFetchedAt, new Date(now.getTime() - everyMs)))));
}

/** Most bookings a feed lists; calendar apps choke on huge feeds and nobody scrolls back that far. */
export const FEED_MAX_EVENTS = 2_000;

/** What one feed event needs, for both kinds of owner. */
const feedColumns = {
  id: bookings.id,
  confirmationCode: bookings.confirmationCode,
  status: bookings.status,
  startsAt: bookings.startsAt,
  endsAt: bookings.endsAt,
  icsSequence: bookings.icsSequence,
  updatedAt: bookings.updatedAt,
  customerName: bookings.customerName,
  customerEmail: bookings.customerEmail,
  customerPhone: bookings.customerPhone,
  notes: bookings.notes,
  serviceName: services.name,
  providerName: providers.displayName,
};

/** The owner's bookings that start at or after `since` (every status: a feed shows cancellations too), soonest first. */
export function feedBookings(db: Queryable, owner: FeedOwner, since: Date) {
  return db
    .select(feedColumns)
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .where(and("providerId" in owner ? eq(bookings.providerId, owner.providerId) : eq(bookings.customerId, owner.userId), gte(bookings.startsAt, since)))
    .orderBy(bookings.startsAt)
    .limit(FEED_MAX_EVENTS);
}

export type FeedBooking = Awaited<ReturnType<typeof feedBookings>>[number];
