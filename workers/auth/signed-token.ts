// Signed, expiring tokens: `<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`, keyed by
// SESSION_SECRET. Used for the session cookie and for links mailed to people (email verification).
// Each use has its own zod schema with a distinct shape, so one kind of token never passes as another.
import type { z } from "zod";
import { fromBase64Url, toBase64Url } from "../../domain/base64";

const encoder = new TextEncoder();

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Signs a payload that carries its own expiry (`exp`, Unix seconds). */
export async function signToken(payload: { exp: number } & Record<string, unknown>, secret: string): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(signature)}`;
}

/** The payload if the signature is ours, it matches `schema` and `exp` is still ahead; else null. */
export async function verifyToken<T extends { exp: number }>(
  token: string,
  secret: string,
  schema: z.ZodType<T>,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<T | null> {
  const [body, signature] = token.split(".");
  if (!body || !signature) return null;
  try {
    if (!(await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64Url(signature), encoder.encode(body)))) return null;
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(body))));
    if (!parsed.success || parsed.data.exp <= nowSeconds) return null;
    return parsed.data;
  } catch {
    return null;
  }
}
