// Amounts are integers in the currency's minor unit, as in Stripe (1000 usd = $10.00, 1000 jpy = ¥1,000).
import { paramError } from "./errors";

/** Digits after the decimal point; Intl knows the zero-decimal currencies (jpy, krw, …). */
export function minorUnitDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatAmount(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

// Stripe's minimum charge amounts for common settlement currencies (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
const MINIMUM: Record<string, number> = {
  usd: 50, eur: 50, gbp: 30, aud: 50, cad: 50, chf: 50, nzd: 50, sgd: 50, brl: 50, inr: 50, jpy: 50,
  hkd: 400, dkk: 250, nok: 300, sek: 300, pln: 200, czk: 1500, huf: 17500, mxn: 1000, ron: 200,
};
const MAXIMUM = 99_999_999;

export function checkChargeAmount(amount: number, currency: string, param = "amount"): void {
  const min = MINIMUM[currency] ?? 1;
  if (amount < min) {
    throw paramError(`Amount must be at least ${formatAmount(min, currency)} ${currency}`, param, "amount_too_small");
  }
  if (amount > MAXIMUM) {
    throw paramError(`Amount must be no more than ${formatAmount(MAXIMUM, currency)}`, param, "amount_too_large");
  }
}
