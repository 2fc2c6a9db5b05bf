import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64, toBase64Url } from "../../domain/base64";

describe("base64", () => {
  it("agrees with Node's encoders and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
        expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
        expect(Array.from(fromBase64Url(toBase64Url(bytes)))).toEqual(Array.from(bytes));
      }),
    );
  });

  it("reads base64url with or without padding and refuses text that is not base64", () => {
    expect(Array.from(fromBase64Url("_-8"))).toEqual([0xff, 0xef]);
    expect(Array.from(fromBase64Url("_-8="))).toEqual([0xff, 0xef]);
    expect(() => fromBase64Url("not base64!")).toThrow();
  });
});
