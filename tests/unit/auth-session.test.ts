// Signed-cookie sessions, the form schemas' messages, the dummy hash, rate-limit helpers.
import { describe, expect, it } from "vitest";
import { passwordMessage, parseForm, SignInSchema, SignUpSchema } from "../../workers/auth/forms";
import { hashPassword, verifyPassword } from "../../workers/auth/password";
import { clientIp, describeWait, rateLimitKey, tooManyRequests } from "../../workers/auth/rate-limit";
import { clearSessionCookie, getSignedSession, isSecureRequest, sessionCookie, signSession, verifySession } from "../../workers/auth/session";
import type { Keyring } from "../../workers/auth/keyring";
import { signToken } from "../../workers/auth/signed-token";
import { DUMMY_PASSWORD_HASH, normalizeEmail } from "../../workers/auth/users";

const SECRET = "unit-test-secret-unit-test-secret-123";
const RING: Keyring = { secrets: [SECRET] };
const user = { sid: crypto.randomUUID(), userId: crypto.randomUUID(), role: "customer" as const, name: "Casey" };

describe("sessions", () => {
  it("round-trips, with a per-session CSRF token", async () => {
    const token = await signSession(user, RING);
    const session = await verifySession(token, RING);
    expect(session).toMatchObject(user);
    expect(session!.csrf).toMatch(/^[\w-]{24}$/);
    const other = await verifySession(await signSession(user, RING), RING);
    expect(other!.csrf).not.toBe(session!.csrf);
  });

  it("rejects a tampered payload, another secret, an expired session, garbage", async () => {
    const token = await signSession(user, RING);
    const [payload, signature] = token.split(".");
    const forged = btoa(JSON.stringify({ ...JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))), role: "admin" })).replace(/=+$/, "");
    expect(await verifySession(`${forged}.${signature}`, RING)).toBeNull();
    expect(await verifySession(token, { secrets: [`${SECRET}-other`] })).toBeNull();
    expect(await verifySession(await signSession({ ...user, exp: Math.floor(Date.now() / 1000) - 1 }, RING), RING)).toBeNull();
    expect(await verifySession("not.a-token", RING)).toBeNull();
    expect(await verifySession("", RING)).toBeNull();
  });

  it("refuses a cookie signed before sessions had rows (no sid)", async () => {
    const { sid: _sid, ...legacy } = user;
    const token = await signToken({ ...legacy, csrf: "c".repeat(24), exp: Math.floor(Date.now() / 1000) + 60 }, RING, "session");
    expect(await verifySession(token, RING)).toBeNull();
  });

  it("reads the cookie and survives a malformed cookie header", async () => {
    const token = await signSession(user, RING);
    const ok = new Request("http://x.example/", { headers: { cookie: `other=1; eb_session=${encodeURIComponent(token)}` } });
    expect((await getSignedSession(ok, RING))?.userId).toBe(user.userId);
    const malformed = new Request("http://x.example/", { headers: { cookie: "eb_session=%E0%A4%A" } });
    expect(await getSignedSession(malformed, RING)).toBeNull();
  });

  it("sets HttpOnly and SameSite=Lax always, Secure on https", () => {
    expect(isSecureRequest(new Request("https://x.example/"))).toBe(true);
    expect(isSecureRequest(new Request("http://x.example/"))).toBe(false);
    expect(sessionCookie("t", true)).toBe("eb_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600; Secure");
    expect(sessionCookie("t", false)).toBe("eb_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600");
    expect(clearSessionCookie(true)).toBe("eb_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
  });
});

describe("sign-in / sign-up forms", () => {
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [key, value] of Object.entries(fields)) data.set(key, value);
    return data;
  };

  it("names the field in every password rule message", () => {
    expect(passwordMessage(["must be at least 10 characters"])).toBe("Password must be at least 10 characters.");
    const result = parseForm(SignUpSchema, form({ name: "A", email: "a@example.com", password: "abcdefghij" }), ["name", "email", "password"]);
    expect(result).toEqual({ ok: false, fieldErrors: { password: ["Password must contain letters and digits."] } });
  });

  it("reports missing fields by name and trims input", () => {
    const missing = parseForm(SignUpSchema, form({}), ["name", "email", "password"]);
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.fieldErrors.name).toEqual(["Name is required."]);
      expect(missing.fieldErrors.email).toEqual(["Email is required."]);
      expect(missing.fieldErrors.password).toEqual(["Password is required."]);
    }
    const ok = parseForm(SignInSchema, form({ email: "  Casey@Example.com ", password: "x" }), ["email", "password"]);
    expect(ok).toEqual({ ok: true, data: { email: "Casey@Example.com", password: "x" } });
    expect(normalizeEmail(" Casey@Example.COM ")).toBe("casey@example.com");
  });
});

describe("unknown-email sign-in does the same work", () => {
  it("the dummy hash uses the current scheme and iteration count and matches nothing", async () => {
    const real = await hashPassword("whatever-123");
    expect(DUMMY_PASSWORD_HASH.split("$").slice(0, 2)).toEqual(real.split("$").slice(0, 2));
    expect(await verifyPassword("demo-password-2026", DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toBe(false);
  });
});

describe("rate-limit helpers", () => {
  it("takes the IP from CF-Connecting-IP, else 'unknown'", () => {
    expect(clientIp(new Request("http://x/", { headers: { "cf-connecting-ip": "203.0.113.9" } }))).toBe("203.0.113.9");
    expect(clientIp(new Request("http://x/"))).toBe("unknown");
  });

  it("hashes personal parts of keys", async () => {
    const key = await rateLimitKey("signin:ip-email", "203.0.113.9", "casey@example.com");
    expect(key).toMatch(/^signin:ip-email:[0-9a-f]{32}$/);
    expect(key).not.toContain("casey");
    expect(await rateLimitKey("signin:ip-email", "203.0.113.9", "casey@example.com")).toBe(key);
    // Parts are separated, so ("a", "bc") and ("ab", "c") differ.
    expect(await rateLimitKey("p", "a", "bc")).not.toBe(await rateLimitKey("p", "ab", "c"));
  });

  it("words waits for people and answers 429 with Retry-After in the API envelope", async () => {
    expect(describeWait(1)).toBe("1 second");
    expect(describeWait(59)).toBe("59 seconds");
    expect(describeWait(60)).toBe("1 minute");
    expect(describeWait(61)).toBe("2 minutes");
    const response = tooManyRequests({ retryAfterSeconds: 90 }, "Too many booking attempts.");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("90");
    expect(await response.json()).toEqual({ error: { code: "RATE_LIMITED", message: "Too many booking attempts. Try again in 2 minutes.", retryAfterSeconds: 90 } });
  });
});
