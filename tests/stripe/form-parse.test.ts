// Stripe's form encoding, as stripe-node produces it and as curl users type it.
import { describe, expect, it } from "vitest";
import { canonicalJson, FormParseError, parseForm } from "../../stripe-standin/form-parse";

describe("parseForm", () => {
  it("builds nested hashes and indexed arrays", () => {
    const parsed = parseForm(
      "amount=1000&metadata[booking_id]=b%201&capabilities[transfers][requested]=true&expand[0]=latest_charge&expand[1]=customer",
    );
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({
      amount: "1000",
      metadata: { booking_id: "b 1" },
      capabilities: { transfers: { requested: "true" } },
      expand: ["latest_charge", "customer"],
    });
  });

  it("accepts `a[]=` appends, `+` as space and percent-encoded brackets", () => {
    expect(JSON.parse(JSON.stringify(parseForm("types[]=a&types[]=b&description=two+words&metadata%5Bk%5D=v")))).toEqual({
      types: ["a", "b"],
      description: "two words",
      metadata: { k: "v" },
    });
  });

  it("keeps numeric metadata keys as a hash, and empty values for unsetting", () => {
    expect(JSON.parse(JSON.stringify(parseForm("metadata[0]=x&metadata[1]=&description=")))).toEqual({
      metadata: { "0": "x", "1": "" },
      description: "",
    });
  });

  it("rejects conflicting or malformed keys", () => {
    expect(() => parseForm("a=1&a[b]=2")).toThrow(FormParseError);
    expect(() => parseForm("a[b]=1&a=2")).toThrow(FormParseError);
    expect(() => parseForm("a[b=1")).toThrow(FormParseError);
    expect(() => parseForm("a=%E0%A4%A")).toThrow(FormParseError);
  });

  it("is safe against prototype keys", () => {
    const parsed = parseForm("__proto__[polluted]=yes&constructor[prototype][x]=1");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(parsed)).toContain("__proto__");
  });
});

describe("canonicalJson", () => {
  it("ignores key order, so idempotent requests compare by content", () => {
    expect(canonicalJson({ b: "1", a: { d: "2", c: ["x", "y"] } })).toBe(canonicalJson({ a: { c: ["x", "y"], d: "2" }, b: "1" }));
    expect(canonicalJson({ a: ["x", "y"] })).not.toBe(canonicalJson({ a: ["y", "x"] }));
  });
});
