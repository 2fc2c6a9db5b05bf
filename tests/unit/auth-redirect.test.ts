// redirectTo handling: only same-site relative paths survive (no open redirect).
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
  ])("refuses %j", (input) => {
    expect(safeRedirect(input, "/fallback")).toBe("/fallback");
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
