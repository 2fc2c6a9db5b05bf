import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDomainError } from "../../domain/errors";
import {
  checkOverallHolds,
  HOLD_MAX_LIFETIME_TTLS,
  HOLD_TTL_MIN_SECONDS,
  type Hold,
  checkClaim,
  checkHold,
  checkOwnership,
  expiredAt,
  expiryFor,
  extendedExpiry,
  holdIntervals,
  isLive,
  nextExpiry,
  resolveTtlSeconds,
  sameHolder,
} from "../../domain/holds";
import type { Interval } from "../../domain/intervals";

const T = (iso: string) => Temporal.Instant.from(iso);
const NOW = T("2030-03-04T08:00:00Z");

function hold(
  id: string,
  holder: string,
  startIso: string,
  minutes: number,
  opts: { before?: number; after?: number; expires?: string; serviceId?: string; clientKey?: string } = {},
): Hold {
  const { slot, occupied } = holdIntervals({
    start: T(startIso),
    durationMinutes: minutes,
    bufferBeforeMinutes: opts.before ?? 0,
    bufferAfterMinutes: opts.after ?? 0,
  });
  return {
    id,
    holder,
    clientKey: opts.clientKey ?? null,
    serviceId: opts.serviceId ?? "svc",
    slot,
    occupied,
    expiresAt: T(opts.expires ?? "2030-03-04T08:10:00Z"),
  };
}

function request(
  holder: string,
  startIso: string,
  minutes: number,
  holds: Hold[],
  extra: Partial<{ before: number; after: number; booked: Interval[]; max: number; perClient: number; now: Temporal.Instant; serviceId: string; clientKey: string }> = {},
) {
  const { slot, occupied } = holdIntervals({
    start: T(startIso),
    durationMinutes: minutes,
    bufferBeforeMinutes: extra.before ?? 0,
    bufferAfterMinutes: extra.after ?? 0,
  });
  const clientKey = extra.clientKey ?? null;
  return checkHold({
    holder,
    clientKey,
    serviceId: extra.serviceId ?? "svc",
    slot,
    occupied,
    holds,
    booked: extra.booked ?? [],
    own: holds.filter((h) => h.holder === holder || (clientKey !== null && h.clientKey === clientKey)),
    limits: { perHolder: extra.max ?? 3, perClient: extra.perClient ?? 3 },
    now: extra.now ?? NOW,
  });
}

describe("holdIntervals", () => {
  it("widens the slot by the buffers", () => {
    const { slot, occupied } = holdIntervals({ start: T("2030-03-04T10:00:00Z"), durationMinutes: 60, bufferBeforeMinutes: 15, bufferAfterMinutes: 10 });
    expect(slot.end.toString()).toBe("2030-03-04T11:00:00Z");
    expect(occupied.start.toString()).toBe("2030-03-04T09:45:00Z");
    expect(occupied.end.toString()).toBe("2030-03-04T11:10:00Z");
  });

  it("rejects nonsense timing with a VALIDATION error naming the field", () => {
    for (const [field, timing] of [
      ["durationMinutes", { durationMinutes: 0, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }],
      ["durationMinutes", { durationMinutes: 1.5, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }],
      ["bufferBeforeMinutes", { durationMinutes: 30, bufferBeforeMinutes: -1, bufferAfterMinutes: 0 }],
      ["bufferAfterMinutes", { durationMinutes: 30, bufferBeforeMinutes: 0, bufferAfterMinutes: 99999 }],
    ] as const) {
      try {
        holdIntervals({ start: NOW, ...timing });
        expect.unreachable();
      } catch (error) {
        expect(isDomainError(error, "VALIDATION")).toBe(true);
        expect((error as { details: { fields: string[] } }).details.fields).toEqual([field]);
      }
    }
  });
});

describe("checkHold", () => {
  it("grants a free slot", () => {
    expect(request("a", "2030-03-04T10:00:00Z", 60, [])).toEqual({ ok: true, replaces: [] });
  });

  it("refuses a slot overlapping another holder's live hold (HELD)", () => {
    const r = request("b", "2030-03-04T10:30:00Z", 60, [hold("h1", "a", "2030-03-04T10:00:00Z", 60)]);
    expect(r).toMatchObject({ ok: false, reason: "HELD" });
  });

  it("counts buffers on both sides", () => {
    // Existing 10:00-11:00 with 15 min after -> occupies until 11:15; new 11:00 slot with no buffers overlaps.
    const existing = hold("h1", "a", "2030-03-04T10:00:00Z", 60, { after: 15 });
    expect(request("b", "2030-03-04T11:00:00Z", 30, [existing])).toMatchObject({ ok: false, reason: "HELD" });
    // New 11:15 slot with a 5 min buffer before -> occupies from 11:10: overlaps.
    expect(request("b", "2030-03-04T11:15:00Z", 30, [existing], { before: 5 })).toMatchObject({ ok: false, reason: "HELD" });
    // New 11:15 slot without buffer touches 11:15: allowed.
    expect(request("b", "2030-03-04T11:15:00Z", 30, [existing])).toEqual({ ok: true, replaces: [] });
  });

  it("allows touching (adjacent) intervals", () => {
    const existing = hold("h1", "a", "2030-03-04T10:00:00Z", 60);
    expect(request("b", "2030-03-04T11:00:00Z", 60, [existing])).toEqual({ ok: true, replaces: [] });
    expect(request("b", "2030-03-04T09:00:00Z", 60, [existing])).toEqual({ ok: true, replaces: [] });
  });

  it("ignores expired holds", () => {
    const expired = hold("h1", "a", "2030-03-04T10:00:00Z", 60, { expires: "2030-03-04T08:00:00Z" });
    expect(request("b", "2030-03-04T10:00:00Z", 60, [expired])).toEqual({ ok: true, replaces: [] });
  });

  it("refuses booked time (BOOKED), after held time", () => {
    const booked = [{ start: T("2030-03-04T10:30:00Z"), end: T("2030-03-04T11:30:00Z") }];
    expect(request("b", "2030-03-04T10:00:00Z", 60, [], { booked })).toMatchObject({ ok: false, reason: "BOOKED" });
    expect(request("b", "2030-03-04T11:30:00Z", 60, [], { booked })).toEqual({ ok: true, replaces: [] });
    const held = hold("h1", "a", "2030-03-04T10:00:00Z", 60);
    expect(request("b", "2030-03-04T10:00:00Z", 60, [held], { booked })).toMatchObject({ reason: "HELD" });
  });

  it("enforces the per-holder limit (LIMIT) only when the slot itself is free", () => {
    const mine = [1, 2, 3].map((i) => hold(`h${i}`, "a", `2030-03-0${4 + i}T10:00:00Z`, 60, { serviceId: `svc-${i}` }));
    expect(request("a", "2030-03-04T15:00:00Z", 60, mine)).toMatchObject({ ok: false, reason: "LIMIT" });
    expect(request("a", "2030-03-04T15:00:00Z", 60, mine, { max: 4 })).toEqual({ ok: true, replaces: [] });
    const booked = [{ start: T("2030-03-04T15:00:00Z"), end: T("2030-03-04T16:00:00Z") }];
    expect(request("a", "2030-03-04T15:00:00Z", 60, mine, { booked })).toMatchObject({ reason: "BOOKED" });
  });

  it("a LIMIT refusal says when the first counted hold expires (Retry-After), per holder, per client and overall", () => {
    const expiries = ["2030-03-04T08:09:00Z", "2030-03-04T08:05:30Z", "2030-03-04T08:07:00Z"];
    const mine = [1, 2, 3].map((i) => hold(`h${i}`, "a", `2030-03-0${4 + i}T10:00:00Z`, 60, { serviceId: `svc-${i}`, expires: expiries[i - 1] }));
    // NOW is 08:00:00: the first of the three ends at 08:05:30.
    expect(request("a", "2030-03-04T15:00:00Z", 60, mine)).toMatchObject({ reason: "LIMIT", retryAfterSeconds: 330 });
    const fromNet = mine.map((h, i) => ({ ...h, holder: `token-${i}`, clientKey: "net-1" }));
    expect(request("token-9", "2030-03-04T15:00:00Z", 60, fromNet, { clientKey: "net-1" })).toMatchObject({ reason: "LIMIT", retryAfterSeconds: 330 });
    const overall = checkOverallHolds(
      [
        { holdId: "x", holder: "a", providerId: "p1", serviceId: "s", expiresAt: T("2030-03-04T08:00:00.200Z") },
        { holdId: "y", holder: "a", providerId: "p2", serviceId: "s" }, // still being asked for: no expiry yet
      ],
      { holder: "a", providerId: "p3", serviceId: "s" },
      2,
      NOW,
    );
    expect(overall).toMatchObject({ reason: "LIMIT", retryAfterSeconds: 1 }); // never 0
  });

  it("a new time for the same service replaces the holder's previous hold, even an overlapping one", () => {
    const previous = hold("h1", "a", "2030-03-04T10:00:00Z", 60);
    expect(request("a", "2030-03-04T14:00:00Z", 60, [previous])).toEqual({ ok: true, replaces: [previous] });
    expect(request("a", "2030-03-04T10:30:00Z", 60, [previous])).toEqual({ ok: true, replaces: [previous] });
    // Another service of the same holder is kept, another holder's hold is never replaced.
    const otherService = hold("h2", "a", "2030-03-05T10:00:00Z", 60, { serviceId: "svc-2" });
    expect(request("a", "2030-03-04T14:00:00Z", 60, [previous, otherService])).toEqual({ ok: true, replaces: [previous] });
    const someoneElse = hold("h3", "b", "2030-03-04T10:00:00Z", 60);
    expect(request("a", "2030-03-04T10:30:00Z", 60, [someoneElse])).toMatchObject({ ok: false, reason: "HELD" });
  });

  it("an indecisive customer (pick, go back, pick another, again and again) never reaches a limit", () => {
    let holds: Hold[] = [];
    for (let i = 0; i < 20; i++) {
      const start = T("2030-03-04T09:00:00Z").add({ minutes: 30 * i });
      const r = request("a", start.toString(), 30, holds, { max: 3, perClient: 3, clientKey: "net-1" });
      expect(r.ok).toBe(true);
      if (!r.ok || r.existing) continue;
      const gone = new Set(r.replaces.map((h) => h.id));
      holds = [...holds.filter((h) => !gone.has(h.id)), hold(`h${i}`, "a", start.toString(), 30, { clientKey: "net-1" })];
      expect(holds).toHaveLength(1);
    }
  });

  it("limits holds per client network too: fresh tokens from one address get at most perClient", () => {
    const fromNet = [1, 2, 3].map((i) => hold(`h${i}`, `token-${i}`, `2030-03-0${4 + i}T10:00:00Z`, 60, { clientKey: "net-1" }));
    const r = request("token-4", "2030-03-04T15:00:00Z", 60, fromNet, { clientKey: "net-1" });
    expect(r).toMatchObject({ ok: false, reason: "LIMIT" });
    expect((r as { message: string }).message).toMatch(/from your network/);
    expect(request("token-4", "2030-03-04T15:00:00Z", 60, fromNet, { clientKey: "net-2" })).toEqual({ ok: true, replaces: [] });
    expect(request("token-4", "2030-03-04T15:00:00Z", 60, fromNet, { clientKey: "net-1", perClient: 4 })).toEqual({ ok: true, replaces: [] });
  });

  it("returns an identical live hold of the same holder instead of failing (idempotent retry)", () => {
    const existing = hold("h1", "a", "2030-03-04T10:00:00Z", 60);
    const r = request("a", "2030-03-04T10:00:00Z", 60, [existing]);
    expect(r).toEqual({ ok: true, existing });
    // Same holder, overlapping but for another service: refused with an own-hold message.
    const other = request("a", "2030-03-04T10:30:00Z", 60, [existing], { serviceId: "svc-2" });
    expect(other).toMatchObject({ ok: false, reason: "HELD" });
    expect((other as { message: string }).message).toMatch(/already hold/);
  });

  it("property: granted iff no live hold and no booking overlaps (or LIMIT)", () => {
    const minute = fc.integer({ min: 0, max: 24 * 60 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: minute, len: fc.integer({ min: 1, max: 180 }), live: fc.boolean() }), { maxLength: 8 }),
        fc.array(fc.record({ at: minute, len: fc.integer({ min: 1, max: 180 }) }), { maxLength: 8 }),
        minute,
        fc.integer({ min: 1, max: 180 }),
        (holdSpecs, bookedSpecs, at, len) => {
          const base = T("2030-03-04T00:00:00Z");
          const holds = holdSpecs.map((s, i) => ({
            ...hold(`h${i}`, `other${i}`, base.add({ minutes: s.at }).toString(), s.len),
            expiresAt: s.live ? NOW.add({ minutes: 5 }) : NOW,
          }));
          const booked = bookedSpecs.map((s) => ({ start: base.add({ minutes: s.at }), end: base.add({ minutes: s.at + s.len }) }));
          const r = request("me", base.add({ minutes: at }).toString(), len, holds, { booked });
          const a = at;
          const b = at + len;
          const clashes = (x: number, y: number) => x < b && a < y;
          const heldClash = holdSpecs.some((s) => s.live && clashes(s.at, s.at + s.len));
          const bookedClash = bookedSpecs.some((s) => clashes(s.at, s.at + s.len));
          expect(r.ok).toBe(!heldClash && !bookedClash);
          if (!r.ok) expect(r.reason).toBe(heldClash ? "HELD" : "BOOKED");
        },
      ),
    );
  });
});

describe("expiry math", () => {
  it("the server decides the TTL: a client may shorten it (down to the minimum), never lengthen it", () => {
    expect(resolveTtlSeconds(undefined, 600)).toBe(600);
    expect(resolveTtlSeconds(5, 600)).toBe(HOLD_TTL_MIN_SECONDS);
    expect(resolveTtlSeconds(3600, 600)).toBe(600);
    expect(resolveTtlSeconds(1e9, 600)).toBe(600);
    expect(resolveTtlSeconds(90.9, 600)).toBe(90);
    expect(resolveTtlSeconds(Number.NaN, 600)).toBe(600);
  });

  it("a hold is live strictly before expiresAt", () => {
    const expiresAt = expiryFor(NOW, 60);
    expect(expiresAt.toString()).toBe("2030-03-04T08:01:00Z");
    expect(isLive({ expiresAt }, NOW.add({ seconds: 59 }))).toBe(true);
    expect(isLive({ expiresAt }, expiresAt)).toBe(false);
  });

  it("extending moves expiry to now + ttl, never past the lifetime cap, never backwards", () => {
    const createdAt = NOW;
    const later = NOW.add({ minutes: 5 });
    expect(extendedExpiry({ createdAt, expiresAt: NOW.add({ minutes: 10 }) }, later, 600, 600).toString()).toBe("2030-03-04T08:15:00Z");
    const lifetime = HOLD_MAX_LIFETIME_TTLS * 600;
    const nearCap = NOW.add({ seconds: lifetime - 60 });
    expect(extendedExpiry({ createdAt, expiresAt: nearCap }, nearCap.subtract({ seconds: 1 }), 600, 600).equals(NOW.add({ seconds: lifetime }))).toBe(true);
    const far = NOW.add({ minutes: 15 });
    expect(extendedExpiry({ createdAt, expiresAt: far }, NOW, 60, 600).equals(far)).toBe(true);
    // However often it is extended, a hold ends 20 minutes (two server TTLs) after it was granted.
    let expiresAt = NOW.add({ minutes: 10 });
    for (let minute = 1; minute <= 60; minute++) expiresAt = extendedExpiry({ createdAt, expiresAt }, NOW.add({ minutes: minute }), 600, 600);
    expect(expiresAt.toString()).toBe("2030-03-04T08:20:00Z");
  });

  it("nextExpiry is the earliest; expiredAt lists those at or past expiry", () => {
    const a = hold("a", "x", "2030-03-04T10:00:00Z", 30, { expires: "2030-03-04T08:05:00Z" });
    const b = hold("b", "x", "2030-03-04T11:00:00Z", 30, { expires: "2030-03-04T08:02:00Z" });
    expect(nextExpiry([a, b])?.toString()).toBe("2030-03-04T08:02:00Z");
    expect(nextExpiry([])).toBeUndefined();
    expect(expiredAt([a, b], T("2030-03-04T08:02:00Z")).map((h) => h.id)).toEqual(["b"]);
  });
});

describe("checkOwnership", () => {
  const h = hold("h1", "token-a", "2030-03-04T10:00:00Z", 60);
  it("distinguishes not found, not owner, expired", () => {
    expect(checkOwnership(undefined, "token-a", NOW)).toMatchObject({ ok: false, reason: "NOT_FOUND" });
    expect(checkOwnership(h, "token-b", NOW)).toMatchObject({ ok: false, reason: "NOT_OWNER" });
    expect(checkOwnership(h, "token-a", h.expiresAt)).toMatchObject({ ok: false, reason: "EXPIRED" });
    expect(checkOwnership(h, "token-a", NOW)).toEqual({ ok: true });
  });
  it("compares tokens exactly", () => {
    expect(sameHolder("abc", "abc")).toBe(true);
    expect(sameHolder("abc", "abd")).toBe(false);
    expect(sameHolder("abc", "abcd")).toBe(false);
    expect(sameHolder("", "")).toBe(true);
  });
});

describe("checkClaim", () => {
  const occupied = { start: T("2030-03-04T10:00:00Z"), end: T("2030-03-04T11:00:00Z") };
  it("refuses when another holder's live hold overlaps", () => {
    const r = checkClaim({ holder: "me", occupied, holds: [hold("h1", "you", "2030-03-04T10:30:00Z", 60)], now: NOW });
    expect(r).toMatchObject({ ok: false, reason: "HELD" });
  });
  it("consumes the holder's overlapping holds and the named one; ignores expired and foreign-adjacent", () => {
    const mine = hold("m1", "me", "2030-03-04T10:00:00Z", 60);
    const named = hold("m2", "me", "2030-03-05T10:00:00Z", 60);
    const unrelated = hold("m3", "me", "2030-03-06T10:00:00Z", 60);
    const adjacent = hold("y1", "you", "2030-03-04T11:00:00Z", 60);
    const expiredForeign = hold("y2", "you", "2030-03-04T10:00:00Z", 60, { expires: "2030-03-04T07:00:00Z" });
    const r = checkClaim({ holder: "me", holdId: "m2", occupied, holds: [mine, named, unrelated, adjacent, expiredForeign], now: NOW });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.consume.map((h) => h.id).sort()).toEqual(["m1", "m2"]);
  });
  it("succeeds with nothing to consume when no hold exists (admin or direct booking)", () => {
    expect(checkClaim({ holder: "me", occupied, holds: [], now: NOW })).toEqual({ ok: true, consume: [] });
  });
});
