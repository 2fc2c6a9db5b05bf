// The availability service against real Postgres: rules, overrides, bookings and holds feed the
// engine; only what intersects the window is loaded, through the exclusion constraint's GiST index,
// so cost follows the window and not the provider's history.
import { Temporal } from "@js-temporal/polyfill";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOccupiedIntervals, loadOverrides, loadWeeklyRules, occupiedIntervalsQuery } from "../../db/queries/availability";
import { availabilityOverrides, availabilityRules, bookings, users } from "../../db/schema";
import { DomainError } from "../../domain/errors";
import { localDateOf, startOfLocalDay } from "../../domain/time";
import { AvailabilityResponseSchema } from "../../workers/api/schemas";
import { getAvailability, resolveWindow } from "../../workers/services/availability";
import { createBooking } from "../../workers/services/create-booking";
import { bookingRowFor, createProviderFixture, localInstant, openTestDatabase, unique, type ProviderFixture } from "../support/db";
import { recordingPort } from "../support/recording-port";

const handle = openTestDatabase(8);
const db = handle.db;
let fixture: ProviderFixture;

beforeAll(async () => {
  fixture = await createProviderFixture(db);
});
afterAll(() => handle.close());

/** [start of the provider-local day `daysAhead`, start of the next one). */
function dayWindow(f: ProviderFixture, daysAhead: number) {
  const date = localDateOf(localInstant(f.timeZone, daysAhead, "12:00"), f.timeZone);
  return { date, from: startOfLocalDay(date, f.timeZone), to: startOfLocalDay(date.add({ days: 1 }), f.timeZone) };
}

const wall = (slots: Array<{ startProvider: string }>) => slots.map((s) => s.startProvider.slice(11, 16));

function historicalRow(f: ProviderFixture, customerId: string, start: Temporal.Instant) {
  return bookingRowFor(f, start, 60, {
    confirmationCode: unique("HIST"),
    idempotencyKey: unique("hist"),
    customerId,
    status: "completed",
    customerName: "H",
    customerEmail: "h@example.test",
  });
}

describe("getAvailability", () => {
  it("offers the grid of the working day, minus booked time and its buffer", async () => {
    const { from, to } = dayWindow(fixture, 5);
    const empty = await getAvailability(db, { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to, customerZone: "Asia/Tokyo" });
    expect(AvailabilityResponseSchema.parse(empty)).toEqual(empty);
    // 09:00–17:00, 60 min + 15 min buffer after, every 30 min → last start 15:30 (ends 16:30, buffer to 16:45).
    expect(wall(empty.slots)).toEqual(["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]);
    expect(empty.slots[0]!.startCustomer).toContain("[Asia/Tokyo]");
    expect(empty).toMatchObject({ timeZone: "Asia/Tokyo", providerTimeZone: fixture.timeZone, durationMinutes: 60 });

    await createBooking(db, {
      body: {
        serviceId: fixture.serviceId,
        providerId: fixture.providerId,
        start: localInstant(fixture.timeZone, 5, "11:00").toString(),
        timeZone: "UTC",
        customer: { name: "A", email: "a@example.test" },
        idempotencyKey: unique("idem"),
      },
    });
    const after = await getAvailability(db, { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to, customerZone: "UTC" });
    // Booked 11:00–12:15: 10:00 (to 11:15) through 12:00 are gone; 12:30 is free again.
    expect(wall(after.slots)).toEqual(["09:00", "09:30", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]);
  });

  it("applies overrides of the window (closed day, special hours) and weekly ranges with a break", async () => {
    const f = await createProviderFixture(db, { timeZone: "Europe/Lisbon", service: { bufferAfterMinutes: 0, slotIntervalMinutes: 60 } });
    const closed = dayWindow(f, 10);
    const special = dayWindow(f, 11);
    const contradictory = dayWindow(f, 12);
    await db.insert(availabilityOverrides).values([
      { providerId: f.providerId, date: closed.date.toString(), reason: "holiday" },
      { providerId: f.providerId, date: special.date.toString(), startTime: "18:00", endTime: "20:00" },
      { providerId: f.providerId, date: special.date.toString(), startTime: "07:00", endTime: "08:00" },
      { providerId: f.providerId, date: contradictory.date.toString(), startTime: "10:00", endTime: "12:00" },
      { providerId: f.providerId, date: contradictory.date.toString() }, // closed wins
    ]);
    const q = (w: { from: Temporal.Instant; to: Temporal.Instant }) =>
      getAvailability(db, { providerId: f.providerId, serviceId: f.serviceId, from: w.from, to: w.to, customerZone: f.timeZone });
    expect((await q(closed)).slots).toEqual([]);
    expect(wall((await q(special)).slots)).toEqual(["07:00", "18:00", "19:00"]);
    expect((await q(contradictory)).slots).toEqual([]);

    // A lunch break on every weekday: two rows per weekday become one rule with two ranges.
    await db.delete(availabilityRules).where(eq(availabilityRules.providerId, f.providerId));
    await db.insert(availabilityRules).values(
      [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
        { providerId: f.providerId, weekday, startTime: "13:00", endTime: "15:00" },
        { providerId: f.providerId, weekday, startTime: "09:00", endTime: "11:00" },
      ]),
    );
    expect(wall((await q(dayWindow(f, 13))).slots)).toEqual(["09:00", "10:00", "13:00", "14:00"]);
    expect((await loadWeeklyRules(db, f.providerId)).find((r) => r.weekday === 1)).toEqual({
      weekday: 1,
      ranges: [
        { start: "09:00", end: "11:00" },
        { start: "13:00", end: "15:00" },
      ],
    });
    // Only the window's dates are read.
    expect(await loadOverrides(db, f.providerId, special.date.toString(), special.date.toString())).toEqual([
      { date: special.date.toString(), ranges: [{ start: "07:00", end: "08:00" }, { start: "18:00", end: "20:00" }] },
    ]);
  });

  it("reads a midnight end (00:00) as the end of the day", async () => {
    const f = await createProviderFixture(db, { timeZone: "UTC", service: { bufferAfterMinutes: 0, slotIntervalMinutes: 60 } });
    await db.delete(availabilityRules).where(eq(availabilityRules.providerId, f.providerId));
    await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId: f.providerId, weekday, startTime: "21:00", endTime: "00:00" })));
    const w = dayWindow(f, 7);
    const result = await getAvailability(db, { providerId: f.providerId, serviceId: f.serviceId, from: w.from, to: w.to, customerZone: "UTC" });
    expect(wall(result.slots)).toEqual(["21:00", "22:00", "23:00"]);
  });

  it("counts live holds from the schedule port as taken", async () => {
    const { from, to } = dayWindow(fixture, 6);
    const held = localInstant(fixture.timeZone, 6, "14:00");
    const asked: Array<{ start: string; end: string }> = [];
    const { port } = recordingPort({
      liveHolds: async (_p, window) => {
        asked.push({ start: window.start.toString(), end: window.end.toString() });
        return [{ start: held, end: held.add({ minutes: 75 }) }];
      },
    });
    const result = await getAvailability(db, { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to, customerZone: "UTC" }, { port });
    expect(wall(result.slots)).not.toContain("13:00");
    expect(wall(result.slots)).not.toContain("14:00");
    expect(wall(result.slots)).toContain("15:30");
    expect(asked).toHaveLength(1);
  });

  it("refuses windows over 62 days or reversed (VALIDATION naming `to`) and unknown services (NOT_FOUND)", async () => {
    const from = localInstant(fixture.timeZone, 1, "00:00");
    const tooLong = await getAvailability(db, { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to: from.add({ hours: 24 * 63 }), customerZone: "UTC" }).catch((e) => e);
    expect(tooLong).toBeInstanceOf(DomainError);
    expect((tooLong as DomainError).details.fields).toEqual([{ path: "to", message: expect.stringContaining("62") }]);
    const reversed = await getAvailability(db, { providerId: fixture.providerId, serviceId: fixture.serviceId, from, to: from, customerZone: "UTC" }).catch((e) => e);
    expect((reversed as DomainError).code).toBe("VALIDATION");
    const unknown = await getAvailability(db, { providerId: fixture.providerId, serviceId: crypto.randomUUID(), from, to: from.add({ hours: 24 }), customerZone: "UTC" }).catch((e) => e);
    expect((unknown as DomainError).code).toBe("NOT_FOUND");
    const other = await createProviderFixture(db);
    const foreign = await getAvailability(db, { providerId: fixture.providerId, serviceId: other.serviceId, from, to: from.add({ hours: 24 }), customerZone: "UTC" }).catch((e) => e);
    expect((foreign as DomainError).code).toBe("NOT_FOUND");
  });
});

describe("resolveWindow", () => {
  it("reads dates in the customer's zone with an inclusive `to`, takes instants as they are, and caps at 62 days", () => {
    const march = resolveWindow("2026-03-01", "2026-03-31", "America/New_York");
    expect(march.from.toString()).toBe("2026-03-01T05:00:00Z");
    expect(march.to.toString()).toBe("2026-04-01T04:00:00Z"); // DST started on March 8
    const instants = resolveWindow("2026-03-01T10:00:00+01:00", "2026-03-02T10:00:00Z", "UTC");
    expect(instants.from.toString()).toBe("2026-03-01T09:00:00Z");
    // 62 calendar days across a DST change are allowed, 63 are not.
    expect(() => resolveWindow("2026-03-01", "2026-05-01", "Europe/Paris")).not.toThrow();
    const over = (() => {
      try {
        resolveWindow("2026-03-01", "2026-05-02", "Europe/Paris");
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(over?.details.fields).toEqual([{ path: "to", message: expect.any(String) }]);
    expect(() => resolveWindow("2026-02-30", "2026-03-02", "UTC")).toThrow(DomainError);
    expect(() => resolveWindow("2026-03-05", "2026-03-01", "UTC")).toThrow(DomainError);
  });
});

describe("occupied intervals with a long history", () => {
  let history: ProviderFixture;

  beforeAll(async () => {
    history = await createProviderFixture(db);
    const [customer] = await db.insert(users).values({ email: `${unique("hist")}@example.test`, name: "H" }).returning();
    // 2,000 completed bookings, one a day going back ~5.5 years, plus 5 in the coming month.
    const rows: Array<typeof bookings.$inferInsert> = Array.from({ length: 2_000 }, (_, i) => historicalRow(history, customer!.id, localInstant(history.timeZone, -(i + 1), "10:00")));
    rows.push(...[3, 8, 13, 20, 27].map((d) => ({ ...historicalRow(history, customer!.id, localInstant(history.timeZone, d, "10:00")), status: "confirmed" as const })));
    for (let i = 0; i < rows.length; i += 500) await db.insert(bookings).values(rows.slice(i, i + 500));
    await db.execute(sql`analyze bookings`);
  });

  it("loads only the bookings intersecting the window", async () => {
    const from = new Date(localInstant(history.timeZone, 1, "00:00").epochMilliseconds);
    const to = new Date(localInstant(history.timeZone, 32, "00:00").epochMilliseconds);
    expect(await loadOccupiedIntervals(db, history.providerId, from, to)).toHaveLength(5);
    // Half-open: a booking ending exactly at `from` is not in the window.
    const yesterday = localInstant(history.timeZone, -1, "10:00");
    const touching = await loadOccupiedIntervals(db, history.providerId, new Date(yesterday.add({ minutes: 75 }).epochMilliseconds), to);
    expect(touching).toHaveLength(5);
    const result = await getAvailability(db, {
      providerId: history.providerId,
      serviceId: history.serviceId,
      from: localInstant(history.timeZone, 1, "00:00"),
      to: localInstant(history.timeZone, 32, "00:00"),
      customerZone: "UTC",
    });
    expect(result.slots.length).toBeGreaterThan(300);
  });

  it("is served by the exclusion constraint's GiST index, touching far fewer pages than a history scan", async () => {
    const from = new Date(localInstant(history.timeZone, 1, "00:00").epochMilliseconds);
    const to = new Date(localInstant(history.timeZone, 32, "00:00").epochMilliseconds);
    const client = (db as unknown as { $client: { query(text: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> } }).$client;
    const explain = async (text: string, params: unknown[]) => {
      const { rows } = await client.query(`explain (analyze, buffers, format json) ${text}`, params);
      return (rows[0]!["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan;
    };
    const query = occupiedIntervalsQuery(db, history.providerId, from, to).toSQL();
    const plan = await explain(query.sql, query.params);
    const nodes = flatten(plan);
    expect(nodes.some((n) => n["Index Name"] === "bookings_no_overlap")).toBe(true);
    expect(nodes.some((n) => n["Node Type"] === "Seq Scan")).toBe(false);
    expect(plan["Actual Rows"]).toBe(5);

    // The same rows by the two plain comparisons alone, on the btree: bounded only from above.
    const naive = await explain(
      `select id from bookings where provider_id = $1 and status in ('pending','awaiting_approval','confirmed','in_progress','completed')
       and occupied_from < $2 and occupied_until > $3`,
      [history.providerId, to.toISOString(), from.toISOString()],
    );
    expect(naive["Actual Rows"]).toBe(5);
    expect(sharedHits(plan)).toBeLessThan(sharedHits(naive));
  });
});

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

function sharedHits(node: PlanNode): number {
  return (node["Shared Hit Blocks"] ?? 0) + (node["Shared Read Blocks"] ?? 0);
}
