// The router's own table against the API description: every documented operation is registered at
// its method and path, and the routes outside the OpenAPI document are exactly the listed ones (live
// feeds, holds, the payment step, Stripe's webhook). A route added without a decision fails here.
import { describe, expect, it } from "vitest";
import { registeredRoutes } from "../../workers/api";
import { API_OPERATIONS } from "../../workers/api/openapi";

/** Served but not in the OpenAPI document (holder tokens, streams, Stripe's own call). */
const OUTSIDE_THE_DOCUMENT = [
  "GET /api/v1/providers/:providerId/live",
  "GET /api/v1/providers/:providerId/events",
  "GET /api/v1/providers/:providerId/holds",
  "POST /api/v1/providers/:providerId/holds",
  "DELETE /api/v1/providers/:providerId/holds/:holdId",
  "POST /api/v1/providers/:providerId/holds/:holdId/extend",
  "POST /api/v1/bookings/:code/payment",
  "GET /api/v1/bookings/:code/events",
  "GET /api/v1/bookings/:code/live",
  "POST /api/v1/webhooks/stripe",
];

describe("API routes", () => {
  it("registers every documented operation at its method and path, and nothing else undocumented", () => {
    const documented = Object.values(API_OPERATIONS).map((o) => `${o.method} ${o.path}`);
    const routes = registeredRoutes();
    expect(new Set(routes).size).toBe(routes.length); // no route registered twice
    expect([...routes].sort()).toEqual([...documented, ...OUTSIDE_THE_DOCUMENT].sort());
  });
});
