// The migrations produce the schema the code relies on, and the SQL-side lists stay equal to the
// domain's (booking statuses, which of them occupy time).
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../db/migrate";
import { BOOKING_STATUSES, OCCUPYING_STATUSES } from "../../domain/booking-states";
import { openTestDatabase, testDatabaseUrl } from "../support/db";

const handle = openTestDatabase();
afterAll(() => handle.close());

describe("migrations", () => {
  it("are idempotent: applying them again changes nothing", async () => {
    await migrateDatabase(testDatabaseUrl().DATABASE_URL);
    const { rows } = await handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  it("install btree_gist and the exclusion constraint over a tstzrange", async () => {
    const { rows } = await handle.db.execute(
      sql`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'bookings_no_overlap'`,
    );
    const def = String(rows[0]?.def);
    expect(def).toMatch(/EXCLUDE USING gist \(provider_id WITH =, tstzrange\(occupied_from, occupied_until, '\[\)'::text\) WITH &&\)/);
    const extensions = await handle.db.execute(sql`select extname from pg_extension where extname = 'btree_gist'`);
    expect(extensions.rows).toHaveLength(1);
    // The constraint's WHERE clause lists exactly the statuses the domain says occupy time.
    const listed = [...def.matchAll(/'([a-z_]+)'::booking_status/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...OCCUPYING_STATUSES].sort());
  });

  it("give the database's booking_status enum exactly the domain's statuses", async () => {
    const { rows } = await handle.db.execute(
      sql`select e.enumlabel as label from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = 'booking_status' order by e.enumsortorder`,
    );
    expect(rows.map((r) => r.label)).toEqual([...BOOKING_STATUSES]);
  });

  it("create the provider_booking_stats materialized view, refreshable concurrently", async () => {
    await handle.db.execute(sql`refresh materialized view concurrently provider_booking_stats`);
    const { rows } = await handle.db.execute(sql`select count(*)::int as n from pg_matviews where matviewname = 'provider_booking_stats'`);
    expect(rows[0]!.n).toBe(1);
  });
});
