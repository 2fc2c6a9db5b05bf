// Ledger rows: posting entry sets (domain/ledger.ts builds and checks them) and reading them back.
// Posting is idempotent: every line of a set carries the set's idempotency key and the unique index
// (idempotency_key, account) turns a second posting of the same business event into a no-op.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { assertBalanced, providerBalancesFrom, type EntrySet, type PostedLine, type ProviderBalance } from "../../domain/ledger";
import type { Queryable, Transaction } from "../client";
import { ledgerEntries } from "../schema";

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;

/**
 * Writes one entry set under one transaction id. Returns false when the set was posted before.
 * Must run inside a transaction when the caller combines it with other writes (it usually does).
 */
export async function postEntrySet(tx: Queryable, set: EntrySet | null): Promise<boolean> {
  if (!set) return false;
  assertBalanced(set);
  const transactionId = crypto.randomUUID();
  const inserted = await tx
    .insert(ledgerEntries)
    .values(
      set.lines.map((line) => ({
        transactionId,
        kind: set.kind,
        account: line.account,
        bookingId: set.bookingId,
        providerId: set.providerId,
        currency: set.currency,
        amount: line.amount,
        idempotencyKey: set.idempotencyKey,
      })),
    )
    .onConflictDoNothing({ target: [ledgerEntries.idempotencyKey, ledgerEntries.account] })
    .returning({ id: ledgerEntries.id });
  if (inserted.length !== 0 && inserted.length !== set.lines.length) {
    // Half a set would unbalance the books: abort the caller's transaction instead.
    throw new Error(`Ledger set ${set.idempotencyKey} was partly posted before (${inserted.length}/${set.lines.length} lines new)`);
  }
  return inserted.length > 0;
}

export async function postEntrySets(tx: Transaction, sets: Array<EntrySet | null>): Promise<number> {
  let posted = 0;
  for (const set of sets) if (await postEntrySet(tx, set)) posted++;
  return posted;
}

export async function hasEntrySet(db: Queryable, idempotencyKey: string): Promise<boolean> {
  const [row] = await db.select({ id: ledgerEntries.id }).from(ledgerEntries).where(eq(ledgerEntries.idempotencyKey, idempotencyKey)).limit(1);
  return row !== undefined;
}

export async function entriesForBooking(db: Queryable, bookingId: string): Promise<LedgerEntryRow[]> {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.bookingId, bookingId)).orderBy(asc(ledgerEntries.id));
}

export async function entriesForBookings(db: Queryable, bookingIds: string[]): Promise<LedgerEntryRow[]> {
  if (bookingIds.length === 0) return [];
  return db.select().from(ledgerEntries).where(inArray(ledgerEntries.bookingId, bookingIds)).orderBy(asc(ledgerEntries.id));
}

/** Balance of one account (all bookings), in one currency: debit positive. */
export async function accountBalance(db: Queryable, account: string, currency: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.account, account), eq(ledgerEntries.currency, currency)));
  return Number(row?.total ?? 0);
}

/** Balance of one account restricted to one booking's entries. */
export async function bookingAccountBalance(db: Queryable, bookingId: string, account: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.bookingId, bookingId), eq(ledgerEntries.account, account)));
  return Number(row?.total ?? 0);
}

/** Sum of lines of one kind on one account for a booking (e.g. everything refunded). */
export async function bookingKindTotal(db: Queryable, bookingId: string, kind: string, account: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.bookingId, bookingId), eq(ledgerEntries.kind, kind), eq(ledgerEntries.account, account)));
  return Number(row?.total ?? 0);
}

/**
 * A provider's escrowed / payable / paid / owed-back amounts per currency: the lines posted with the
 * provider's id, aggregated per (account, kind, currency) in SQL, folded by the pure domain function.
 */
export async function providerBalances(db: Queryable, providerId: string): Promise<ProviderBalance[]> {
  const rows = await db
    .select({
      account: ledgerEntries.account,
      kind: ledgerEntries.kind,
      currency: ledgerEntries.currency,
      amount: sql<string>`sum(${ledgerEntries.amount})`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.providerId, providerId))
    .groupBy(ledgerEntries.account, ledgerEntries.kind, ledgerEntries.currency);
  const lines: PostedLine[] = rows.map((r) => ({ account: r.account, kind: r.kind, currency: r.currency, amount: Number(r.amount) }));
  return providerBalancesFrom(providerId, lines);
}

/** Owed-back (receivable) balance of a provider in one currency. */
export async function providerReceivable(db: Queryable, providerId: string, currency: string): Promise<number> {
  return accountBalance(db, `provider:${providerId}:receivable`, currency);
}

// ---------------------------------------------------------------------------------------------
// Integrity checks (reconciliation)

export interface UnbalancedGroup {
  key: string;
  currency: string;
  total: number;
}

/** Transactions (entry sets) whose lines do not sum to zero. */
export async function unbalancedTransactions(db: Queryable, bookingIds?: string[]): Promise<UnbalancedGroup[]> {
  const rows = await db
    .select({
      key: sql<string>`${ledgerEntries.transactionId}::text`,
      currency: ledgerEntries.currency,
      total: sql<string>`sum(${ledgerEntries.amount})`,
    })
    .from(ledgerEntries)
    .where(bookingIds ? inArray(ledgerEntries.bookingId, bookingIds.length ? bookingIds : ["00000000-0000-0000-0000-000000000000"]) : undefined)
    .groupBy(ledgerEntries.transactionId, ledgerEntries.currency)
    .having(sql`sum(${ledgerEntries.amount}) <> 0`);
  return rows.map((r) => ({ key: r.key, currency: r.currency, total: Number(r.total) }));
}

/** Bookings whose ledger lines do not sum to zero. */
export async function unbalancedBookings(db: Queryable, bookingIds?: string[]): Promise<UnbalancedGroup[]> {
  const rows = await db
    .select({
      key: sql<string>`${ledgerEntries.bookingId}::text`,
      currency: ledgerEntries.currency,
      total: sql<string>`sum(${ledgerEntries.amount})`,
    })
    .from(ledgerEntries)
    .where(
      bookingIds
        ? inArray(ledgerEntries.bookingId, bookingIds.length ? bookingIds : ["00000000-0000-0000-0000-000000000000"])
        : sql`${ledgerEntries.bookingId} is not null`,
    )
    .groupBy(ledgerEntries.bookingId, ledgerEntries.currency)
    .having(sql`sum(${ledgerEntries.amount}) <> 0`);
  return rows.map((r) => ({ key: r.key, currency: r.currency, total: Number(r.total) }));
}
