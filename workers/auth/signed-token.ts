// Signed, expiring tokens: `<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`, keyed by
// SESSION_SECRET. Used for the session cookie and for links mailed to people (email verification).
// Each use has its own zod schema with a distinct shape, so one kind of token never passes as another.
import type { z } from "zod";

const encoder = new TextEncoder();

export function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Signs a payload that carries its own expiry (`exp`, Unix seconds). */
export async function signToken(payload: { exp: number } & Record<string, unknown>, secret: string): Promise<string> {
  const body = base64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${base64Url(signature)}`;
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
