// Read models for the admin pages (app/routes/admin.*): booking search, one booking's full history,
// payouts with their provider and booking, reconciliation discrepancies, provider stats. Read-only:
// the one admin write (retrying a payout) is the payments module's retryPayout. Payment rows come from
// the payments module's own queries so the admin sees exactly what the money code sees.
import { Temporal } from "@js-temporal/polyfill";
import { and, asc, count, desc, eq, gt, gte, ilike, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../client";
import {
  bookingEvents,
  bookingStateTransitions,
  bookingStatus,
  bookings,
  emailOutbox,
  jobRuns,
  payoutSchedules,
  providerBookingStats,
  providers,
  services,
  users,
} from "../schema";
import { entriesForBooking, type LedgerEntryRow } from "./ledger";
import {
  OPEN_DISPUTE_STATUSES,
  disputesForBooking,
  listDiscrepancies,
  listPayouts,
  paymentsForBooking,
  refundsForBooking,
  type DiscrepancyRow,
  type DisputeRow,
  type PaymentRow,
  type PayoutRow,
  type RefundRow,
} from "./payments";

export type BookingStatus = (typeof bookingStatus.enumValues)[number];
export const BOOKING_STATUSES = bookingStatus.enumValues;

export function isBookingStatus(value: string): value is BookingStatus {
  return (BOOKING_STATUSES as readonly string[]).includes(value);
}

/** `%text%` for ILIKE with the user's own % and _ taken literally. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// ---------------------------------------------------------------------------------------------
// Booking search

export interface BookingSearch {
  /** Confirmation code, exact or a prefix, any case. */
  code?: string;
  /** Part of the customer's email, any case. */
  email?: string;
  /** Part of the provider's display name or slug. */
  provider?: string;
  status?: BookingStatus;
  /** Appointment start within [startsFrom, startsBefore). */
  startsFrom?: Date;
  startsBefore?: Date;
  page?: number;
  pageSize?: number;
}

export interface BookingListRow {
  id: string;
  confirmationCode: string;
  status: BookingStatus;
  startsAt: Date;
  providerTimeZone: string;
  customerName: string;
  customerEmail: string;
  providerName: string;
  serviceName: string;
  totalAmount: number;
  currency: string;
  createdAt: Date;
}

export async function searchBookings(db: Queryable, search: BookingSearch): Promise<{ rows: BookingListRow[]; total: number; page: number; pageSize: number }> {
  const pageSize = Math.min(100, Math.max(1, search.pageSize ?? 25));
  const page = Math.max(1, Math.floor(search.page ?? 1));
  const conditions: SQL[] = [];
  if (search.code) conditions.push(sql`upper(${bookings.confirmationCode}) like ${`${search.code.toUpperCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  if (search.email) conditions.push(ilike(bookings.customerEmail, contains(search.email)));
  if (search.provider) conditions.push(or(ilike(providers.displayName, contains(search.provider)), ilike(providers.slug, contains(search.provider)))!);
  if (search.status) conditions.push(eq(bookings.status, search.status));
  if (search.startsFrom) conditions.push(gte(bookings.startsAt, search.startsFrom));
  if (search.startsBefore) conditions.push(lt(bookings.startsAt, search.startsBefore));
  const where = conditions.length ? and(...conditions) : undefined;

  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: bookings.id,
        confirmationCode: bookings.confirmationCode,
        status: bookings.status,
        startsAt: bookings.startsAt,
        providerTimeZone: bookings.providerTimeZone,
        customerName: bookings.customerName,
        customerEmail: bookings.customerEmail,
        providerName: providers.displayName,
        serviceName: services.name,
        totalAmount: bookings.totalAmount,
        currency: bookings.currency,
        createdAt: bookings.createdAt,
      })
      .from(bookings)
      .innerJoin(providers, eq(providers.id, bookings.providerId))
      .innerJoin(services, eq(services.id, bookings.serviceId))
      .where(where)
      .orderBy(desc(bookings.startsAt), desc(bookings.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db
      .select({ n: count() })
      .from(bookings)
      .innerJoin(providers, eq(providers.id, bookings.providerId))
      .where(where),
  ]);
  return { rows, total: total?.n ?? 0, page, pageSize };
}

// ---------------------------------------------------------------------------------------------
// One booking, everything that happened to it

export interface TransitionWithActor {
  id: number;
  fromStatus: BookingStatus | null;
  toStatus: BookingStatus;
  actorType: string;
  actorId: string | null;
  /** The user behind actorId when it names one. */
  actorName: string | null;
  actorEmail: string | null;
  reason: string;
  metadata: unknown;
  createdAt: Date;
}

export interface BookingHistory {
  booking: typeof bookings.$inferSelect;
  providerName: string;
  providerSlug: string;
  serviceName: string;
  transitions: TransitionWithActor[];
  events: Array<typeof bookingEvents.$inferSelect>;
  payments: PaymentRow[];
  refunds: RefundRow[];
  disputes: DisputeRow[];
  ledger: LedgerEntryRow[];
  payout: PayoutRow | null;
  emails: Array<{ id: string; kind: string; toAddress: string; subject: string; status: string; attempts: number; lastError: string | null; createdAt: Date; sentAt: Date | null }>;
}

export async function bookingHistory(db: Queryable, code: string): Promise<BookingHistory | null> {
  const [head] = await db
    .select({ booking: bookings, providerName: providers.displayName, providerSlug: providers.slug, serviceName: services.name })
    .from(bookings)
    .innerJoin(providers, eq(providers.id, bookings.providerId))
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(eq(sql`upper(${bookings.confirmationCode})`, code.trim().toUpperCase()))
    .limit(1);
  if (!head) return null;
  const id = head.booking.id;
  const [transitions, events, paymentRows, refundRows, disputeRows, ledger, payout, emails] = await Promise.all([
    db
      .select({
        id: bookingStateTransitions.id,
        fromStatus: bookingStateTransitions.fromStatus,
        toStatus: bookingStateTransitions.toStatus,
        actorType: bookingStateTransitions.actorType,
        actorId: bookingStateTransitions.actorId,
        actorName: users.name,
        actorEmail: users.email,
        reason: bookingStateTransitions.reason,
        metadata: bookingStateTransitions.metadata,
        createdAt: bookingStateTransitions.createdAt,
      })
      .from(bookingStateTransitions)
      // actor_id is free text (a user id, or null for system and token-only guests): compare as text.
      .leftJoin(users, sql`${users.id}::text = ${bookingStateTransitions.actorId}`)
      .where(eq(bookingStateTransitions.bookingId, id))
      .orderBy(asc(bookingStateTransitions.id)),
    db.select().from(bookingEvents).where(eq(bookingEvents.bookingId, id)).orderBy(asc(bookingEvents.id)),
    paymentsForBooking(db, id),
    refundsForBooking(db, id),
    disputesForBooking(db, id),
    entriesForBooking(db, id),
    db.select().from(payoutSchedules).where(eq(payoutSchedules.bookingId, id)).limit(1),
    db
      .select({
        id: emailOutbox.id,
        kind: emailOutbox.kind,
        toAddress: emailOutbox.toAddress,
        subject: emailOutbox.subject,
        status: emailOutbox.status,
        attempts: emailOutbox.attempts,
        lastError: emailOutbox.lastError,
        createdAt: emailOutbox.createdAt,
        sentAt: emailOutbox.sentAt,
      })
      .from(emailOutbox)
      .where(eq(emailOutbox.bookingId, id))
      .orderBy(asc(emailOutbox.createdAt)),
  ]);
  return {
    booking: head.booking,
    providerName: head.providerName,
    providerSlug: head.providerSlug,
    serviceName: head.serviceName,
    transitions,
    events,
    payments: paymentRows,
    refunds: refundRows,
    disputes: disputeRows,
    ledger,
    payout: payout[0] ?? null,
    emails,
  };
}

// ---------------------------------------------------------------------------------------------
// Payouts

export const PAYOUT_TABS = ["due", "upcoming", "failed", "paid"] as const;
export type PayoutTab = (typeof PAYOUT_TABS)[number];

export interface AdminPayoutRow extends PayoutRow {
  providerName: string;
  confirmationCode: string | null;
}

/**
 * due: waiting to be transferred now (scheduled and payable, or being processed); upcoming: still in
 * escrow; failed: out of attempts, an admin decides; paid. Due and upcoming are oldest first (next to
 * act on), failed and paid newest first.
 */
export async function payoutsForTab(db: Queryable, tab: PayoutTab, now: Date = new Date(), limit = 200): Promise<AdminPayoutRow[]> {
  let rows: PayoutRow[];
  if (tab === "due" || tab === "upcoming") {
    // Filtered and ordered in SQL (index payout_schedules_due_idx on status, payable_at), so the
    // oldest due rows are never cut off by a limit however many are upcoming.
    const scheduled = eq(payoutSchedules.status, "scheduled");
    const where =
      tab === "due"
        ? or(and(scheduled, lte(payoutSchedules.payableAt, now)), eq(payoutSchedules.status, "processing"))
        : and(scheduled, gt(payoutSchedules.payableAt, now));
    rows = await db.select().from(payoutSchedules).where(where).orderBy(asc(payoutSchedules.payableAt)).limit(limit);
  } else {
    rows = await listPayouts(db, { status: tab, limit });
    if (tab === "failed") rows.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  }
  return withNames(db, rows);
}

async function withNames(db: Queryable, rows: PayoutRow[]): Promise<AdminPayoutRow[]> {
  if (rows.length === 0) return [];
  const providerIds = [...new Set(rows.map((r) => r.providerId))];
  const bookingIds = [...new Set(rows.map((r) => r.bookingId).filter((id): id is string => id !== null))];
  const [names, codes] = await Promise.all([
    db.select({ id: providers.id, name: providers.displayName }).from(providers).where(inArray(providers.id, providerIds)),
    bookingIds.length
      ? db.select({ id: bookings.id, code: bookings.confirmationCode }).from(bookings).where(inArray(bookings.id, bookingIds))
      : Promise.resolve([]),
  ]);
  const nameOf = new Map(names.map((n) => [n.id, n.name] as const));
  const codeOf = new Map(codes.map((c) => [c.id, c.code] as const));
  return rows.map((r) => ({ ...r, providerName: nameOf.get(r.providerId) ?? r.providerId, confirmationCode: r.bookingId ? (codeOf.get(r.bookingId) ?? null) : null }));
}

/** How many payouts each tab holds, for the tab labels. */
export async function payoutTabCounts(db: Queryable, now: Date = new Date()): Promise<Record<PayoutTab, number>> {
  const [row] = await db
    .select({
      due: sql<string>`count(*) filter (where (${payoutSchedules.status} = 'scheduled' and ${payoutSchedules.payableAt} <= ${now.toISOString()}::timestamptz) or ${payoutSchedules.status} = 'processing')`,
      upcoming: sql<string>`count(*) filter (where ${payoutSchedules.status} = 'scheduled' and ${payoutSchedules.payableAt} > ${now.toISOString()}::timestamptz)`,
      failed: sql<string>`count(*) filter (where ${payoutSchedules.status} = 'failed')`,
      paid: sql<string>`count(*) filter (where ${payoutSchedules.status} = 'paid')`,
    })
    .from(payoutSchedules);
  return { due: Number(row?.due ?? 0), upcoming: Number(row?.upcoming ?? 0), failed: Number(row?.failed ?? 0), paid: Number(row?.paid ?? 0) };
}

export interface AdminDiscrepancyRow extends DiscrepancyRow {
  confirmationCode: string | null;
  providerName: string | null;
}

/** Open discrepancies first (newest first), then recently resolved ones. */
export async function discrepanciesForAdmin(db: Queryable, limit = 200): Promise<AdminDiscrepancyRow[]> {
  const [open, all] = await Promise.all([listDiscrepancies(db, { limit }), listDiscrepancies(db, { includeResolved: true, limit: 50 })]);
  const resolved = all.filter((d) => d.resolvedAt !== null);
  const rows = [...open, ...resolved].slice(0, limit);
  if (rows.length === 0) return [];
  const bookingIds = [...new Set(rows.map((r) => r.bookingId).filter((id): id is string => id !== null))];
  const providerIds = [...new Set(rows.map((r) => r.providerId).filter((id): id is string => id !== null))];
  const [codes, names] = await Promise.all([
    bookingIds.length ? db.select({ id: bookings.id, code: bookings.confirmationCode }).from(bookings).where(inArray(bookings.id, bookingIds)) : Promise.resolve([]),
    providerIds.length ? db.select({ id: providers.id, name: providers.displayName }).from(providers).where(inArray(providers.id, providerIds)) : Promise.resolve([]),
  ]);
  const codeOf = new Map(codes.map((c) => [c.id, c.code] as const));
  const nameOf = new Map(names.map((n) => [n.id, n.name] as const));
  return rows.map((r) => ({
    ...r,
    confirmationCode: r.bookingId ? (codeOf.get(r.bookingId) ?? null) : null,
    providerName: r.providerId ? (nameOf.get(r.providerId) ?? null) : null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Provider stats (materialized view, refreshed by the housekeeping cron)

export interface ProviderStatsRow {
  providerId: string;
  providerName: string;
  providerSlug: string;
  /** The currency of the provider's services (the view sums amounts without one). */
  currency: string | null;
  completedBookings: number;
  upcomingBookings: number;
  cancelledBookings: number;
  noShowBookings: number;
  totalBookings: number;
  grossAmount: number;
  platformFeeAmount: number;
  recentBookings: number;
  lastBookingAt: Date | null;
  refreshedAt: Date;
}

export async function providerStats(db: Queryable, limit = 100): Promise<ProviderStatsRow[]> {
  return db
    .select({
      providerId: providerBookingStats.providerId,
      providerName: providers.displayName,
      providerSlug: providers.slug,
      currency: sql<string | null>`(select min(${services.currency}) from ${services} where ${services.providerId} = ${providers.id})`,
      completedBookings: providerBookingStats.completedBookings,
      upcomingBookings: providerBookingStats.upcomingBookings,
      cancelledBookings: providerBookingStats.cancelledBookings,
      noShowBookings: providerBookingStats.noShowBookings,
      totalBookings: providerBookingStats.totalBookings,
      grossAmount: providerBookingStats.grossAmount,
      platformFeeAmount: providerBookingStats.platformFeeAmount,
      recentBookings: providerBookingStats.recentBookings,
      lastBookingAt: providerBookingStats.lastBookingAt,
      refreshedAt: providerBookingStats.refreshedAt,
    })
    .from(providerBookingStats)
    .innerJoin(providers, eq(providers.id, providerBookingStats.providerId))
    .orderBy(desc(providerBookingStats.grossAmount), asc(providers.displayName))
    .limit(limit);
}

/** The admin dashboard's head counts and the latest cron runs. */
export async function platformOverview(db: Queryable, runLimit = 20) {
  const [[userCount], [providerCount], [bookingCount], runs] = await Promise.all([
    db.select({ n: count() }).from(users),
    db.select({ n: count() }).from(providers),
    db.select({ n: count() }).from(bookings),
    db.select().from(jobRuns).orderBy(desc(jobRuns.startedAt)).limit(runLimit),
  ]);
  return { counts: { users: userCount?.n ?? 0, providers: providerCount?.n ?? 0, bookings: bookingCount?.n ?? 0 }, runs };
}

/** The newest mail in the outbox, for the development mailbox. */
export function recentOutboxMail(db: Queryable, limit = 100) {
  return db.select().from(emailOutbox).orderBy(desc(emailOutbox.createdAt)).limit(limit);
}

export interface AttentionCounts {
  /** Payments that failed in the last 7 days (the customer may still retry while the time is held). */
  failedPayments: number;
  openDisputes: number;
  /** Confirmation codes of up to 5 bookings with an open dispute, newest dispute first. */
  disputedCodes: string[];
  /** Approval requests whose deadline is within the next 6 hours: they expire unless the provider answers. */
  approvalsExpiringSoon: number;
  failedPayouts: number;
  /** Cron runs that ended in an error in the last 24 hours. */
  failedJobs: number;
}

/** What an admin should look at now, counted in one statement (each count uses an index). */
export async function attentionCounts(db: Queryable, now: Date): Promise<AttentionCounts> {
  const at = Temporal.Instant.fromEpochMilliseconds(now.getTime());
  const asDate = (instant: Temporal.Instant) => new Date(instant.epochMilliseconds);
  const weekAgo = asDate(at.subtract({ hours: 7 * 24 }));
  const dayAgo = asDate(at.subtract({ hours: 24 }));
  const soon = asDate(at.add({ hours: 6 }));
  const open = sql.join(OPEN_DISPUTE_STATUSES.map((status) => sql`${status}`), sql`, `);
  const result = await db.execute<{ failed_payments: string; open_disputes: string; approvals: string; failed_payouts: string; failed_jobs: string; disputed_codes: string[] | null }>(sql`
    select
      (select count(*) from bookings where status = 'payment_failed' and updated_at >= ${weekAgo})::text as failed_payments,
      (select count(*) from disputes where status in (${open}))::text as open_disputes,
      (select count(*) from bookings where status = 'awaiting_approval' and expires_at < ${soon})::text as approvals,
      (select count(*) from payout_schedules where status = 'failed')::text as failed_payouts,
      (select count(*) from job_runs where outcome = 'error' and started_at >= ${dayAgo})::text as failed_jobs,
      (select array_agg(code) from (
        select b.confirmation_code as code from disputes d join bookings b on b.id = d.booking_id
        where d.status in (${open})
        order by d.created_at desc limit 5) open) as disputed_codes`);
  const row = result.rows[0]!;
  return {
    failedPayments: Number(row.failed_payments),
    openDisputes: Number(row.open_disputes),
    disputedCodes: row.disputed_codes ?? [],
    approvalsExpiringSoon: Number(row.approvals),
    failedPayouts: Number(row.failed_payouts),
    failedJobs: Number(row.failed_jobs),
  };
}
