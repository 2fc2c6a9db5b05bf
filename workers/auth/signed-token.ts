// Signed, expiring tokens: `<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`, keyed by the
// purpose's key from the keyring (./keyring.ts). Used for the session cookie and for links mailed to
// people (email verification). Each use has its own key and its own zod schema, so one kind of token
// never passes as another.
import type { z } from "zod";
import { fromBase64Url, toBase64Url } from "../../domain/base64";
import { type KeyPurpose, type Keyring, signingKey, verifyingKeys } from "./keyring";

const encoder = new TextEncoder();

/** Signs a payload that carries its own expiry (`exp`, Unix seconds) with the newest key of `purpose`. */
export async function signToken(payload: { exp: number } & Record<string, unknown>, ring: Keyring, purpose: KeyPurpose): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await signingKey(ring, purpose), encoder.encode(body));
  return `${body}.${toBase64Url(signature)}`;
}

async function signedByAnyOf(keys: CryptoKey[], signature: Uint8Array<ArrayBuffer>, body: Uint8Array<ArrayBuffer>): Promise<boolean> {
  for (const key of keys) if (await crypto.subtle.verify("HMAC", key, signature, body)) return true;
  return false;
}

/** The payload if a key of `purpose` signed it, it matches `schema` and `exp` is still ahead; else null. */
export async function verifyToken<T extends { exp: number }>(
  token: string,
  ring: Keyring,
  purpose: KeyPurpose,
  schema: z.ZodType<T>,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<T | null> {
  const [body, signature] = token.split(".");
  if (!body || !signature) return null;
  try {
    if (!(await signedByAnyOf(await verifyingKeys(ring, purpose), fromBase64Url(signature), encoder.encode(body)))) return null;
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(body))));
    if (!parsed.success || parsed.data.exp <= nowSeconds) return null;
    return parsed.data;
  } catch {
    return null;
  }
}
