// The provider object's SQLite storage (ctx.storage.sql): holds, remembered expiries, the mirror of
// booked intervals and the event log with its sequence counter. Synchronous by design: SQLite calls in
// a Durable Object do not yield, so a check followed by a write with no `await` between them cannot
// interleave with another request. Instants are stored as epoch milliseconds (integers compare fast
// and index well); Temporal values exist only at the domain boundary.
import { Temporal } from "@js-temporal/polyfill";
import type { Hold } from "../domain/holds";
import type { BookingDetails, FeedEvent, NewFeedEvent } from "./live-messages";

/** Replay log length per provider; older events are answered with a snapshot instead. */
export const EVENT_LOG_SIZE = 500;
/** Expired holds are remembered this long so a late extend/release says EXPIRED, not NOT_FOUND. */
const TOMBSTONE_MS = 24 * 3600_000;
/** Past bookings no longer matter for holds; the mirror keeps a week for late cancellations. */
const MIRROR_RETENTION_MS = 7 * 24 * 3600_000;

export interface HoldRow {
  id: string;
  holder: string;
  service_id: string;
  start_ms: number;
  end_ms: number;
  occupied_from_ms: number;
  occupied_until_ms: number;
  expires_at_ms: number;
  created_at_ms: number;
  /** Hash of the client's network address (ClientBudget's name); null for holds made before it existed. */
  client_key: string | null;
  /** Last time a page showed this hold to its holder: a release sent by an older page loses to it. */
  touched_at_ms: number;
  [key: string]: SqlStorageValue;
}

export interface BookedRow {
  booking_id: string;
  start_ms: number;
  end_ms: number;
  occupied_from_ms: number;
  occupied_until_ms: number;
  details: string;
  [key: string]: SqlStorageValue;
}

export interface BookedInterval {
  bookingId: string;
  startMs: number;
  endMs: number;
  occupiedFromMs: number;
  occupiedUntilMs: number;
  details: BookingDetails;
}

const instant = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms);

/** 2030-03-04T10:00:00Z (milliseconds only when present), like Temporal.Instant#toString but cheap. */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

export function holdFromRow(row: HoldRow): Hold {
  return {
    id: row.id,
    holder: row.holder,
    clientKey: row.client_key,
    serviceId: row.service_id,
    slot: { start: instant(row.start_ms), end: instant(row.end_ms) },
    occupied: { start: instant(row.occupied_from_ms), end: instant(row.occupied_until_ms) },
    expiresAt: instant(row.expires_at_ms),
  };
}

// Append-only list: entry i brings the schema from version i to i + 1.
const MIGRATIONS: string[][] = [
  [
    // The skeleton created an unused `holds` table with another shape; nothing ever wrote to it.
    `DROP TABLE IF EXISTS holds`,
    `CREATE TABLE holds (
      id TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      service_id TEXT NOT NULL,
      start_ms INTEGER NOT NULL,
      end_ms INTEGER NOT NULL,
      occupied_from_ms INTEGER NOT NULL,
      occupied_until_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      created_at_ms INTEGER NOT NULL
    )`,
    `CREATE INDEX holds_expires_idx ON holds (expires_at_ms)`,
    `CREATE INDEX holds_occupied_idx ON holds (occupied_from_ms, occupied_until_ms)`,
    `CREATE INDEX holds_holder_idx ON holds (holder)`,
    `CREATE TABLE hold_tombstones (id TEXT PRIMARY KEY, holder TEXT NOT NULL, expired_at_ms INTEGER NOT NULL)`,
    `CREATE TABLE booked (
      booking_id TEXT PRIMARY KEY,
      start_ms INTEGER NOT NULL,
      end_ms INTEGER NOT NULL,
      occupied_from_ms INTEGER NOT NULL,
      occupied_until_ms INTEGER NOT NULL,
      details TEXT NOT NULL
    )`,
    `CREATE INDEX booked_occupied_idx ON booked (occupied_from_ms, occupied_until_ms)`,
    `CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)`,
  ],
  [
    // Per-client hold limits (client_key) and "a newer page view wins over an older page's release".
    `ALTER TABLE holds ADD COLUMN client_key TEXT`,
    `ALTER TABLE holds ADD COLUMN touched_at_ms INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX holds_client_idx ON holds (client_key)`,
  ],
];

function bookedFromRow(r: BookedRow): BookedInterval {
  return {
    bookingId: r.booking_id,
    startMs: r.start_ms,
    endMs: r.end_ms,
    occupiedFromMs: r.occupied_from_ms,
    occupiedUntilMs: r.occupied_until_ms,
    details: JSON.parse(r.details) as BookingDetails,
  };
}

export class ScheduleStore {
  /** min(expires_at_ms) of holds; undefined = not known (every write to holds forgets it). */
  private earliestExpiry: number | null | undefined;

  constructor(private readonly sql: SqlStorage) {
    this.migrate();
  }

  private migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    let version = Number(this.getMeta("schema_version") ?? "0");
    while (version < MIGRATIONS.length) {
      for (const statement of MIGRATIONS[version]!) this.sql.exec(statement);
      version++;
      this.setMeta("schema_version", String(version));
    }
  }

  getMeta(key: string): string | undefined {
    const rows = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray();
    return rows[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }

  // -------------------------------------------------------------------------------------------
  // Holds

  liveHoldCount(nowMs: number): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM holds WHERE expires_at_ms > ?`, nowMs).one().n;
  }

  /** Live holds with this holder token or (when given) this client key, anywhere in time. */
  liveHoldsOwnedBy(holder: string, clientKey: string | null, nowMs: number): HoldRow[] {
    return this.sql
      .exec<HoldRow>(`SELECT * FROM holds WHERE expires_at_ms > ? AND (holder = ? OR (? IS NOT NULL AND client_key = ?))`, nowMs, holder, clientKey, clientKey)
      .toArray();
  }

  /** Live holds whose occupied interval overlaps [fromMs, untilMs) (null = unbounded). */
  liveHoldsOverlapping(fromMs: number | null, untilMs: number | null, nowMs: number): HoldRow[] {
    return this.sql
      .exec<HoldRow>(
        `SELECT * FROM holds WHERE expires_at_ms > ? AND (? IS NULL OR occupied_from_ms < ?) AND (? IS NULL OR occupied_until_ms > ?)
         ORDER BY occupied_from_ms`,
        nowMs,
        untilMs,
        untilMs,
        fromMs,
        fromMs,
      )
      .toArray();
  }

  getHold(id: string): HoldRow | undefined {
    return this.sql.exec<HoldRow>(`SELECT * FROM holds WHERE id = ?`, id).toArray()[0];
  }

  getTombstone(id: string): { holder: string; expired_at_ms: number } | undefined {
    return this.sql
      .exec<{ holder: string; expired_at_ms: number }>(`SELECT holder, expired_at_ms FROM hold_tombstones WHERE id = ?`, id)
      .toArray()[0];
  }

  insertHold(row: HoldRow): void {
    this.earliestExpiry = undefined;
    this.sql.exec(
      `INSERT INTO holds (id, holder, service_id, start_ms, end_ms, occupied_from_ms, occupied_until_ms, expires_at_ms, created_at_ms, client_key, touched_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.holder,
      row.service_id,
      row.start_ms,
      row.end_ms,
      row.occupied_from_ms,
      row.occupied_until_ms,
      row.expires_at_ms,
      row.created_at_ms,
      row.client_key,
      row.touched_at_ms,
    );
  }

  touchHold(id: string, nowMs: number): void {
    this.sql.exec(`UPDATE holds SET touched_at_ms = ? WHERE id = ?`, nowMs, id);
  }

  setHoldExpiry(id: string, expiresAtMs: number): void {
    this.earliestExpiry = undefined;
    this.sql.exec(`UPDATE holds SET expires_at_ms = ? WHERE id = ?`, expiresAtMs, id);
  }

  deleteHold(id: string): void {
    this.earliestExpiry = undefined;
    this.sql.exec(`DELETE FROM holds WHERE id = ?`, id);
  }

  /** Removes holds expired at `nowMs`, remembers them as tombstones, and returns them. */
  takeExpiredHolds(nowMs: number): HoldRow[] {
    // Every hold, hold lookup and booking sweeps first; most find nothing due, and know it without a query.
    const earliest = this.earliestExpiryMs();
    if (earliest === null || nowMs < earliest) return [];
    this.earliestExpiry = undefined;
    const expired = this.sql.exec<HoldRow>(`SELECT * FROM holds WHERE expires_at_ms <= ? ORDER BY expires_at_ms, id`, nowMs).toArray();
    for (const row of expired) {
      this.sql.exec(`DELETE FROM holds WHERE id = ?`, row.id);
      this.sql.exec(
        `INSERT INTO hold_tombstones (id, holder, expired_at_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        row.id,
        row.holder,
        row.expires_at_ms,
      );
    }
    return expired;
  }

  /** Forget the remembered earliest expiry: the next sweep reads the table (the alarm's backstop). */
  forgetEarliestExpiry(): void {
    this.earliestExpiry = undefined;
  }

  /** The earliest expiry among stored holds (null: none), remembered until a write to holds changes it. */
  earliestExpiryMs(): number | null {
    if (this.earliestExpiry === undefined) {
      this.earliestExpiry = this.sql.exec<{ t: number | null }>(`SELECT min(expires_at_ms) AS t FROM holds`).one().t;
    }
    return this.earliestExpiry;
  }

  /** Housekeeping for the alarm: old tombstones and bookings long past. */
  prune(nowMs: number): void {
    this.sql.exec(`DELETE FROM hold_tombstones WHERE expired_at_ms < ?`, nowMs - TOMBSTONE_MS);
    this.sql.exec(`DELETE FROM booked WHERE occupied_until_ms < ?`, nowMs - MIRROR_RETENTION_MS);
  }

  // -------------------------------------------------------------------------------------------
  // Mirror of booked intervals (occupying bookings only)

  upsertBooked(b: BookedInterval): void {
    this.sql.exec(
      `INSERT INTO booked (booking_id, start_ms, end_ms, occupied_from_ms, occupied_until_ms, details) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (booking_id) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,
         occupied_from_ms = excluded.occupied_from_ms, occupied_until_ms = excluded.occupied_until_ms, details = excluded.details`,
      b.bookingId,
      b.startMs,
      b.endMs,
      b.occupiedFromMs,
      b.occupiedUntilMs,
      JSON.stringify(b.details),
    );
  }

  deleteBooked(bookingId: string): void {
    this.sql.exec(`DELETE FROM booked WHERE booking_id = ?`, bookingId);
  }

  bookedById(bookingId: string): BookedInterval | undefined {
    const row = this.sql.exec<BookedRow>(`SELECT * FROM booked WHERE booking_id = ?`, bookingId).toArray()[0];
    return row ? bookedFromRow(row) : undefined;
  }

  bookedOverlapping(fromMs: number | null, untilMs: number | null): BookedInterval[] {
    return this.sql
      .exec<BookedRow>(
        `SELECT * FROM booked WHERE (? IS NULL OR occupied_from_ms < ?) AND (? IS NULL OR occupied_until_ms > ?) ORDER BY occupied_from_ms`,
        untilMs,
        untilMs,
        fromMs,
        fromMs,
      )
      .toArray()
      .map(bookedFromRow);
  }

  /**
   * Replaces the mirror's rows ending after `sinceMs` with `rows` (a fresh read of Postgres), except
   * bookings in `skip`: those changed while the read was in flight and the mirror already has
   * something newer than the read.
   */
  replaceBookedAfter(sinceMs: number, rows: BookedInterval[], skip: ReadonlySet<string>): void {
    const keep = new Set(rows.map((r) => r.bookingId));
    for (const { booking_id } of this.sql
      .exec<{ booking_id: string }>(`SELECT booking_id FROM booked WHERE occupied_until_ms > ?`, sinceMs)
      .toArray()) {
      if (!keep.has(booking_id) && !skip.has(booking_id)) this.deleteBooked(booking_id);
    }
    for (const row of rows) if (!skip.has(row.bookingId)) this.upsertBooked(row);
  }

  // -------------------------------------------------------------------------------------------
  // Event log

  lastSeq(): number {
    return Number(this.getMeta("seq") ?? "0");
  }

  /** Gives the event the next seq (persisted, so it keeps increasing across restarts), stores it, trims the log. */
  appendEvent(event: NewFeedEvent): FeedEvent {
    const seq = this.lastSeq() + 1;
    const stored = { ...event, seq } as FeedEvent;
    this.setMeta("seq", String(seq));
    this.sql.exec(`INSERT INTO events (seq, payload) VALUES (?, ?)`, seq, JSON.stringify(stored));
    this.sql.exec(`DELETE FROM events WHERE seq <= ?`, seq - EVENT_LOG_SIZE);
    return stored;
  }

  /**
   * Events after `since` in order, or null when the log no longer has all of them (trimmed, or a
   * `since` from the future, e.g. after the object's storage was reset) and a snapshot is needed.
   */
  eventsAfter(since: number): FeedEvent[] | null {
    const last = this.lastSeq();
    if (since > last) return null;
    if (since === last) return [];
    const first = this.sql.exec<{ s: number | null }>(`SELECT min(seq) AS s FROM events`).one().s;
    if (first === null || first > since + 1) return null;
    return this.sql
      .exec<{ payload: string }>(`SELECT payload FROM events WHERE seq > ? ORDER BY seq`, since)
      .toArray()
      .map((r) => JSON.parse(r.payload) as FeedEvent);
  }
}
