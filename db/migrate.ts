// Applies db/migrations (drizzle-kit generated + hand-written steps) to DATABASE_URL.
// `npm run db:migrate` runs this; the dev and test scripts call migrateDatabase() directly.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Serialise concurrent migrators (two dev servers, parallel CI jobs) on one advisory lock.
    await client.query("select pg_advisory_lock(72707369)");
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query("select pg_advisory_unlock(72707369)").catch(() => {});
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set: point it at the Postgres to migrate (npm run dev and npm test set it themselves).");
    process.exit(1);
  }
  await migrateDatabase(url);
  console.log("migrations applied");
}
