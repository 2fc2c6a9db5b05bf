// The keys derived from the app's secrets, one per purpose (docs/decisions/0011-keys-per-purpose.md).
//
// SESSION_SECRET is the newest secret: it signs. SESSION_SECRETS_PREVIOUS lists retired ones, which
// still verify, so a rotation keeps every cookie and mailed link valid until it expires. Each purpose
// gets its own HMAC key by HKDF-SHA256 (info = the purpose), so a token made for one purpose never
// verifies as another and no key is used for two jobs.
//
// Tokens made before keys were derived were signed with the raw secret; those "legacy" keys are
// tried last when verifying (never for signing) until the last such token has expired.
import { hashToken } from "../../domain/confirmation-code";
import { fromBase64Url, toBase64Url } from "../../domain/base64";

export type KeyPurpose = "session" | "email-link" | "manage-token" | "calendar-feed";

/** The app's secrets, newest first. */
export interface Keyring {
  readonly secrets: readonly [string, ...string[]];
}

const encoder = new TextEncoder();
const SALT = encoder.encode("edge-booking/keys/v1");
const derived = new Map<string, Promise<CryptoKey>>();

function cached(id: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let key = derived.get(id);
  if (!key) {
    key = make();
    // A failed derivation must not stay cached.
    key.catch(() => derived.delete(id));
    derived.set(id, key);
  }
  return key;
}

function purposeKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  return cached(`${purpose}\u0000${secret}`, async () => {
    const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode(purpose) },
      base,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign", "verify"],
    );
  });
}

/** The key tokens were signed with before per-purpose keys: HMAC straight over the secret. */
function legacyKey(secret: string): Promise<CryptoKey> {
  return cached(`legacy\u0000${secret}`, () => crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
}

/** The key that signs (and derives) for `purpose`: the newest secret's. */
export function signingKey(ring: Keyring, purpose: KeyPurpose): Promise<CryptoKey> {
  return purposeKey(ring.secrets[0], purpose);
}

/** Every key a token for `purpose` may have been made with, newest first, legacy keys last. */
export function verifyingKeys(ring: Keyring, purpose: KeyPurpose): Promise<CryptoKey[]> {
  return Promise.all([...ring.secrets.map((s) => purposeKey(s, purpose)), ...ring.secrets.map(legacyKey)]);
}

const rings = new WeakMap<object, Keyring>();

/** The keyring of a parsed configuration (one object per isolate, so this is computed once). */
export function keyringOf(config: { SESSION_SECRET: string; SESSION_SECRETS_PREVIOUS: readonly string[] }): Keyring {
  let ring = rings.get(config);
  if (!ring) {
    ring = { secrets: [config.SESSION_SECRET, ...config.SESSION_SECRETS_PREVIOUS.filter((s) => s !== config.SESSION_SECRET)] };
    rings.set(config, ring);
  }
  return ring;
}

// ---------------------------------------------------------------------------------------------
// Guests' manage tokens: derived, not drawn, so later mails can carry the link though only its hash is stored.

async function manageTokenWith(key: CryptoKey, guestSessionId: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`manage-token:${guestSessionId}`))));
}

/** A new guest session's manage token (the newest key's). */
export async function newGuestManageToken(ring: Keyring, guestSessionId: string): Promise<string> {
  return manageTokenWith(await signingKey(ring, "manage-token"), guestSessionId);
}

/**
 * The manage token an existing guest session was given: the one of the ring's keys whose hash is the
 * stored `tokenHash`. Null when none matches (a random token from a script or test, or a secret that
 * has been retired for good): the mail then carries the plain manage URL.
 */
export async function existingGuestManageToken(ring: Keyring, guestSessionId: string, tokenHash: string): Promise<string | null> {
  for (const key of await verifyingKeys(ring, "manage-token")) {
    const token = await manageTokenWith(key, guestSessionId);
    if ((await hashToken(token)) === tokenHash) return token;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds' URL tokens: derived from the feed's id, so the secret address can be shown again
// without being stored. No legacy keys: feeds were never signed with a raw secret.

async function feedTokenMac(key: CryptoKey, feedId: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`calendar-feed:${feedId}`)));
}

/** The token in a feed's URL (the newest key's). */
export async function calendarFeedToken(ring: Keyring, feedId: string): Promise<string> {
  return toBase64Url(await feedTokenMac(await signingKey(ring, "calendar-feed"), feedId));
}

/** Whether `token` is the feed's, under any secret of the ring (a rotation keeps subscriptions working). */
export async function isCalendarFeedToken(ring: Keyring, feedId: string, token: string): Promise<boolean> {
  let mac: Uint8Array<ArrayBuffer>;
  try {
    mac = fromBase64Url(token);
  } catch {
    return false;
  }
  // One address per feed: a last character differing only in the unused low bits decodes to the same
  // bytes, so only the text this code itself produces is accepted.
  if (toBase64Url(mac) !== token) return false;
  for (const secret of ring.secrets) {
    // verify() compares in constant time.
    if (await crypto.subtle.verify("HMAC", await purposeKey(secret, "calendar-feed"), mac, encoder.encode(`calendar-feed:${feedId}`))) return true;
  }
  return false;
}
