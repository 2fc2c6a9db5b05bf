// Where a request's metrics go when the request itself never touched Postgres (the hot paths:
// availability, the slot page, holds). Opening a connection only to insert a few metric rows would
// cost more than the request did, so they are handed to one of a few MetricsSink objects, kept in
// its SQLite and written to Postgres in batches on an alarm, over the object's warm connection.
// A request that did use Postgres still writes its own metrics on its already open connection
// (workers/entry.ts).
import { DurableObject } from "cloudflare:workers";
import { type Env, loadConfig } from "../workers/env";
import { type MetricEvent, recordMetrics } from "../workers/metrics/record";
import { WarmDatabase } from "./warm-database";

/** Sinks the traffic is spread over (idFromName(`metrics:<n>`)). */
export const METRIC_SINK_SHARDS = 4;
/** A batch waits at most this long before it is written. */
const FLUSH_AFTER_MS = 2_000;
/** Rows per insert. */
const BATCH_ROWS = 1_000;
/** After a failed write, try again this much later. */
const RETRY_AFTER_MS = 30_000;
/** Beyond this many buffered rows (Postgres down for long) the oldest are dropped: metrics, not money. */
const MAX_BUFFERED_ROWS = 100_000;

export class MetricsSink extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly warm: WarmDatabase | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)`);
    this.warm = env.DATABASE_URL ? new WarmDatabase(loadConfig(env)) : null;
  }

  /** Buffers events (stamped with their time now, not the time of the write) and schedules a flush. */
  async record(events: MetricEvent[]): Promise<void> {
    const at = new Date().toISOString();
    for (const event of events.slice(0, BATCH_ROWS)) {
      this.sql.exec(`INSERT INTO pending (event) VALUES (?)`, JSON.stringify({ ...event, at: event.at ?? at }));
    }
    this.sql.exec(`DELETE FROM pending WHERE id <= (SELECT MAX(id) FROM pending) - ?`, MAX_BUFFERED_ROWS);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_AFTER_MS);
  }

  /** Rows waiting to be written (ops and tests). */
  async pendingCount(): Promise<number> {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM pending`).one().n;
  }

  override async alarm(): Promise<void> {
    if (!this.warm) {
      this.sql.exec(`DELETE FROM pending`); // nowhere to write them (no Postgres configured)
      return;
    }
    const rows = this.sql.exec<{ id: number; event: string }>(`SELECT id, event FROM pending ORDER BY id LIMIT ?`, BATCH_ROWS).toArray();
    if (rows.length === 0) return;
    const events = rows.map((row) => {
      const parsed = JSON.parse(row.event) as Omit<MetricEvent, "at"> & { at: string };
      return { ...parsed, at: new Date(parsed.at) };
    });
    const written = await this.warm.run((db) => recordMetrics(db, events)).catch(() => false);
    if (!written) {
      await this.ctx.storage.setAlarm(Date.now() + RETRY_AFTER_MS);
      return;
    }
    this.sql.exec(`DELETE FROM pending WHERE id <= ?`, rows[rows.length - 1]!.id);
    if (rows.length === BATCH_ROWS) await this.ctx.storage.setAlarm(Date.now());
  }
}
