// Keys per purpose and secret rotation (workers/auth/keyring.ts): the newest secret signs, retired
// ones still verify, a token made for one purpose never passes as another, tokens signed with the raw
// secret before keys were derived keep working, and guests' manage links survive a rotation.
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../domain/base64";
import { hashToken, ManageTokenSchema } from "../../domain/confirmation-code";
import { ConfigSchema } from "../../workers/env";
import { calendarFeedToken, existingGuestManageToken, isCalendarFeedToken, type Keyring, keyringOf, newGuestManageToken } from "../../workers/auth/keyring";
import { signSession, verifySession } from "../../workers/auth/session";
import { signToken, verifyToken } from "../../workers/auth/signed-token";
import { z } from "zod";

const OLD = "old-secret-old-secret-old-secret-0001";
const NEW = "new-secret-new-secret-new-secret-0002";
const before: Keyring = { secrets: [OLD] };
const rotated: Keyring = { secrets: [NEW, OLD] };
const retired: Keyring = { secrets: [NEW] };
const user = { sid: crypto.randomUUID(), userId: crypto.randomUUID(), role: "customer" as const, name: "Casey" };
const Link = z.object({ purpose: z.literal("verify-email"), userId: z.string(), exp: z.number() });
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe("secret rotation", () => {
  it("keeps what the old secret signed valid while it is listed, and signs with the new one", async () => {
    const session = await signSession(user, before);
    expect(await verifySession(session, rotated)).toMatchObject(user);
    expect(await verifySession(session, retired)).toBeNull();

    const fresh = await signSession(user, rotated);
    expect(await verifySession(fresh, retired)).toMatchObject(user);
    expect(await verifySession(fresh, before)).toBeNull();
  });

  it("still ends a token at its expiry, whichever key signed it", async () => {
    const expired = await signSession({ ...user, exp: Math.floor(Date.now() / 1000) - 1 }, before);
    expect(await verifySession(expired, rotated)).toBeNull();
  });

  it("reads the list of previous secrets from the configuration, newest first, each at least 32 characters", () => {
    const base = { DATABASE_URL: "postgres://x@y/z", STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x", SESSION_SECRET: NEW };
    const parsed = ConfigSchema.parse({ ...base, SESSION_SECRETS_PREVIOUS: ` ${OLD},\n${"p".repeat(40)} ` });
    expect(parsed.SESSION_SECRETS_PREVIOUS).toEqual([OLD, "p".repeat(40)]);
    expect(keyringOf(parsed).secrets).toEqual([NEW, OLD, "p".repeat(40)]);
    expect(ConfigSchema.parse(base).SESSION_SECRETS_PREVIOUS).toEqual([]);
    const short = ConfigSchema.safeParse({ ...base, SESSION_SECRETS_PREVIOUS: "too-short" });
    expect(short.success).toBe(false);
    expect(JSON.stringify(short.error?.issues)).toContain("SESSION_SECRETS_PREVIOUS");
  });
});

describe("keys per purpose", () => {
  it("never accepts a token made for one purpose as another", async () => {
    const payload = { purpose: "verify-email" as const, userId: user.userId, exp: inAnHour() };
    const asLink = await signToken(payload, rotated, "email-link");
    expect(await verifyToken(asLink, rotated, "email-link", Link)).toEqual(payload);
    expect(await verifyToken(asLink, rotated, "session", Link)).toBeNull();
    const asSession = await signToken(payload, rotated, "session");
    expect(await verifyToken(asSession, rotated, "email-link", Link)).toBeNull();
  });

  it("still verifies tokens signed with the raw secret before keys were derived", async () => {
    const payload = { purpose: "verify-email" as const, userId: user.userId, exp: inAnHour() };
    const body = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)));
    const raw = await crypto.subtle.importKey("raw", new TextEncoder().encode(OLD), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const legacy = `${body}.${toBase64Url(await crypto.subtle.sign("HMAC", raw, new TextEncoder().encode(body)))}`;
    expect(await verifyToken(legacy, rotated, "email-link", Link)).toEqual(payload);
    expect(await verifyToken(legacy, retired, "email-link", Link)).toBeNull();
  });
});

describe("guests' manage tokens", () => {
  const guestSessionId = "11111111-1111-4111-8111-111111111111";

  it("are deterministic per key and guest session and shaped like a drawn token", async () => {
    const a = await newGuestManageToken(rotated, guestSessionId);
    expect(await newGuestManageToken(rotated, guestSessionId)).toBe(a);
    expect(await newGuestManageToken(before, guestSessionId)).not.toBe(a);
    expect(await newGuestManageToken(rotated, "22222222-2222-4222-8222-222222222222")).not.toBe(a);
    expect(ManageTokenSchema.safeParse(a).success).toBe(true);
  });

  it("are re-derived after a rotation with the key that made the stored hash", async () => {
    const issued = await newGuestManageToken(before, guestSessionId);
    const stored = await hashToken(issued);
    expect(await existingGuestManageToken(rotated, guestSessionId, stored)).toBe(issued);
    expect(await existingGuestManageToken(retired, guestSessionId, stored)).toBeNull();
    // A random token (scripts, tests) cannot be re-derived: the mail then carries the plain URL.
    expect(await existingGuestManageToken(rotated, guestSessionId, await hashToken("random"))).toBeNull();
  });

  it("re-derive tokens made with the raw secret before keys were derived", async () => {
    const raw = await crypto.subtle.importKey("raw", new TextEncoder().encode(OLD), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const legacy = toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", raw, new TextEncoder().encode(`manage-token:${guestSessionId}`))));
    expect(await existingGuestManageToken(rotated, guestSessionId, await hashToken(legacy))).toBe(legacy);
  });
});

describe("calendar feed tokens", () => {
  const feedId = "33333333-3333-4333-8333-333333333333";

  it("are derived per feed, survive a rotation while the old secret is listed, and die when it is retired", async () => {
    const issued = await calendarFeedToken(before, feedId);
    expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await calendarFeedToken(before, feedId)).toBe(issued);
    expect(await isCalendarFeedToken(before, feedId, issued)).toBe(true);
    expect(await isCalendarFeedToken(rotated, feedId, issued)).toBe(true);
    expect(await isCalendarFeedToken(retired, feedId, issued)).toBe(false);
    // After the rotation the page shows the new key's address; both work until OLD is retired.
    expect(await calendarFeedToken(rotated, feedId)).not.toBe(issued);
    expect(await isCalendarFeedToken(rotated, feedId, await calendarFeedToken(rotated, feedId))).toBe(true);
  });

  it("never pass for another feed, another purpose, or text that is not a token", async () => {
    const token = await calendarFeedToken(rotated, feedId);
    expect(await isCalendarFeedToken(rotated, "44444444-4444-4444-8444-444444444444", token)).toBe(false);
    // The manage token of a guest session with the same id is made with another key.
    expect(await isCalendarFeedToken(rotated, feedId, await newGuestManageToken(rotated, feedId))).toBe(false);
    for (const junk of ["", "%%%", token.slice(0, -1), `${token}A`, "A".repeat(43)]) expect(await isCalendarFeedToken(rotated, feedId, junk)).toBe(false);
  });
});
