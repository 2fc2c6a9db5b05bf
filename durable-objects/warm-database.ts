// A Postgres connection a Durable Object keeps between its requests. A Worker may not carry a socket
// from one request into the next, but a Durable Object's requests share one I/O context, so the
// object can reuse the connection it opened for the previous request and skip the WebSocket, startup
// and auth round trips that dominate a short query. It is closed after `idleMs` without a query:
// an open socket would keep the object in memory and stop hibernation, and a provider nobody is
// booking should not hold a Postgres connection.
//
// docs/decisions/0005-hot-paths-in-the-provider-object.md has the measurements and the production path.
import { Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { configureNeon, type Database } from "../db/client";
import * as schema from "../db/schema";

export const WARM_IDLE_MS = 5_000;

export interface WarmDatabaseOptions {
  /** Idle time after which the connection is closed (the object may then hibernate). */
  idleMs?: number;
  /** Connections at most: a few, so concurrent bookings do not queue behind one transaction. */
  maxConnections?: number;
}

export class WarmDatabase {
  private pool: Pool | undefined;
  private database: Database | undefined;
  private readonly idleMs: number;
  private readonly maxConnections: number;
  /** Connections opened over the object's life (each costs a WebSocket, startup and authentication). */
  opened = 0;

  constructor(
    private readonly config: { DATABASE_URL: string; NEON_WS_PROXY?: string },
    options: WarmDatabaseOptions = {},
  ) {
    this.idleMs = options.idleMs ?? WARM_IDLE_MS;
    this.maxConnections = options.maxConnections ?? 4;
  }

  /** The database; connects on first use and again after an idle close or a lost connection. */
  get db(): Database {
    if (this.database) return this.database;
    configureNeon({ wsProxy: this.config.NEON_WS_PROXY });
    // pg-pool closes a client that stayed idle for idleTimeoutMillis; an empty pool holds no socket
    // and no timer, so the object can hibernate.
    const pool = new Pool({ connectionString: this.config.DATABASE_URL, max: this.maxConnections, idleTimeoutMillis: this.idleMs });
    // An idle client whose socket went away (closed after idleMs, Postgres restarted) is dropped by the
    // pool itself, which connects afresh next time. The pool is never ended here: requests may be
    // queued on it, and their promises would never settle.
    pool.on("error", (error: Error) => {
      if (!/connection lost|terminat|closed/i.test(error.message)) console.warn(JSON.stringify({ eventName: "db.warm_pool_error", message: error.message }));
    });
    pool.on("connect", () => {
      this.opened++;
    });
    this.pool = pool;
    this.database = drizzle({ client: pool, schema });
    return this.database;
  }

  /** Open connections right now (idle or busy): what the hibernation test looks at. */
  get openConnections(): number {
    return this.pool?.totalCount ?? 0;
  }

  /** Runs `fn` on the warm database (a broken connection is replaced by the pool on the next query). */
  async run<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    return fn(this.db);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.database = undefined;
    await pool?.end().catch(() => {});
  }
}
