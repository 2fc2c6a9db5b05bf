import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUnstorableText, isStorableText } from "../../domain/text";

/**
 * What UTF-8 can carry and Postgres' text type accepts: encoding then decoding gives it back, and no NUL.
 * ignoreBOM: a decoder otherwise drops a leading U+FEFF as a byte-order mark, though it is text like any
 * other (fast-check found "\uFEFF" disagreeing).
 */
const reference = (s: string) => !s.includes("\u0000") && new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(s)) === s;

describe("storable text", () => {
  it("agrees with a UTF-8 round trip on any UTF-16 string", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => isStorableText(s) === reference(s)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (s) => isStorableText(s) === reference(s)), {
      numRuns: 2000,
    });
  });

  it("keeps emoji and every script, refuses NUL and halves of a pair", () => {
    expect(isStorableText("Zoë 👩🏽‍⚕️ Łódź 東京 \t\n")).toBe(true);
    expect(isStorableText("a\u0000b")).toBe(false);
    expect(isStorableText("\ufeffleading byte-order mark")).toBe(true);
    expect(isStorableText("\ud83d")).toBe(false);
    expect(isStorableText("x\ude00")).toBe(false);
    expect(isStorableText("\ude00\ud83d")).toBe(false);
  });

  it("names the first offending path of a JSON value", () => {
    expect(findUnstorableText({ a: "ok", customer: { name: "A\u0000" } })).toBe("customer.name");
    expect(findUnstorableText({ items: ["ok", "ok", "\ud800"] })).toBe("items.2");
    expect(findUnstorableText("\u0000")).toBe("(body)");
    expect(findUnstorableText({ "k\u0000": 1 })).toBe("k?");
    expect(findUnstorableText({ n: 1, b: true, z: null, s: "fine" })).toBeNull();
  });
});
