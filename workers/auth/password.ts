// Password hashing with PBKDF2-SHA256 through Web Crypto (available in Workers and Node 22), so no
// native dependency is needed. Stored as `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`,
// which lets us raise the iteration count later and still verify old hashes.
import { fromBase64Url, toBase64Url } from "../../domain/base64";

const ITERATIONS = 100_000; // Workers' Web Crypto caps PBKDF2 at 100k iterations.
const KEY_BYTES = 32;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, KEY_BYTES * 8);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterationsText || !saltText || !hashText) return false;
  const expected = fromBase64Url(hashText);
  const actual = await derive(password, fromBase64Url(saltText), Number(iterationsText));
  // Constant-time comparison: do not leak how many leading bytes matched.
  let difference = expected.length ^ actual.length;
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) difference |= expected[i]! ^ actual[i]!;
  return difference === 0;
}

/** Password rules, checked on sign-up and password change. Returns the problems, empty when fine. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < 10) problems.push("must be at least 10 characters");
  if (password.length > 200) problems.push("must be at most 200 characters");
  if (!/[a-zA-Z]/.test(password) || !/[0-9]/.test(password)) problems.push("must contain letters and digits");
  return problems;
}
