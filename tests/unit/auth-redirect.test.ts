// redirectTo handling: only same-site relative paths survive (no open redirect).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { homeForRole, safeRedirect } from "../../workers/auth/redirect";

describe("safeRedirect", () => {
  it.each([
    ["/account", "/account"],
    ["/providers/ana?tab=services#top", "/providers/ana?tab=services#top"],
    ["/a/../admin", "/admin"],
    ["/caf%C3%A9", "/caf%C3%A9"],
  ])("keeps the same-site path %s", (input, expected) => {
    expect(safeRedirect(input, "/fallback")).toBe(expected);
  });

  it.each([
    ["//evil.example/path"],
    ["///evil.example"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["https://evil.example/"],
    ["http:/evil.example"],
    ["javascript:alert(1)"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    [" /account"],
    ["account"],
    [""],
    ["/" + "a".repeat(2001)],
    // Same-site as sent, another host once normalised (the probe's findings).
    ["/.//evil.example"],
    ["/a/..//evil.example"],
    ["/%2e//evil.example"],
    ["/%2E%2E//evil.example"],
    ["/a/%2e%2e//evil.example"],
    ["/a/b/../..//evil.example/x?y#z"],
  ])("refuses %j", (input) => {
    expect(safeRedirect(input, "/fallback")).toBe("/fallback");
  });

  it("only ever returns the fallback or a path the browser keeps on this origin, and is a fixed point", () => {
    const origin = "https://app.example";
    const segment = fc.constantFrom("", ".", "..", "%2e", "%2E", "%2e%2e", ".%2e", "a", "evil.example", "%2F", "%5C", "@", ":");
    const path = fc.array(segment, { maxLength: 6 }).map((parts) => "/" + parts.join("/"));
    fc.assert(
      fc.property(fc.oneof(path, fc.string({ maxLength: 40 }).map((s) => "/" + s), fc.string({ maxLength: 40 })), (input) => {
        const out = safeRedirect(input, "/fallback");
        if (out === "/fallback") return;
        expect(new URL(out, origin).origin).toBe(origin);
        expect(out.startsWith("//")).toBe(false);
        expect(safeRedirect(out, "/fallback")).toBe(out);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses non-strings (a File from a form, null)", () => {
    expect(safeRedirect(null)).toBe("/");
    expect(safeRedirect(undefined, "/x")).toBe("/x");
    expect(safeRedirect(new File(["x"], "x.txt"), "/x")).toBe("/x");
  });

  it("sends each role to its own home page", () => {
    expect(homeForRole("admin")).toBe("/admin");
    expect(homeForRole("provider")).toBe("/provider");
    expect(homeForRole("customer")).toBe("/account");
  });
});
