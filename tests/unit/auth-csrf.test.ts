// CSRF rules: Origin / Sec-Fetch-Site checks, session-bound tokens, double-submit cookie for guests.
import { describe, expect, it } from "vitest";
import {
  CSRF_MESSAGES,
  anonymousCsrfCookie,
  anonymousCsrfCookieName,
  crossSiteProblem,
  csrfProblem,
  newCsrfToken,
  readAnonymousCsrfToken,
  refuseCrossSitePost,
  timingSafeEqual,
} from "../../workers/auth/csrf";

const post = (url: string, headers: Record<string, string> = {}) => new Request(url, { method: "POST", headers });

describe("anonymous double-submit cookie", () => {
  it("makes unguessable url-safe tokens", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newCsrfToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it("uses a __Host- cookie with Secure on https, a plain one on http", () => {
    const https = new Request("https://shop.example/sign-in");
    const http = new Request("http://127.0.0.1:8787/sign-in");
    expect(anonymousCsrfCookieName(https)).toBe("__Host-eb_csrf");
    expect(anonymousCsrfCookie(https, "t".repeat(32))).toBe(`__Host-eb_csrf=${"t".repeat(32)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600; Secure`);
    expect(anonymousCsrfCookie(http, "t".repeat(32))).toBe(`eb_csrf=${"t".repeat(32)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600`);
  });

  it("reads only the cookie for the request's scheme and only well-formed tokens", () => {
    const token = newCsrfToken();
    expect(readAnonymousCsrfToken(new Request("http://x.example/", { headers: { cookie: `a=1; eb_csrf=${token}` } }))).toBe(token);
    // On https a plain (tossable) eb_csrf cookie is ignored.
    expect(readAnonymousCsrfToken(new Request("https://x.example/", { headers: { cookie: `eb_csrf=${token}` } }))).toBeNull();
    expect(readAnonymousCsrfToken(new Request("https://x.example/", { headers: { cookie: `__Host-eb_csrf=${token}` } }))).toBe(token);
    expect(readAnonymousCsrfToken(new Request("http://x.example/", { headers: { cookie: "eb_csrf=short" } }))).toBeNull();
    expect(readAnonymousCsrfToken(new Request("http://x.example/", { headers: { cookie: 'eb_csrf="><script>' } }))).toBeNull();
  });
});

describe("csrfProblem", () => {
  const token = newCsrfToken();
  const guestCookie = { cookie: `eb_csrf=${token}` };

  it("accepts a guest form whose field matches the cookie", () => {
    expect(csrfProblem(post("http://x.example/sign-in", guestCookie), token, null)).toBeNull();
    expect(csrfProblem(post("http://x.example/sign-in", { ...guestCookie, origin: "http://x.example", "sec-fetch-site": "same-origin" }), token, null)).toBeNull();
  });

  it("refuses a missing, empty or different token", () => {
    const request = post("http://x.example/sign-in", guestCookie);
    expect(csrfProblem(request, null, null)).toBe(CSRF_MESSAGES.badToken);
    expect(csrfProblem(request, "", null)).toBe(CSRF_MESSAGES.badToken);
    expect(csrfProblem(request, newCsrfToken(), null)).toBe(CSRF_MESSAGES.badToken);
    expect(csrfProblem(request, new File([token], "t"), null)).toBe(CSRF_MESSAGES.badToken);
  });

  it("says so when the browser sent no token cookie", () => {
    expect(csrfProblem(post("http://x.example/sign-in"), token, null)).toBe(CSRF_MESSAGES.noCookie);
  });

  it("binds signed-in forms to the session token, not the guest cookie", () => {
    const sessionToken = newCsrfToken();
    const request = post("http://x.example/sign-out", guestCookie);
    expect(csrfProblem(request, sessionToken, sessionToken)).toBeNull();
    expect(csrfProblem(request, token, sessionToken)).toBe(CSRF_MESSAGES.badToken);
  });

  it("refuses cross-site requests even with a matching token", () => {
    expect(csrfProblem(post("http://x.example/sign-in", { ...guestCookie, origin: "https://evil.example" }), token, null)).toBe(CSRF_MESSAGES.crossSite);
    expect(csrfProblem(post("http://x.example/sign-in", { ...guestCookie, origin: "null" }), token, null)).toBe(CSRF_MESSAGES.crossSite);
    // Same host, other scheme or port is another origin.
    expect(csrfProblem(post("https://x.example/sign-in", { origin: "http://x.example" }), token, token)).toBe(CSRF_MESSAGES.crossSite);
    expect(csrfProblem(post("http://x.example/sign-in", { ...guestCookie, "sec-fetch-site": "cross-site" }), token, null)).toBe(CSRF_MESSAGES.crossSite);
  });
});

describe("crossSiteProblem / refuseCrossSitePost", () => {
  it("lets requests without Origin through to the token check", () => {
    expect(crossSiteProblem(post("http://x.example/"))).toBeNull();
  });

  it("answers a cross-site POST with a readable 403 and leaves reads alone", async () => {
    const refused = refuseCrossSitePost(post("https://x.example/sign-in", { origin: "https://evil.example" }));
    expect(refused?.status).toBe(403);
    expect(await refused!.text()).toBe(CSRF_MESSAGES.crossSite);
    expect(refuseCrossSitePost(new Request("https://x.example/", { headers: { origin: "https://evil.example" } }))).toBeNull();
    expect(refuseCrossSitePost(post("https://x.example/sign-in", { origin: "https://x.example" }))).toBeNull();
  });
});

describe("timingSafeEqual", () => {
  it("compares exactly", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
    expect(timingSafeEqual("é", "e")).toBe(false);
  });
});
