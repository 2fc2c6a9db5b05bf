// Queries behind the provider area (app/routes/provider.*): the calendar, a provider's view of one
// booking, the schedule and services editors, earnings. Every read and write here takes the provider
// id and filters by it, so a route that resolved "which provider is this" once cannot leak another
// provider's rows by passing a foreign booking code, override id or service id.
import { and, asc, desc, eq, gt, gte, inArray, lt, or, sql } from "drizzle-orm";
import { OCCUPYING_STATUSES, type BookingStatus } from "../../domain/booking-states";
import type { Queryable, Database } from "../client";
import { providerBalances } from "./ledger";
import { listPayouts, type PayoutRow } from "./payments";
import {
  availabilityOverrides,
  availabilityRules,
  bookings,
  guestBookingSessions,
  providers,
  services,
  users,
} from "../schema";

export type ServiceRow = typeof services.$inferSelect;
export type NewServiceValues = Omit<typeof services.$inferInsert, "id" | "providerId" | "createdAt" | "updatedAt">;

// ---------------------------------------------------------------------------------------------
// Which provider

export interface ProviderProfile {
  id: string;
  userId: string;
  slug: string;
  displayName: string;
  timeZone: string;
  payoutsEnabled: boolean;
  stripeAccountId: string | null;
}

const profileColumns = {
  id: providers.id,
  userId: providers.userId,
  slug: providers.slug,
  displayName: providers.displayName,
  timeZone: providers.timeZone,
  payoutsEnabled: providers.payoutsEnabled,
  stripeAccountId: providers.stripeAccountId,
};

export async function findProviderProfileByUser(db: Queryable, userId: string): Promise<ProviderProfile | null> {
  const [row] = await db.select(profileColumns).from(providers).where(eq(providers.userId, userId)).limit(1);
  return row ?? null;
}

export async function findProviderProfileById(db: Queryable, providerId: string): Promise<ProviderProfile | null> {
  const [row] = await db.select(profileColumns).from(providers).where(eq(providers.id, providerId)).limit(1);
  return row ?? null;
}

/** The provider an admin sees when they did not pick one: the oldest profile (stable across requests). */
export async function firstProviderProfile(db: Queryable): Promise<ProviderProfile | null> {
  const [row] = await db.select(profileColumns).from(providers).orderBy(asc(providers.createdAt), asc(providers.id)).limit(1);
  return row ?? null;
}

/** For an admin's "show provider" picker. */
export async function listProviderChoices(db: Queryable, limit = 500): Promise<Array<{ id: string; displayName: string }>> {
  return db.select({ id: providers.id, displayName: providers.displayName }).from(providers).orderBy(asc(providers.displayName), asc(providers.id)).limit(limit);
}

// ---------------------------------------------------------------------------------------------
// Calendar

/** Released statuses shown on the calendar for a while after they happened ("recently cancelled"). */
export const RECENTLY_RELEASED_STATUSES = ["cancelled", "refunded", "expired"] as const satisfies readonly BookingStatus[];
/** Statuses always shown in their time: what blocks time, plus no-shows (the provider's own record). */
export const CALENDAR_STATUSES: readonly BookingStatus[] = [...OCCUPYING_STATUSES, "no_show"];

export interface CalendarBooking {
  id: string;
  confirmationCode: string;
  status: BookingStatus;
  startsAt: Date;
  endsAt: Date;
  customerName: string;
  serviceName: string;
}

/**
 * Bookings of `providerId` whose service time intersects [from, to): every occupying one (and
 * no-shows), plus cancelled/expired/refunded ones that changed at or after `releasedSince`.
 */
export async function calendarBookings(
  db: Queryable,
  providerId: string,
  window: { from: Date; to: Date; releasedSince: Date },
): Promise<CalendarBooking[]> {
  return db
    .select({
      id: bookings.id,
      confirmationCode: bookings.confirmationCode,
      status: bookings.status,
      startsAt: bookings.startsAt,
      endsAt: bookings.endsAt,
      customerName: bookings.customerName,
      serviceName: services.name,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(
      and(
        eq(bookings.providerId, providerId),
        lt(bookings.startsAt, window.to),
        gt(bookings.endsAt, window.from),
        or(
          inArray(bookings.status, [...CALENDAR_STATUSES]),
          and(inArray(bookings.status, [...RECENTLY_RELEASED_STATUSES]), gte(bookings.updatedAt, window.releasedSince)),
        ),
      ),
    )
    .orderBy(asc(bookings.startsAt), asc(bookings.id))
    .limit(1000);
}

// ---------------------------------------------------------------------------------------------
// One booking, as its provider sees it

export interface ProviderBookingDetail {
  booking: typeof bookings.$inferSelect;
  serviceName: string;
  providerName: string;
  providerTimeZone: string;
  /** The signed-in customer's account email, or the guest session's; null when neither is linked. */
  accountKind: "customer" | "guest" | null;
}

/**
 * The booking with this (canonical) code if it belongs to `providerId`; `providerId` null = any
 * provider (admins). Null when there is no such booking or it belongs to someone else: the route
 * answers 404 in both cases so codes of other providers' bookings cannot be probed.
 */
export async function findProviderBooking(db: Queryable, providerId: string | null, code: string): Promise<ProviderBookingDetail | null> {
  const [row] = await db
    .select({
      booking: bookings,
      serviceName: services.name,
      providerName: providers.displayName,
      providerTimeZone: providers.timeZone,
      customerUserId: users.id,
      guestSessionId: guestBookingSessions.id,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .leftJoin(users, eq(users.id, bookings.customerId))
    .leftJoin(guestBookingSessions, eq(guestBookingSessions.id, bookings.guestSessionId))
    .where(and(eq(bookings.confirmationCode, code), providerId ? eq(bookings.providerId, providerId) : undefined))
    .limit(1);
  if (!row) return null;
  return {
    booking: row.booking,
    serviceName: row.serviceName,
    providerName: row.providerName,
    providerTimeZone: row.providerTimeZone,
    accountKind: row.customerUserId ? "customer" : row.guestSessionId ? "guest" : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Schedule

export interface WeeklyRuleRow {
  weekday: number;
  /** "HH:MM" */
  start: string;
  /** "HH:MM"; "24:00" = end of the day (stored as 00:00). */
  end: string;
}

export interface OverrideRow {
  id: string;
  date: string;
  /** null for a closed day */
  start: string | null;
  end: string | null;
  reason: string;
}

const hhmm = (value: string) => value.slice(0, 5);
const endText = (value: string) => (hhmm(value) === "00:00" || hhmm(value) === "24:00" ? "24:00" : hhmm(value));
/** Postgres `time` for a range end: the end of the day is stored as 00:00 (the schema's convention). */
export const endTimeValue = (end: string) => (end === "24:00" ? "00:00" : end);

export async function weeklyRuleRows(db: Queryable, providerId: string): Promise<WeeklyRuleRow[]> {
  const rows = await db
    .select({ weekday: availabilityRules.weekday, start: availabilityRules.startTime, end: availabilityRules.endTime })
    .from(availabilityRules)
    .where(eq(availabilityRules.providerId, providerId))
    .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startTime));
  return rows.map((r) => ({ weekday: r.weekday, start: hhmm(r.start), end: endText(r.end) }));
}

/** Overrides on or after `fromDate` (YYYY-MM-DD), by date. */
export async function overrideRows(db: Queryable, providerId: string, fromDate: string, untilDate?: string): Promise<OverrideRow[]> {
  const rows = await db
    .select()
    .from(availabilityOverrides)
    .where(
      and(
        eq(availabilityOverrides.providerId, providerId),
        gte(availabilityOverrides.date, fromDate),
        untilDate ? sql`${availabilityOverrides.date} <= ${untilDate}` : undefined,
      ),
    )
    .orderBy(asc(availabilityOverrides.date), asc(availabilityOverrides.startTime))
    .limit(500);
  return rows.map((r) => ({
    id: r.id,
    date: r.date,
    start: r.startTime ? hhmm(r.startTime) : null,
    end: r.endTime ? endText(r.endTime) : null,
    reason: r.reason,
  }));
}

/**
 * Replaces all weekly rules of the provider and sets its time zone, in one transaction: a reader sees
 * the old schedule or the new one, never a half-written week.
 */
export async function replaceWeeklySchedule(db: Database, providerId: string, timeZone: string, rules: WeeklyRuleRow[]): Promise<void> {
  await db.transaction(async (tx) => {
    // Lock the provider row so two concurrent saves serialise instead of interleaving delete/insert.
    await tx.execute(sql`select 1 from ${providers} where ${providers.id} = ${providerId} for update`);
    await tx.delete(availabilityRules).where(eq(availabilityRules.providerId, providerId));
    if (rules.length > 0) {
      await tx.insert(availabilityRules).values(
        rules.map((r) => ({ providerId, weekday: r.weekday, startTime: r.start, endTime: endTimeValue(r.end) })),
      );
    }
    await tx.update(providers).set({ timeZone, updatedAt: new Date() }).where(eq(providers.id, providerId));
  });
}

/**
 * Adds an override. A closed day replaces whatever the date had; custom hours are added next to the
 * date's other custom ranges. Returns the date's rows as they were before (for the caller's checks,
 * done again here inside the transaction so two concurrent adds cannot both pass).
 */
export async function addOverride(
  db: Database,
  providerId: string,
  input: { date: string; start: string | null; end: string | null; reason: string },
  check: (existing: OverrideRow[]) => void,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from ${providers} where ${providers.id} = ${providerId} for update`);
    const existing = await overrideRows(tx, providerId, input.date, input.date);
    check(existing);
    if (input.start === null) {
      await tx.delete(availabilityOverrides).where(and(eq(availabilityOverrides.providerId, providerId), eq(availabilityOverrides.date, input.date)));
    }
    await tx.insert(availabilityOverrides).values({
      providerId,
      date: input.date,
      startTime: input.start,
      endTime: input.end === null ? null : endTimeValue(input.end),
      reason: input.reason,
    });
  });
}

export async function deleteOverride(db: Queryable, providerId: string, overrideId: string): Promise<boolean> {
  const deleted = await db
    .delete(availabilityOverrides)
    .where(and(eq(availabilityOverrides.id, overrideId), eq(availabilityOverrides.providerId, providerId)))
    .returning({ id: availabilityOverrides.id });
  return deleted.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Services

export async function listOwnServices(db: Queryable, providerId: string): Promise<ServiceRow[]> {
  return db
    .select()
    .from(services)
    .where(eq(services.providerId, providerId))
    .orderBy(desc(services.isActive), asc(services.name), asc(services.id));
}

export async function findOwnService(db: Queryable, providerId: string, serviceId: string): Promise<ServiceRow | null> {
  const [row] = await db
    .select()
    .from(services)
    .where(and(eq(services.id, serviceId), eq(services.providerId, providerId)))
    .limit(1);
  return row ?? null;
}

export async function insertOwnService(db: Queryable, providerId: string, values: NewServiceValues): Promise<ServiceRow> {
  const [row] = await db.insert(services).values({ ...values, providerId }).returning();
  return row!;
}

/** Null when the service does not exist or belongs to another provider. */
export async function updateOwnService(db: Queryable, providerId: string, serviceId: string, values: NewServiceValues): Promise<ServiceRow | null> {
  const [row] = await db
    .update(services)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(services.id, serviceId), eq(services.providerId, providerId)))
    .returning();
  return row ?? null;
}

// ---------------------------------------------------------------------------------------------
// Earnings

export interface PayoutListItem extends PayoutRow {
  confirmationCode: string | null;
  serviceName: string | null;
}

/**
 * Ledger balances per currency (the payments work's providerBalances) and the provider's payouts
 * (its listPayouts), with the booking code and service of each payout.
 */
export async function providerEarnings(db: Queryable, providerId: string) {
  const [balances, payouts] = await Promise.all([providerBalances(db, providerId), listPayouts(db, { providerId, limit: 300 })]);
  const bookingIds = [...new Set(payouts.map((p) => p.bookingId).filter((id): id is string => Boolean(id)))];
  const labels = bookingIds.length
    ? await db
        .select({ id: bookings.id, code: bookings.confirmationCode, serviceName: services.name })
        .from(bookings)
        .innerJoin(services, eq(services.id, bookings.serviceId))
        .where(and(inArray(bookings.id, bookingIds), eq(bookings.providerId, providerId)))
    : [];
  const byId = new Map(labels.map((l) => [l.id, l]));
  const items: PayoutListItem[] = payouts.map((p) => ({
    ...p,
    confirmationCode: (p.bookingId && byId.get(p.bookingId)?.code) || null,
    serviceName: (p.bookingId && byId.get(p.bookingId)?.serviceName) || null,
  }));
  return { balances, payouts: items };
}

/** States of a booking still ahead for the provider's home page. */
const UPCOMING_STATUSES = ["pending", "awaiting_approval", "confirmed", "in_progress"] as const;

/** The provider's bookings not yet over, soonest first. */
export function upcomingBookings(db: Queryable, providerId: string, now: Date, limit = 100) {
  return db
    .select({
      id: bookings.id,
      startsAt: bookings.startsAt,
      status: bookings.status,
      customerName: bookings.customerName,
      confirmationCode: bookings.confirmationCode,
      serviceName: services.name,
      version: bookings.version,
      /** For an approval request: when it expires unless answered. */
      expiresAt: bookings.expiresAt,
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(and(eq(bookings.providerId, providerId), gt(bookings.endsAt, now), inArray(bookings.status, [...UPCOMING_STATUSES])))
    .orderBy(asc(bookings.startsAt))
    .limit(limit);
}
