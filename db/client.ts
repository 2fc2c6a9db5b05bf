// One way to reach Postgres from every runtime: the Neon serverless driver (Postgres over WebSocket),
// wrapped by drizzle. In production DATABASE_URL points at Neon; locally NEON_WS_PROXY names the
// WebSocket-to-TCP proxy in front of the embedded Postgres (scripts/lib/neon-ws-proxy.ts).
//
// On Workers a socket cannot outlive the request that opened it, so a pool is created per request
// (lazily, on first use) and ended when the request is done: see openRequestDatabase().
import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema";

export type Database = NeonDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Database | Transaction;

let configuredProxy: string | undefined;

/** Points the driver at a local proxy (plain ws, no TLS inside the socket) or leaves Neon defaults. */
export function configureNeon(options: { wsProxy?: string; webSocketConstructor?: unknown }) {
  if (options.webSocketConstructor) neonConfig.webSocketConstructor = options.webSocketConstructor as typeof WebSocket;
  if (!options.wsProxy || options.wsProxy === configuredProxy) return;
  const proxy = options.wsProxy;
  neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  // As Neon does: startup, cleartext password and first query in one flight (the local Postgres asks
  // for a cleartext password, scripts/lib/local-postgres.ts).
  neonConfig.pipelineConnect = "password";
  configuredProxy = proxy;
}

export interface DatabaseHandle {
  readonly db: Database;
  /** Whether `db` was used (a pool exists): a request that never touched Postgres opened nothing. */
  readonly opened: boolean;
  close(): Promise<void>;
}

/**
 * A pool that lives as long as one request. `db` connects on first use, so requests that never touch
 * Postgres (static pages, the DO's WebSocket upgrade) open nothing.
 */
export function openRequestDatabase(
  config: { DATABASE_URL: string; NEON_WS_PROXY?: string },
  options: { maxConnections?: number } = {},
): DatabaseHandle {
  configureNeon({ wsProxy: config.NEON_WS_PROXY });
  let pool: Pool | undefined;
  let db: Database | undefined;
  let closing = false;
  return {
    get db() {
      if (!db) {
        pool = new Pool({ connectionString: config.DATABASE_URL, max: options.maxConnections ?? 4 });
        // An idle client losing its socket must not crash the isolate. While we end the pool ourselves,
        // "connection lost" is expected and not worth a log line.
        pool.on("error", (error: Error) => {
          if (!closing) console.warn(JSON.stringify({ eventName: "db.pool_error", message: error.message }));
        });
        db = drizzle({ client: pool, schema });
      }
      return db;
    },
    get opened() {
      return pool !== undefined;
    },
    async close() {
      closing = true;
      const open = pool;
      pool = undefined;
      db = undefined;
      await open?.end().catch(() => {});
    },
  };
}

/** Runs `fn` with a database that is closed afterwards, whatever happens (cron jobs, DO calls, scripts). */
export async function withDatabase<T>(
  config: { DATABASE_URL: string; NEON_WS_PROXY?: string },
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const handle = openRequestDatabase(config);
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}
