import { describe, expect, it } from "vitest";
import { DEMO_PROVIDERS, demoConfirmationCode } from "../../db/seed";
import { normalizeConfirmationCode } from "../../domain/confirmation-code";

describe("demo booking codes", () => {
  it("are canonical codes, so a demo booking opens by its code", () => {
    const codes = DEMO_PROVIDERS.flatMap((demo) => [1, 2].map((n) => demoConfirmationCode(demo.slug, n)));
    for (const code of codes) expect(normalizeConfirmationCode(code), code).toBe(code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(demoConfirmationCode("lord-howe-dive", 1)).toBe("SEED-1001");
    expect(demoConfirmationCode("u", 2)).toBe("SEED-VX02");
  });
});
