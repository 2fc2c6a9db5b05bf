// Money as integer minor units (cents, yen, fils) + lowercase ISO 4217 code – the shape Stripe uses,
// so amounts cross the payment boundary untouched. Floats never hold an amount: any fraction
// (fees, refund percentages, allocations) is computed with BigInt and an explicit rounding rule.

import { DomainError } from "./errors";

export interface Money {
  /** Integer minor units, a safe integer. May be negative only as the result of `subtract`. */
  readonly amount: number;
  /** ISO 4217, lowercase ("usd"), as Stripe spells it. */
  readonly currency: string;
}

const CURRENCY_RE = /^[a-z]{3}$/;

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new DomainError("VALIDATION", "A money amount must be a safe integer of minor units", {
      fields: ["amount"],
      amount,
    });
  }
  if (typeof currency !== "string" || !CURRENCY_RE.test(currency)) {
    throw new DomainError("VALIDATION", "A currency must be a lowercase ISO 4217 code such as \"usd\"", {
      fields: ["currency"],
      currency,
    });
  }
  return Object.freeze({ amount: amount === 0 ? 0 : amount, currency }); // normalise -0
}

export function zero(currency: string): Money {
  return money(0, currency);
}

export function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new DomainError("VALIDATION", `Cannot combine ${a.currency} with ${b.currency}`, {
      currencies: [a.currency, b.currency],
    });
  }
}

/** Re-validates through money() so an overflow past MAX_SAFE_INTEGER throws instead of losing cents. */
export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function assertNonNegative(m: Money, what = "amount"): void {
  if (m.amount < 0) {
    throw new DomainError("VALIDATION", `The ${what} must not be negative`, { fields: [what], amount: m.amount });
  }
}

// ---------------------------------------------------------------------------------------------
// Integer fraction math

/**
 * round-half-up(value * numerator / denominator) for value ≥ 0, exactly (BigInt, no float step).
 * Half-up is the commercial rounding everyone expects on a receipt; with non-negative inputs it is
 * the same as round-half-away-from-zero.
 */
export function mulDivRoundHalfUp(value: number, numerator: number, denominator: number): number {
  assertSafeNonNegative(value, "value");
  assertSafeNonNegative(numerator, "numerator");
  assertSafeNonNegative(denominator, "denominator");
  if (denominator === 0) throw new DomainError("VALIDATION", "Division by zero", { fields: ["denominator"] });
  const n = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  return toSafeNumber((2n * n + d) / (2n * d));
}

/** floor(value * numerator / denominator) for value ≥ 0, exactly. */
export function mulDivFloor(value: number, numerator: number, denominator: number): number {
  assertSafeNonNegative(value, "value");
  assertSafeNonNegative(numerator, "numerator");
  assertSafeNonNegative(denominator, "denominator");
  if (denominator === 0) throw new DomainError("VALIDATION", "Division by zero", { fields: ["denominator"] });
  return toSafeNumber((BigInt(value) * BigInt(numerator)) / BigInt(denominator));
}

function assertSafeNonNegative(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DomainError("VALIDATION", `${what} must be a non-negative safe integer`, { fields: [what], value: n });
  }
}

function toSafeNumber(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new DomainError("VALIDATION", "Amount out of the safe integer range", { value: n.toString() });
  }
  return Number(n);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const exponentCache = new Map<string, number>();

/**
 * Number of minor-unit digits for a currency (usd 2, jpy 0, kwd 3), taken from the runtime's CLDR
 * data via Intl rather than a hand-kept table. Note Stripe has a few special cases of its own
 * (e.g. it treats huf/twd amounts as 2-decimal for charges); the payment adapter owns those.
 */
export function minorUnitDigits(currency: string): number {
  let digits = exponentCache.get(currency);
  if (digits === undefined) {
    money(0, currency); // validate the code shape
    digits = new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).resolvedOptions()
      .maximumFractionDigits ?? 2;
    exponentCache.set(currency, digits);
  }
  return digits;
}

/**
 * Formats without ever dividing by a float: the minor units are turned into an exact decimal string
 * ("1234.50") which Intl.NumberFormat (ES2023) formats as-is, so even amounts near
 * MAX_SAFE_INTEGER print every cent correctly.
 */
export function formatMoney(m: Money, locale = "en-US"): string {
  const digits = minorUnitDigits(m.currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: m.currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return formatter.format(toDecimalString(m.amount, digits) as Intl.StringNumericLiteral);
}

/** Exact decimal representation of minor units: (12345, 2) → "123.45", (-5, 2) → "-0.05". */
export function toDecimalString(amount: number, digits: number): string {
  const negative = amount < 0;
  const abs = Math.abs(amount).toString();
  if (digits === 0) return (negative ? "-" : "") + abs;
  const padded = abs.padStart(digits + 1, "0");
  const whole = padded.slice(0, padded.length - digits);
  const fraction = padded.slice(padded.length - digits);
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

// ---------------------------------------------------------------------------------------------
// Decimal strings (price inputs)

/**
 * A decimal string ("55", "55.5", "55.50") → integer minor units of `currency`, by string arithmetic
 * only (no float ever holds the amount): "55.5" usd → 5550, "1200" jpy → 1200, "1.5" jpy → error.
 * Amounts above `max` minor units are refused; pass the limit of wherever the amount is stored.
 * The message of an error is a sentence for the person who typed the input.
 */
export function parseMinorUnits(
  input: string,
  currency: string,
  max: number = Number.MAX_SAFE_INTEGER,
): { ok: true; amount: number } | { ok: false; message: string } {
  const trimmed = input.trim();
  const prefix = /^[^\d.]*/.exec(trimmed)![0];
  // A minus (hyphen, dash or U+2212) before the number is not a currency sign: stripping it would turn "-1" into 1.
  if (/[\p{Pd}\u2212]/u.test(prefix)) return { ok: false, message: "The price cannot be negative." };
  const text = trimmed.slice(prefix.length); // tolerate a leading currency sign: "$55.50"
  let digits: number;
  try {
    digits = minorUnitDigits(currency);
  } catch {
    return { ok: false, message: "Choose a currency first." };
  }
  const m = /^(\d{0,12})(?:\.(\d*))?$/.exec(text);
  if (!text || !m || (m[1] === "" && !m[2])) return { ok: false, message: "Enter the price as a number like 55.00." };
  const whole = m[1] || "0";
  const fraction = m[2] ?? "";
  if (fraction.length > digits) {
    return {
      ok: false,
      message: digits === 0 ? `${currency.toUpperCase()} has no minor unit: enter a whole amount.` : `Use at most ${digits} decimal places.`,
    };
  }
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  if (minor > BigInt(max)) return { ok: false, message: "The price is too large." };
  return { ok: true, amount: Number(minor) };
}

/** Minor units → the decimal string a price input shows ("5550" usd → "55.50"). */
export function formatMinorUnits(amount: number, currency: string): string {
  return toDecimalString(amount, minorUnitDigits(currency));
}
