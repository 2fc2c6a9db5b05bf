// Server-side sessions against the real Postgres: a session is live until it is ended or expires,
// ending is per session or per user, an isolate trusts what it saw for 30 s only, an outage is a
// 503 (thrown) unless the session was seen live within the grace, and housekeeping deletes old rows.
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { userSessions, users } from "../../db/schema";
import { deleteOldSessions, endSession, endSessionsOf, isSessionLive, liveSessionsOf, startSession } from "../../workers/auth/session-store";
import { openTestDatabase, unique } from "../support/db";

const handle = openTestDatabase(4);
const db = handle.db;
const database = () => db;
const unreachable = () => {
  throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
};
let userId: string;

beforeAll(async () => {
  const [user] = await db.insert(users).values({ email: `${unique("sessions")}@example.test`, name: "Sam", role: "customer" }).returning();
  userId = user!.id;
});
afterAll(() => handle.close());
afterEach(() => vi.useRealTimers());

/** Moves this isolate's clock past the 30 s it trusts a session it saw, so the next check asks Postgres. */
function laterThanTrust(seconds = 31) {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + seconds * 1000 });
}

describe("user sessions", () => {
  it("is live after sign-in and ends on sign-out, also for the row's other copies", async () => {
    const started = await startSession(db, { userId, userAgent: "Mozilla/5.0 (test)" });
    const session = { sid: started.id, userId };
    expect(await isSessionLive(database, session)).toBe(true);
    expect(await endSession(db, userId, started.id, "signed_out")).toBe(true);
    expect(await isSessionLive(database, session)).toBe(false);
    const [row] = await db.select().from(userSessions).where(eq(userSessions.id, started.id));
    expect(row).toMatchObject({ endReason: "signed_out", userAgent: "Mozilla/5.0 (test)" });
    expect(row!.endedAt).toBeInstanceOf(Date);
    // Ending twice changes nothing; someone else cannot end it.
    expect(await endSession(db, userId, started.id, "signed_out")).toBe(false);
  });

  it("a session ended elsewhere (another isolate) stops working here once the 30 s trust has passed", async () => {
    const started = await startSession(db, { userId, userAgent: null });
    const session = { sid: started.id, userId };
    await db.update(userSessions).set({ endedAt: new Date(), endReason: "signed_out" }).where(eq(userSessions.id, started.id));
    expect(await isSessionLive(database, session)).toBe(true); // still trusted in this isolate
    laterThanTrust();
    expect(await isSessionLive(database, session)).toBe(false);
  });

  it("is not live for another user id, nor once expired", async () => {
    const started = await startSession(db, { userId, userAgent: null });
    laterThanTrust();
    expect(await isSessionLive(database, { sid: started.id, userId: crypto.randomUUID() })).toBe(false);
    await db.update(userSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(userSessions.id, started.id));
    expect(await isSessionLive(database, { sid: started.id, userId })).toBe(false);
  });

  it("ends every session of a user but the kept one, and lists the live ones", async () => {
    const [other] = await db.insert(users).values({ email: `${unique("sessions-other")}@example.test`, name: "Olu", role: "customer" }).returning();
    const a = await startSession(db, { userId: other!.id, userAgent: "A" });
    const b = await startSession(db, { userId: other!.id, userAgent: "B" });
    const c = await startSession(db, { userId: other!.id, userAgent: "C" });
    expect((await liveSessionsOf(db, other!.id)).map((s) => s.userAgent)).toEqual(["C", "B", "A"]);
    expect(await endSessionsOf(db, other!.id, "password_changed", b.id)).toBe(2);
    expect(await isSessionLive(database, { sid: a.id, userId: other!.id })).toBe(false);
    expect(await isSessionLive(database, { sid: c.id, userId: other!.id })).toBe(false);
    expect(await isSessionLive(database, { sid: b.id, userId: other!.id })).toBe(true);
    expect((await liveSessionsOf(db, other!.id)).map((s) => s.id)).toEqual([b.id]);
    expect(await endSessionsOf(db, other!.id, "signed_out_everywhere")).toBe(1);
    expect(await liveSessionsOf(db, other!.id)).toEqual([]);
  });

  it("Postgres unreachable: a session seen live in the last 15 min is accepted, any other check throws", async () => {
    const started = await startSession(db, { userId, userAgent: null });
    laterThanTrust(5 * 60);
    expect(await isSessionLive(unreachable, { sid: started.id, userId })).toBe(true);
    laterThanTrust(16 * 60);
    await expect(isSessionLive(unreachable, { sid: started.id, userId })).rejects.toThrow(/ECONNREFUSED/);
    await expect(isSessionLive(unreachable, { sid: crypto.randomUUID(), userId })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("refreshes last_seen_at at most hourly", async () => {
    const started = await startSession(db, { userId, userAgent: null });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await db.update(userSessions).set({ lastSeenAt: twoHoursAgo }).where(eq(userSessions.id, started.id));
    laterThanTrust();
    expect(await isSessionLive(database, { sid: started.id, userId })).toBe(true);
    const [row] = await db.select({ lastSeenAt: userSessions.lastSeenAt }).from(userSessions).where(eq(userSessions.id, started.id));
    expect(row!.lastSeenAt.getTime()).toBeGreaterThan(twoHoursAgo.getTime() + 3600_000);
  });

  it("housekeeping deletes rows ended or expired more than 30 days ago, and keeps the rest", async () => {
    const old = await startSession(db, { userId, userAgent: null });
    const recent = await startSession(db, { userId, userAgent: null });
    await db.update(userSessions).set({ endedAt: new Date(Date.now() - 31 * 86400_000), endReason: "signed_out" }).where(eq(userSessions.id, old.id));
    await db.update(userSessions).set({ endedAt: new Date(Date.now() - 29 * 86400_000), endReason: "signed_out" }).where(eq(userSessions.id, recent.id));
    expect(await deleteOldSessions(db, new Date())).toBeGreaterThanOrEqual(1);
    const left = await db.select({ id: userSessions.id }).from(userSessions).where(eq(userSessions.userId, userId));
    expect(left.map((r) => r.id)).toContain(recent.id);
    expect(left.map((r) => r.id)).not.toContain(old.id);
  });
});
