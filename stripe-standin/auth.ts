// API keys, checked like Stripe: `Authorization: Bearer sk_test_…` (or HTTP Basic with the key as the
// user name, as curl -u does). Only test-mode secret or restricted keys are accepted; a live key is
// refused so that production credentials never end up pointed at the stand-in unnoticed.
import type { IncomingMessage } from "node:http";
import { authenticationError } from "./errors";

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

/** Returns the API key, or throws the 401 Stripe would send. */
export function authenticate(req: IncomingMessage, allowedKeys: readonly string[] | undefined): string {
  const header = req.headers.authorization;
  if (!header) {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const key = keyFrom(header);
  if (!key) throw authenticationError("Invalid API Key provided: the Authorization header must use Bearer or Basic auth.");
  if (key.startsWith("pk_")) {
    throw authenticationError("This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.");
  }
  if (!TEST_KEY.test(key) || (allowedKeys && !allowedKeys.includes(key))) {
    throw authenticationError(`Invalid API Key provided: ${mask(key)}`);
  }
  return key;
}

function keyFrom(header: string): string | undefined {
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() === "basic") return Buffer.from(value, "base64").toString("utf8").split(":")[0];
  return undefined;
}

function mask(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? "";
  return `${prefix}${"*".repeat(Math.max(4, key.length - prefix.length - 4))}${key.slice(-4)}`;
}
