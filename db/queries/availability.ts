// Read queries that feed the availability engine (domain/availability.ts) and the public provider
// directory. Everything here is bounded by the queried window or by one provider, never by the
// provider's booking history.
import { and, asc, eq, gte, ilike, lte, or, sql } from "drizzle-orm";
import type { DateOverride, TimeRange, WeeklyRule } from "../../domain/availability";
import { OCCUPYING_STATUSES } from "../../domain/booking-states";
import type { Queryable } from "../client";
import { availabilityOverrides, availabilityRules, bookings, providers, services } from "../schema";

export type ProviderRow = typeof providers.$inferSelect;
export type ServiceRow = typeof services.$inferSelect;

export async function findProviderById(db: Queryable, providerId: string): Promise<ProviderRow | null> {
  const [row] = await db.select().from(providers).where(eq(providers.id, providerId));
  return row ?? null;
}

export async function findServiceById(db: Queryable, serviceId: string): Promise<ServiceRow | null> {
  const [row] = await db.select().from(services).where(eq(services.id, serviceId));
  return row ?? null;
}

/** Provider and service in one round trip; null when either is missing or the service is someone else's. */
export async function findProviderService(
  db: Queryable,
  providerId: string,
  serviceId: string,
): Promise<{ provider: ProviderRow; service: ServiceRow } | null> {
  const [row] = await db
    .select({ provider: providers, service: services })
    .from(services)
    .innerJoin(providers, eq(providers.id, services.providerId))
    .where(and(eq(services.id, serviceId), eq(providers.id, providerId)));
  return row ?? null;
}

// ---------------------------------------------------------------------------------------------
// Working hours

/** Postgres `time` comes back as "HH:MM:SS"; the engine wants "HH:MM". */
function hhmm(value: string): string {
  return value.slice(0, 5);
}

/**
 * A range's end: the DB writes midnight as 00:00 (its CHECK allows end = '00:00' as "until the end of
 * the day"), the engine spells that "24:00".
 */
function rangeOf(start: string, end: string): TimeRange {
  const endHHMM = hhmm(end);
  return { start: hhmm(start), end: endHHMM === "00:00" ? "24:00" : endHHMM };
}

/** availability_rules rows grouped into one WeeklyRule per weekday (several rows = a day with breaks). */
export async function loadWeeklyRules(db: Queryable, providerId: string): Promise<WeeklyRule[]> {
  const rows = await db
    .select({ weekday: availabilityRules.weekday, start: availabilityRules.startTime, end: availabilityRules.endTime })
    .from(availabilityRules)
    .where(eq(availabilityRules.providerId, providerId))
    .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startTime));
  const byDay = new Map<number, TimeRange[]>();
  for (const row of rows) {
    const list = byDay.get(row.weekday) ?? [];
    list.push(rangeOf(row.start, row.end));
    byDay.set(row.weekday, list);
  }
  return [...byDay].map(([weekday, ranges]) => ({ weekday: weekday as WeeklyRule["weekday"], ranges }));
}

/**
 * Overrides for provider-local dates in [fromDate, toDate] (inclusive, "YYYY-MM-DD"). Rows of one date
 * are grouped; a row with null times closes the day, and closing wins over any ranges written for the
 * same date (when the data is contradictory, offering no time is the safe reading).
 */
export async function loadOverrides(db: Queryable, providerId: string, fromDate: string, toDate: string): Promise<DateOverride[]> {
  const rows = await db
    .select({ date: availabilityOverrides.date, start: availabilityOverrides.startTime, end: availabilityOverrides.endTime })
    .from(availabilityOverrides)
    .where(
      and(
        eq(availabilityOverrides.providerId, providerId),
        gte(availabilityOverrides.date, fromDate),
        lte(availabilityOverrides.date, toDate),
      ),
    )
    .orderBy(asc(availabilityOverrides.date), asc(availabilityOverrides.startTime));
  const byDate = new Map<string, TimeRange[] | "closed">();
  for (const row of rows) {
    const current = byDate.get(row.date);
    if (row.start === null || row.end === null) {
      byDate.set(row.date, "closed");
    } else if (current !== "closed") {
      byDate.set(row.date, [...(current ?? []), rangeOf(row.start, row.end)]);
    }
  }
  return [...byDate].map(([date, ranges]) => ({ date, ranges: ranges === "closed" ? [] : ranges }));
}

// ---------------------------------------------------------------------------------------------
// Occupied time

/** The constraint's WHERE clause as a literal list, so the planner can match the partial GiST index. */
const OCCUPYING_SQL = sql.raw(`(${OCCUPYING_STATUSES.map((s) => `'${s}'::booking_status`).join(", ")})`);

export interface OccupiedRow {
  id: string;
  occupiedFrom: Date;
  occupiedUntil: Date;
}

/**
 * Occupied intervals (already widened by buffers) of bookings in occupying states that intersect
 * [from, to). Half-open on both sides: a booking ending exactly at `from` is not returned.
 *
 * Why a range predicate rather than only `occupied_from < $to and occupied_until > $from`: on the btree
 * (provider_id, occupied_from, occupied_until) that pair bounds the scan only from above, so Postgres
 * walks every past booking of the provider (cost grows with history). The tstzrange overlap is served by
 * the GiST index behind the bookings_no_overlap exclusion constraint (same partial predicate), whose
 * cost grows with what intersects the window. The plain comparisons stay as well: they are exact, cheap
 * rechecks and keep the query right even if a planner picks the btree.
 */
export function occupiedIntervalsQuery(
  db: Queryable,
  providerId: string,
  from: Date,
  to: Date,
  options: { excludeBookingId?: string } = {},
) {
  return db
    .select({ id: bookings.id, occupiedFrom: bookings.occupiedFrom, occupiedUntil: bookings.occupiedUntil })
    .from(bookings)
    .where(
      and(
        eq(bookings.providerId, providerId),
        sql`${bookings.status} in ${OCCUPYING_SQL}`,
        sql`tstzrange(${bookings.occupiedFrom}, ${bookings.occupiedUntil}, '[)') && tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, '[)')`,
        sql`${bookings.occupiedFrom} < ${to.toISOString()}::timestamptz`,
        sql`${bookings.occupiedUntil} > ${from.toISOString()}::timestamptz`,
        options.excludeBookingId ? sql`${bookings.id} <> ${options.excludeBookingId}` : undefined,
      ),
    );
}

export async function loadOccupiedIntervals(
  db: Queryable,
  providerId: string,
  from: Date,
  to: Date,
  options: { excludeBookingId?: string } = {},
): Promise<OccupiedRow[]> {
  return occupiedIntervalsQuery(db, providerId, from, to, options);
}

// ---------------------------------------------------------------------------------------------
// Provider directory (public API)

export interface ProviderSummary {
  id: string;
  slug: string;
  displayName: string;
  headline: string;
  timeZone: string;
}

const summaryColumns = {
  id: providers.id,
  slug: providers.slug,
  displayName: providers.displayName,
  headline: providers.headline,
  timeZone: providers.timeZone,
};

export async function listActiveProviders(
  db: Queryable,
  options: { q?: string; limit: number; offset: number },
): Promise<ProviderSummary[]> {
  const conditions = [eq(providers.isActive, true)];
  if (options.q) {
    const pattern = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(providers.displayName, pattern), ilike(providers.headline, pattern))!);
  }
  return db
    .select(summaryColumns)
    .from(providers)
    .where(and(...conditions))
    .orderBy(asc(providers.displayName), asc(providers.id))
    .limit(options.limit)
    .offset(options.offset);
}

export async function findActiveProviderWithServices(db: Queryable, providerId: string) {
  const [provider] = await db
    .select({ ...summaryColumns, bio: providers.bio })
    .from(providers)
    .where(and(eq(providers.id, providerId), eq(providers.isActive, true)));
  if (!provider) return null;
  const offered = await db
    .select()
    .from(services)
    .where(and(eq(services.providerId, providerId), eq(services.isActive, true)))
    .orderBy(asc(services.name));
  return { provider, services: offered };
}
