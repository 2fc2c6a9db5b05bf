// Stripe-shaped identifiers (`pi_…`, `ch_…`) and timestamps. Random rather than sequential so that code
// which accidentally depends on ID order or guesses IDs fails here as it would against Stripe.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  // 248 = 62 * 4: rejecting bytes above it keeps the characters uniformly distributed.
  for (let i = 0; out.length < length; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}

export type IdPrefix = "pi" | "ch" | "re" | "dp" | "acct" | "tr" | "evt" | "pm" | "req" | "txn" | "py";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(prefix === "acct" ? 16 : 24)}`;
}

export function newClientSecret(paymentIntentId: string): string {
  return `${paymentIntentId}_secret_${randomToken(25)}`;
}

/** Unix seconds, the unit of every `created` field. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
