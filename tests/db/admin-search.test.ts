// The admin bookings search against real Postgres: what it finds, and that its substring and prefix
// filters can use the trigram indexes (so it does not read every booking as the table grows).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchBookings } from "../../db/queries/admin";
import { bookings, users } from "../../db/schema";
import { bookingRowFor, createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";

const handle = openTestDatabase();
const db = handle.db;
let fixture: ProviderFixture;
const tag = unique("srch").replace(/[^a-z0-9]/gi, "").toLowerCase();

beforeAll(async () => {
  fixture = await createProviderFixture(db);
  const [customer] = await db.insert(users).values({ email: `${tag}@example.test`, name: "Searcher", role: "customer" }).returning();
  await db.insert(bookings).values(
    [0, 1, 2].map((i) =>
      bookingRowFor({ ...fixture }, localInstant(fixture.timeZone, 3 + i, "10:00"), 60, {
        confirmationCode: `${tag.slice(-4).toUpperCase()}-00${i}${i}`,
        idempotencyKey: `${tag}-${i}`,
        requestHash: "test",
        customerId: customer!.id,
        customerEmail: i === 1 ? `Someone.${tag}@Example.test` : `other-${i}-${tag}@example.test`,
        status: "confirmed",
      }),
    ),
  );
});
afterAll(() => handle.close());

describe("admin booking search", () => {
  it("finds by any part of the email (case-insensitive, % and _ literal) and by code prefix", async () => {
    expect((await searchBookings(db, { email: `one.${tag}@example` })).rows.map((r) => r.customerEmail)).toEqual([`Someone.${tag}@Example.test`]);
    expect((await searchBookings(db, { email: `%${tag}` })).rows).toEqual([]);
    const byCode = await searchBookings(db, { code: `${tag.slice(-4)}-001` });
    expect(byCode.rows.map((r) => r.confirmationCode)).toEqual([`${tag.slice(-4).toUpperCase()}-0011`]);
  });

  it("uses the trigram indexes for the email substring and the code prefix", async () => {
    const plan = (query: ReturnType<typeof sql>) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`); // as on a large table, where a scan would lose
        const result = await tx.execute<{ "QUERY PLAN": string }>(sql`explain ${query}`);
        return result.rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    expect(await plan(sql`select id from bookings where customer_email ilike ${`%${tag}%`}`)).toContain("bookings_email_trgm_idx");
    expect(await plan(sql`select id from bookings where upper(confirmation_code) like ${`${tag.slice(-4).toUpperCase()}-0%`}`)).toContain("bookings_code_trgm_idx");
  });
});
