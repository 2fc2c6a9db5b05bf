// Routes for the browser-facing pages. They need no API key: possession of the PaymentIntent's client
// secret (checkout, 3D Secure) or of the one-time link token (onboarding) is the authorization.
import type { StandinCore } from "../core";
import { StripeApiError } from "../errors";
import type { Params } from "../params";
import { problem, showCheckout, submitCheckout } from "./checkout-page";
import { showOnboarding, submitOnboarding } from "./onboarding-page";
import type { PageResult } from "./respond";
import { showAuthentication, submitAuthentication } from "./three-ds-page";

export type { PageResult } from "./respond";

export function isPagePath(path: string): boolean {
  return /^\/(checkout|3ds|connect\/onboarding)\//.test(path);
}

export function handlePage(core: StandinCore, method: string, path: string, query: URLSearchParams, form: Params): PageResult {
  const parts = path.split("/").filter(Boolean).map(decodeSegment);
  try {
    const [first, second, third] = parts;
    if (first === "checkout" && second && parts.length === 2 && method === "GET") return showCheckout(core, second, query);
    if (first === "checkout" && second && third === "confirm" && parts.length === 3 && method === "POST") return submitCheckout(core, second, form);
    if (first === "3ds" && second && parts.length === 2 && method === "GET") return showAuthentication(core, second, query);
    if (first === "3ds" && second && third === "complete" && parts.length === 3 && method === "POST") return submitAuthentication(core, second, form);
    if (first === "connect" && second === "onboarding" && third && parts.length === 3) {
      if (method === "GET") return showOnboarding(core, third);
      if (method === "POST") return submitOnboarding(core, third, form);
    }
    return problem(404, "Not found", "There is no page at this address.");
  } catch (e) {
    if (e instanceof StripeApiError) return problem(e.status === 402 ? 400 : e.status, "Request not accepted", e.body.message);
    throw e;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
