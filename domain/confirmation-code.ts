// Confirmation codes (what a customer reads out on the phone) and manage tokens (the secret in a
// guest's "manage your booking" link). Web Crypto only, so this runs unchanged in Workers and Node.
//
// Code: 8 symbols of Crockford base32 – digits plus letters without I, L, O, U (the ambiguous ones
// and U to avoid accidental words) – shown as "XXXX-XXXX". 40 random bits: not a secret (the
// manage token is), just short, unambiguous and unlikely to collide; the DB keeps a unique index
// and the caller retries on a collision. Canonical form (stored and displayed) is "XXXX-XXXX".

import { z } from "zod";
import { toBase64Url } from "./base64";

export const CONFIRMATION_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 8;
const CANONICAL_RE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

export function generateConfirmationCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_LENGTH));
  // 256 is a multiple of 32, so `& 31` keeps every symbol equally likely (no modulo bias).
  let raw = "";
  for (const byte of bytes) raw += CONFIRMATION_CODE_ALPHABET[byte & 31];
  return formatCode(raw);
}

function formatCode(raw: string): string {
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

/**
 * Forgiving read of what a person typed: case-insensitive, spaces and dashes ignored, and the
 * characters Crockford says people confuse mapped back (O→0, I/L→1). Returns the canonical
 * "XXXX-XXXX", or null if it still is not a valid code (e.g. contains U or has the wrong length).
 */
export function normalizeConfirmationCode(input: string): string | null {
  if (typeof input !== "string" || input.length > 64) return null; // don't chew on junk
  const raw = input
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015]/g, "") // also typographic dashes pasted from emails
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (raw.length !== CODE_LENGTH) return null;
  for (const ch of raw) if (!CONFIRMATION_CODE_ALPHABET.includes(ch)) return null;
  return formatCode(raw);
}

export function isCanonicalConfirmationCode(value: string): boolean {
  return CANONICAL_RE.test(value);
}

/** Accepts what a person typed, outputs the canonical "XXXX-XXXX". */
export const ConfirmationCodeSchema = z.string().transform((value, ctx) => {
  const code = normalizeConfirmationCode(value);
  if (code === null) {
    ctx.addIssue({ code: "custom", message: "That is not a valid confirmation code (format XXXX-XXXX)" });
    return z.NEVER;
  }
  return code;
});

// ---------------------------------------------------------------------------------------------
// Manage tokens: 256 random bits, base64url without padding (43 chars, URL-safe as-is). Only the
// SHA-256 hash is stored, so a DB leak does not hand out working links. A plain hash (no salt or
// slow KDF) is enough because the token itself has full entropy, and it lets us look rows up by hash.
// Guests' tokens are derived from a key instead of drawn (workers/auth/keyring.ts), same shape.

const TOKEN_BYTES = 32;
export const ManageTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "Invalid manage token");

export function newManageToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

/** SHA-256 of the token's UTF-8 bytes, lowercase hex (64 chars). */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
