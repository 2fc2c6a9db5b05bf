import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  compare,
  equals,
  formatMinorUnits,
  formatMoney,
  minorUnitDigits,
  money,
  mulDivFloor,
  mulDivRoundHalfUp,
  parseMinorUnits,
  subtract,
  toDecimalString,
  zero,
} from "../../domain/money";
import { thrownCode } from "../support/domain-errors";

describe("money()", () => {
  it("builds valid money", () => {
    expect(money(1234, "usd")).toEqual({ amount: 1234, currency: "usd" });
    expect(money(-5, "eur").amount).toBe(-5);
    expect(Object.is(money(-0, "usd").amount, 0)).toBe(true);
    expect(zero("jpy")).toEqual({ amount: 0, currency: "jpy" });
  });

  it.each([1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, 2 ** 60])(
    "rejects amount %s",
    (amount) => {
      expect(thrownCode(() => money(amount, "usd"))).toBe("VALIDATION");
    },
  );

  it.each(["USD", "us", "usdd", "", "u$d", " usd"])("rejects currency %j", (currency) => {
    expect(thrownCode(() => money(1, currency))).toBe("VALIDATION");
  });
});

describe("arithmetic", () => {
  it("adds and subtracts in the same currency", () => {
    expect(add(money(150, "usd"), money(275, "usd"))).toEqual(money(425, "usd"));
    expect(subtract(money(150, "usd"), money(275, "usd"))).toEqual(money(-125, "usd"));
    expect(equals(money(1, "usd"), money(1, "usd"))).toBe(true);
    expect(equals(money(1, "usd"), money(1, "eur"))).toBe(false);
    expect(compare(money(1, "usd"), money(2, "usd"))).toBe(-1);
  });

  it("refuses to mix currencies", () => {
    expect(thrownCode(() => add(money(1, "usd"), money(1, "eur")))).toBe("VALIDATION");
    expect(thrownCode(() => subtract(money(1, "usd"), money(1, "jpy")))).toBe("VALIDATION");
    expect(thrownCode(() => compare(money(1, "usd"), money(1, "jpy")))).toBe("VALIDATION");
  });

  it("throws instead of losing precision past MAX_SAFE_INTEGER", () => {
    expect(thrownCode(() => add(money(Number.MAX_SAFE_INTEGER, "usd"), money(1, "usd")))).toBe("VALIDATION");
  });

  it("add/subtract are inverse (property)", () => {
    const amount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        expect(subtract(add(money(a, "usd"), money(b, "usd")), money(b, "usd"))).toEqual(money(a, "usd"));
      }),
    );
  });
});

describe("integer fractions", () => {
  it("rounds half up exactly", () => {
    expect(mulDivRoundHalfUp(1005, 1000, 10_000)).toBe(101); // 100.5 → 101
    expect(mulDivRoundHalfUp(1004, 1000, 10_000)).toBe(100); // 100.4 → 100
    expect(mulDivRoundHalfUp(1, 1, 2)).toBe(1);
    expect(mulDivRoundHalfUp(1, 1, 3)).toBe(0);
    expect(mulDivRoundHalfUp(Number.MAX_SAFE_INTEGER, 9_999, 10_000)).toBe(9_006_298_534_815_517); // exact, no float
    expect(mulDivFloor(1005, 1000, 10_000)).toBe(100);
  });

  it("rejects bad operands", () => {
    expect(thrownCode(() => mulDivRoundHalfUp(1, 1, 0))).toBe("VALIDATION");
    expect(thrownCode(() => mulDivRoundHalfUp(-1, 1, 2))).toBe("VALIDATION");
    expect(thrownCode(() => mulDivRoundHalfUp(1.5, 1, 2))).toBe("VALIDATION");
  });
});

describe("formatting", () => {
  it("reads minor-unit digits from Intl", () => {
    expect(minorUnitDigits("usd")).toBe(2);
    expect(minorUnitDigits("eur")).toBe(2);
    expect(minorUnitDigits("jpy")).toBe(0);
    expect(minorUnitDigits("krw")).toBe(0);
    expect(minorUnitDigits("kwd")).toBe(3);
    expect(minorUnitDigits("bhd")).toBe(3);
    expect(thrownCode(() => minorUnitDigits("US"))).toBe("VALIDATION");
  });

  it("builds exact decimal strings", () => {
    expect(toDecimalString(12345, 2)).toBe("123.45");
    expect(toDecimalString(5, 2)).toBe("0.05");
    expect(toDecimalString(-5, 2)).toBe("-0.05");
    expect(toDecimalString(7, 3)).toBe("0.007");
    expect(toDecimalString(500, 0)).toBe("500");
    expect(toDecimalString(0, 2)).toBe("0.00");
  });

  it.each([
    [money(123456, "usd"), "en-US", "$1,234.56"],
    [money(5, "usd"), "en-US", "$0.05"],
    [money(-250, "usd"), "en-US", "-$2.50"],
    [money(1500, "jpy"), "en-US", "¥1,500"],
    [money(1234, "kwd"), "en-US", "KWD 1.234"],
    [money(123456, "eur"), "de-DE", "1.234,56 €"],
    [money(Number.MAX_SAFE_INTEGER, "usd"), "en-US", "$90,071,992,547,409.91"],
  ] as const)("formats %o in %s", (m, locale, expected) => {
    // Intl uses non-breaking spaces in some locales; compare with plain spaces.
    expect(formatMoney(m, locale).replace(/[\u00a0\u202f]/g, " ")).toBe(expected);
  });

  it("defaults to en-US", () => {
    expect(formatMoney(money(100, "usd"))).toBe("$1.00");
  });
});

describe("price inputs", () => {
  const INT4_MAX = 2_147_483_647; // what a caller storing in an integer column passes as `max`

  it.each([
    ["55.5", "usd", 5550],
    ["55", "usd", 5500],
    ["55.50", "usd", 5550],
    ["0.07", "usd", 7],
    ["1.", "usd", 100],
    [".5", "usd", 50],
    ["0", "usd", 0],
    [" $55.50 ", "usd", 5550],
    ["12", "jpy", 12],
    ["1200", "jpy", 1200],
    ["0.125", "kwd", 125],
    ["1.234", "kwd", 1234],
  ] as const)("parses %s %s as %i minor units", (input, currency, amount) => {
    expect(parseMinorUnits(input, currency)).toEqual({ ok: true, amount });
  });

  it.each([
    ["55.555", "usd", "Use at most 2 decimal places."],
    ["1.5", "jpy", "JPY has no minor unit: enter a whole amount."],
    ["0.1234", "kwd", "Use at most 3 decimal places."],
    ["-1", "usd", "The price cannot be negative."],
    ["-0.50", "usd", "The price cannot be negative."],
    ["\u22121", "usd", "The price cannot be negative."],
    ["$-1", "usd", "The price cannot be negative."],
    ["-$1", "usd", "The price cannot be negative."],
    ["1e3", "usd", "Enter the price as a number like 55.00."],
    ["abc", "usd", "Enter the price as a number like 55.00."],
    ["", "usd", "Enter the price as a number like 55.00."],
    [".", "usd", "Enter the price as a number like 55.00."],
    ["1.2.3", "usd", "Enter the price as a number like 55.00."],
    ["1,000", "usd", "Enter the price as a number like 55.00."],
    ["9999999999999", "usd", "Enter the price as a number like 55.00."], // more than 12 whole digits
    ["55", "US", "Choose a currency first."],
  ] as const)("refuses %s %s", (input, currency, message) => {
    expect(parseMinorUnits(input, currency)).toEqual({ ok: false, message });
  });

  it("refuses amounts above the caller's maximum, inclusive bound", () => {
    expect(parseMinorUnits("21474836.47", "usd", INT4_MAX)).toEqual({ ok: true, amount: INT4_MAX });
    expect(parseMinorUnits("21474836.48", "usd", INT4_MAX)).toEqual({ ok: false, message: "The price is too large." });
    expect(parseMinorUnits("99999999999", "usd", INT4_MAX)).toEqual({ ok: false, message: "The price is too large." });
    expect(parseMinorUnits("999999999999.999", "kwd")).toEqual({ ok: true, amount: 999_999_999_999_999 }); // still a safe integer
  });

  it("formats minor units for the input", () => {
    expect(formatMinorUnits(5550, "usd")).toBe("55.50");
    expect(formatMinorUnits(7, "usd")).toBe("0.07");
    expect(formatMinorUnits(1200, "jpy")).toBe("1200");
    expect(formatMinorUnits(125, "kwd")).toBe("0.125");
  });

  it("parses what it formats (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("usd", "jpy", "kwd"), fc.integer({ min: 0, max: INT4_MAX }), (currency, amount) => {
        expect(parseMinorUnits(formatMinorUnits(amount, currency), currency, INT4_MAX)).toEqual({ ok: true, amount });
      }),
    );
  });
});
