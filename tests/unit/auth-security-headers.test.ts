// withSecurityHeaders(): one function puts CSP, nosniff, referrer, permissions and (https only) HSTS
// on every response.
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, createNonce, withSecurityHeaders } from "../../workers/http/security-headers";

function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(";").map((part) => {
    const [name, ...sources] = part.trim().split(/\s+/);
    return [name!, sources];
  }));
}

describe("contentSecurityPolicy", () => {
  it("allows our own scripts plus the nonce, never inline scripts", () => {
    const nonce = createNonce();
    const csp = directives(contentSecurityPolicy({ url: "https://shop.example/", nonce }));
    expect(csp["default-src"]).toEqual(["'self'"]);
    expect(csp["script-src"]).toEqual(["'self'", `'nonce-${nonce}'`, "https://js.stripe.com"]);
    expect(csp["frame-src"]).toEqual(["https://js.stripe.com", "https://hooks.stripe.com"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["base-uri"]).toEqual(["'none'"]);
    expect(csp["form-action"]).toEqual(["'self'"]);
  });

  it("without a nonce, inline scripts stay blocked", () => {
    expect(directives(contentSecurityPolicy({ url: "https://shop.example/" }))["script-src"]).toEqual(["'self'", "https://js.stripe.com"]);
    expect(directives(contentSecurityPolicy({ url: "https://shop.example/", nonce: "bad nonce'; script-src *" }))["script-src"]).toEqual(["'self'", "https://js.stripe.com"]);
  });

  it("allows live updates over WebSocket to our own host with the matching scheme", () => {
    expect(directives(contentSecurityPolicy({ url: "https://shop.example/providers/x" }))["connect-src"]).toEqual(["'self'", "wss://shop.example", "https://api.stripe.com"]);
    expect(directives(contentSecurityPolicy({ url: "http://127.0.0.1:8787/" }))["connect-src"]).toEqual(["'self'", "ws://127.0.0.1:8787", "https://api.stripe.com"]);
  });

  it("adds the checkout origins to form-action, as origins only", () => {
    const csp = directives(
      contentSecurityPolicy({
        url: "https://shop.example/",
        formActionOrigins: ["https://checkout.stripe.com/c/pay/cs_123", "http://127.0.0.1:12111", "not a url", "javascript:alert(1)", "https://checkout.stripe.com"],
      }),
    );
    expect(csp["form-action"]).toEqual(["'self'", "https://checkout.stripe.com", "http://127.0.0.1:12111"]);
  });
});

describe("withSecurityHeaders", () => {
  it("sets every header, HSTS only over https", () => {
    const secured = withSecurityHeaders(new Response("<!doctype html>", { headers: { "content-type": "text/html" } }), { url: "https://shop.example/", nonce: createNonce() });
    expect(secured.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(secured.headers.get("x-content-type-options")).toBe("nosniff");
    expect(secured.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(secured.headers.get("permissions-policy")).toContain("camera=()");
    expect(secured.headers.get("x-frame-options")).toBe("DENY");
    expect(secured.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(secured.headers.get("content-type")).toBe("text/html");

    const local = withSecurityHeaders(new Response("{}"), { url: "http://127.0.0.1:8787/api/v1/services" });
    expect(local.headers.get("strict-transport-security")).toBeNull();
    expect(local.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("keeps status, body and headers a route set itself", async () => {
    const original = new Response("gone", { status: 410, headers: { "referrer-policy": "no-referrer", "set-cookie": "a=1" } });
    const secured = withSecurityHeaders(original, { url: "https://shop.example/" });
    expect(secured.status).toBe(410);
    expect(await secured.text()).toBe("gone");
    expect(secured.headers.get("referrer-policy")).toBe("no-referrer");
    expect(secured.headers.get("set-cookie")).toBe("a=1");
  });

  it("works on responses with immutable headers (Response.redirect)", () => {
    const secured = withSecurityHeaders(Response.redirect("https://shop.example/account", 302), { url: "https://shop.example/sign-in" });
    expect(secured.status).toBe(302);
    expect(secured.headers.get("location")).toBe("https://shop.example/account");
    expect(secured.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("makes a fresh 128-bit nonce each time", () => {
    const a = createNonce();
    expect(a).not.toBe(createNonce());
    expect(atob(a)).toHaveLength(16);
  });
});
