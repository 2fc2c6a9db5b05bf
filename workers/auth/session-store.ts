// Server-side session records (user_sessions): a signed cookie is a session only while its row is
// live, so sign-out, a password change and "sign out everywhere" also end copies of the cookie.
//
// Checking the row on every request would put a Postgres round trip in front of pages that otherwise
// open no connection (the slot page is served from the provider's object), so each isolate remembers
// for 30 s that a session was live. Ending a session forgets it at once in the isolate that ended it;
// other isolates notice within those 30 s. If Postgres cannot be reached, a session this isolate saw
// live in the last 15 minutes stays accepted (the pages it can reach then are the ones served without
// Postgres); any other session cannot be confirmed and the request fails with 503, never signed in.
import { Temporal } from "@js-temporal/polyfill";
import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { userSessions } from "../../db/schema";
import { isDatabaseUnreachable } from "../../db/unreachable";
import type { Keyring } from "./keyring";
import { getSignedSession, SESSION_MAX_AGE_SECONDS, type Session } from "./session";

export type SessionEndReason = NonNullable<(typeof userSessions.$inferSelect)["endReason"]>;

const TRUST_LIVE_FOR_MS = 30_000;
const OUTAGE_GRACE_MS = 15 * 60_000;
const MAX_REMEMBERED = 10_000;
const USER_AGENT_CHARS = 300;

/** Per-isolate memory of sessions seen live, so a warm request needs no Postgres round trip. */
export class LiveSessionMemory {
  readonly #seen = new Map<string, { userId: string; at: number }>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Seen live within `withinMs`, for this user. */
  seenWithin(sid: string, userId: string, withinMs: number): boolean {
    const entry = this.#seen.get(sid);
    return entry !== undefined && entry.userId === userId && this.now() - entry.at < withinMs;
  }

  remember(sid: string, userId: string): void {
    this.#seen.delete(sid); // re-insert so the Map's order stays oldest-first
    this.#seen.set(sid, { userId, at: this.now() });
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!);
  }

  forget(sid: string): void {
    this.#seen.delete(sid);
  }

  forgetUser(userId: string, except?: string): void {
    for (const [sid, entry] of this.#seen) if (entry.userId === userId && sid !== except) this.#seen.delete(sid);
  }
}

const memory = new LiveSessionMemory();

/** Records a new session for `userId`; its id goes into the signed cookie. */
export async function startSession(db: Queryable, input: { userId: string; userAgent: string | null }): Promise<{ id: string; expiresAt: Temporal.Instant }> {
  const expiresAt = Temporal.Now.instant().add({ seconds: SESSION_MAX_AGE_SECONDS });
  const [row] = await db
    .insert(userSessions)
    .values({ userId: input.userId, expiresAt: new Date(expiresAt.epochMilliseconds), userAgent: input.userAgent?.slice(0, USER_AGENT_CHARS) ?? null })
    .returning({ id: userSessions.id });
  memory.remember(row!.id, input.userId);
  return { id: row!.id, expiresAt };
}

/** Whether the session row is neither ended nor expired; refreshes last_seen_at at most hourly. */
async function isLiveInDatabase(db: Queryable, sid: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ stale: sql<boolean>`${userSessions.lastSeenAt} < now() - interval '1 hour'` })
    .from(userSessions)
    .where(and(eq(userSessions.id, sid), eq(userSessions.userId, userId), isNull(userSessions.endedAt), gt(userSessions.expiresAt, sql`now()`)));
  if (!row) return false;
  if (row.stale) await db.update(userSessions).set({ lastSeenAt: sql`now()` }).where(eq(userSessions.id, sid));
  return true;
}

/** Whether `session` (already signature-checked) is still live. Throws when Postgres is unreachable and no grace applies. */
export async function isSessionLive(db: () => Queryable, session: Pick<Session, "sid" | "userId">): Promise<boolean> {
  const { sid, userId } = session;
  if (memory.seenWithin(sid, userId, TRUST_LIVE_FOR_MS)) return true;
  try {
    const live = await isLiveInDatabase(db(), sid, userId);
    if (live) memory.remember(sid, userId);
    else memory.forget(sid);
    return live;
  } catch (error) {
    if (isDatabaseUnreachable(error) && memory.seenWithin(sid, userId, OUTAGE_GRACE_MS)) return true;
    throw error;
  }
}

/** The request's session when its cookie is validly signed and its row is live, else null. */
export async function readLiveSession(request: Request, ring: Keyring, db: () => Queryable): Promise<Session | null> {
  const session = await getSignedSession(request, ring);
  if (!session) return null;
  return (await isSessionLive(db, session)) ? session : null;
}

/** Ends one session of `userId` (no-op when it already ended or belongs to someone else). */
export async function endSession(db: Queryable, userId: string, sid: string, reason: SessionEndReason): Promise<boolean> {
  memory.forget(sid);
  const ended = await db
    .update(userSessions)
    .set({ endedAt: sql`now()`, endReason: reason })
    .where(and(eq(userSessions.id, sid), eq(userSessions.userId, userId), isNull(userSessions.endedAt)))
    .returning({ id: userSessions.id });
  return ended.length > 0;
}

/** Ends every live session of `userId`, except `keep` when given. Returns how many ended. */
export async function endSessionsOf(db: Queryable, userId: string, reason: SessionEndReason, keep?: string): Promise<number> {
  memory.forgetUser(userId, keep);
  const ended = await db
    .update(userSessions)
    .set({ endedAt: sql`now()`, endReason: reason })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.endedAt), keep ? ne(userSessions.id, keep) : undefined))
    .returning({ id: userSessions.id });
  return ended.length;
}

export interface LiveSessionRow {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
}

/** The user's sessions that are still live, newest first (for the account's device list). */
export function liveSessionsOf(db: Queryable, userId: string): Promise<LiveSessionRow[]> {
  return db
    .select({ id: userSessions.id, createdAt: userSessions.createdAt, lastSeenAt: userSessions.lastSeenAt, expiresAt: userSessions.expiresAt, userAgent: userSessions.userAgent })
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.endedAt), gt(userSessions.expiresAt, sql`now()`)))
    .orderBy(desc(userSessions.createdAt))
    .limit(50);
}

/** Housekeeping: session rows ended or expired more than 30 days ago carry nothing anyone needs. */
export async function deleteOldSessions(db: Queryable, now: Date): Promise<number> {
  const deleted = await db
    .delete(userSessions)
    .where(sql`coalesce(${userSessions.endedAt}, ${userSessions.expiresAt}) < ${now.toISOString()}::timestamptz - interval '30 days'`)
    .returning({ id: userSessions.id });
  return deleted.length;
}
