import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONFIRMATION_CODE_ALPHABET,
  ConfirmationCodeSchema,
  ManageTokenSchema,
  generateConfirmationCode,
  hashToken,
  isCanonicalConfirmationCode,
  newManageToken,
  normalizeConfirmationCode,
} from "../../domain/confirmation-code";

describe("confirmation codes", () => {
  it("uses Crockford base32 without I, L, O, U", () => {
    expect(CONFIRMATION_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CONFIRMATION_CODE_ALPHABET).size).toBe(32);
    for (const ch of "ILOU") expect(CONFIRMATION_CODE_ALPHABET).not.toContain(ch);
  });

  it("generates XXXX-XXXX codes that are canonical and normalise to themselves", () => {
    for (let i = 0; i < 1_000; i++) {
      const code = generateConfirmationCode();
      expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(isCanonicalConfirmationCode(code)).toBe(true);
      expect(normalizeConfirmationCode(code)).toBe(code);
    }
  });

  it("spreads over the whole alphabet (rough uniformity check)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      for (const ch of generateConfirmationCode().replace("-", "")) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    // 32 000 symbols / 32 = 1 000 expected each; ±25 % is > 7 standard deviations.
    expect(counts.size).toBe(32);
    for (const n of counts.values()) expect(Math.abs(n - 1_000)).toBeLessThan(250);
  });

  it("does not repeat in a small batch", () => {
    const codes = new Set(Array.from({ length: 2_000 }, generateConfirmationCode));
    expect(codes.size).toBe(2_000);
  });

  it.each([
    ["abcd-efgh", "ABCD-EFGH"],
    ["ABCDEFGH", "ABCD-EFGH"],
    [" ab cd  ef gh ", "ABCD-EFGH"],
    ["AB-CD-EF-GH", "ABCD-EFGH"],
    ["oOiI-lL00", "0011-1100"],
    ["7K3M–9PQ2", "7K3M-9PQ2"], // en dash pasted from an email
    ["7k3m\t9pq2\n", "7K3M-9PQ2"],
  ])("normalises %j to %s", (input, expected) => {
    expect(normalizeConfirmationCode(input)).toBe(expected);
  });

  it.each(["", "ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFGU", "ABCD-EF*H", "ÄBCD-EFGH", "x".repeat(100)])(
    "rejects %j",
    (input) => {
      expect(normalizeConfirmationCode(input)).toBeNull();
    },
  );

  it("schema accepts what people type and outputs the canonical form", () => {
    expect(ConfirmationCodeSchema.parse("abcd efgh")).toBe("ABCD-EFGH");
    const bad = ConfirmationCodeSchema.safeParse("ABCD-EFGU");
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/confirmation code/);
    expect(ConfirmationCodeSchema.safeParse(12345678).success).toBe(false);
  });

  it("any canonical code survives lower-casing and re-spacing (property)", () => {
    const symbol = fc.constantFrom(...CONFIRMATION_CODE_ALPHABET);
    fc.assert(
      fc.property(fc.array(symbol, { minLength: 8, maxLength: 8 }), fc.array(fc.constantFrom(" ", "-", ""), { minLength: 8, maxLength: 8 }), (chars, seps) => {
        const canonical = `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
        const typed = chars.map((c, i) => c.toLowerCase() + seps[i]).join("");
        expect(normalizeConfirmationCode(typed)).toBe(canonical);
      }),
    );
  });
});

describe("manage tokens", () => {
  it("are 32 random bytes as base64url without padding", () => {
    const tokens = Array.from({ length: 500 }, newManageToken);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(ManageTokenSchema.safeParse(t).success).toBe(true);
      const bytes = Buffer.from(t, "base64url");
      expect(bytes).toHaveLength(32);
      expect(bytes.toString("base64url")).toBe(t);
    }
    expect(new Set(tokens).size).toBe(500);
  });

  it("schema rejects malformed tokens", () => {
    expect(ManageTokenSchema.safeParse("short").success).toBe(false);
    expect(ManageTokenSchema.safeParse(`${"a".repeat(42)}=`).success).toBe(false);
    expect(ManageTokenSchema.safeParse(`${"a".repeat(42)}+`).success).toBe(false);
  });

  it("hash as SHA-256 hex", async () => {
    // FIPS 180-2 test vector.
    expect(await hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const token = newManageToken();
    const hash = await hashToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashToken(token)).toBe(hash);
    expect(await hashToken(newManageToken())).not.toBe(hash);
  });
});
