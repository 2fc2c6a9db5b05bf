// API fuzz suite (issue 11): fast-check drives every JSON API route, with its documented schema's
// field names filled by hostile values (NUL, lone surrogates, scripts, SQL, out-of-range instants,
// huge and empty strings, wrong types), garbage JSON, wrong content types and 1 MB bodies, through the
// Worker's real fetch handler in workerd against the test Postgres. Every answer must be below 500,
// JSON in the error envelope when it is an error, and a refused request must write nothing: the
// fixture provider's bookings, holds, payments and outbox mail are counted around each request.
//
// Deterministic: a fixed seed (FUZZ_SEED to try another) and FUZZ_RUNS runs per route (default 25).
import { env, exports } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, bookings, emailOutbox, payments, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { API_OPERATIONS } from "../../workers/api/openapi";
import { ErrorResponseSchema } from "../../workers/api/schemas";
import { loadConfig } from "../../workers/env";

const config = loadConfig(env as unknown as Record<string, unknown>);
const worker = () => (exports as unknown as { default: Fetcher }).default;
const origin = "http://example.test";
const suffix = crypto.randomUUID().slice(0, 8);
// Passed into workerd by vitest.workers.config.mts ("" when unset).
const SEED = Number((env as unknown as Record<string, string>).FUZZ_SEED) || 20261207;
const RUNS = Number((env as unknown as Record<string, string>).FUZZ_RUNS) || 25;
const fixture = { providerId: "", serviceId: "" };

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const [user] = await db.insert(users).values({ email: `fuzz-${suffix}@example.test`, name: "Fuzz", role: "provider" }).returning();
    const [provider] = await db.insert(providers).values({ userId: user!.id, slug: `fuzz-${suffix}`, displayName: "Fuzz", timeZone: "America/New_York" }).returning();
    fixture.providerId = provider!.id;
    const [service] = await db
      .insert(services)
      .values({ providerId: provider!.id, name: "Fuzzed", category: "Testing", durationMinutes: 30, priceAmount: 1500, currency: "usd", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    fixture.serviceId = service!.id;
    await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId: provider!.id, weekday, startTime: "09:00", endTime: "17:00" })));
  });
});

// ---------------------------------------------------------------------------------------------
// Values

const HOSTILE = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "../../../etc/passwd",
  "%00%2e%2e%2f",
  "<script>alert(1)</script>",
  "'; drop table bookings; --",
  "${jndi:ldap://x}",
  "9".repeat(400),
  "é".repeat(5000),
  "+275760-09-13T00:00:00Z",
  "-271821-04-20T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "2026-02-30T10:00:00Z",
  "2026-03-08T02:30:00[America/New_York]",
  "NaN",
  "-1",
  "1e309",
  "null",
  "Etc/Unknown",
  "America/New_York",
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 300 }));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** The field names an operation documents, from its zod schema (top level and one level down). */
function fieldsOf(schema: unknown): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (!shape) return [];
  return Object.entries(shape).flatMap(([key, value]) => [key, ...fieldsOf(unwrap(value)).map((inner) => `${key}.${inner}`)]);
}
function unwrap(schema: unknown): unknown {
  let s = schema as { shape?: unknown; unwrap?: () => unknown; def?: { innerType?: unknown } };
  for (let i = 0; i < 4 && !s?.shape; i++) {
    const next = s?.unwrap?.() ?? s?.def?.innerType;
    if (!next) break;
    s = next as typeof s;
  }
  return s;
}

/** A JSON object using the documented names (some nested), each given a hostile or random value. */
function objectWith(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  if (fields.length === 0) return fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 4 });
  return fc.subarray(fields).chain((chosen) =>
    fc.tuple(...chosen.map(() => anyValue)).map((values) => {
      const out: Record<string, unknown> = {};
      chosen.forEach((path, i) => {
        const [head, inner] = path.split(".") as [string, string | undefined];
        if (inner === undefined) out[head] = values[i];
        else out[head] = { ...(typeof out[head] === "object" && out[head] !== null ? (out[head] as object) : {}), [inner]: values[i] };
      });
      // Sometimes the real ids, so requests get past "unknown provider" into the deeper checks.
      if ("serviceId" in out && values.length % 2 === 0) out.serviceId = fixture.serviceId;
      if ("providerId" in out && values.length % 3 === 0) out.providerId = fixture.providerId;
      return out;
    }),
  );
}

type Body = { kind: "json"; value: unknown } | { kind: "text"; text: string; type: string } | { kind: "none" };
const bodyFor = (fields: string[]): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 5, arbitrary: objectWith(fields).map((value): Body => ({ kind: "json", value })) },
    { weight: 1, arbitrary: anyValue.map((value): Body => ({ kind: "json", value })) },
    { weight: 1, arbitrary: hostileString.map((text): Body => ({ kind: "text", text: `{"broken": ${text}`, type: "application/json" })) },
    { weight: 1, arbitrary: hostileString.map((text): Body => ({ kind: "text", text, type: "text/plain" })) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "text", text: `{"pad":"${"x".repeat(1024 * 1024)}"}`, type: "application/json" }) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: "none" }) },
  );

const pathValue = fc.oneof(
  { weight: 2, arbitrary: hostileString },
  fc.constant(crypto.randomUUID()),
  fc.constant("00000000-0000-4000-8000-000000000000"),
  fc.constant("FUZZ-CODE"),
);

// ---------------------------------------------------------------------------------------------
// Routes: every documented operation plus the routes that live outside the OpenAPI list.

interface FuzzRoute {
  name: string;
  method: string;
  path: string;
  queryFields: string[];
  bodyFields: string[] | null;
}

const OUTSIDE_OPENAPI: FuzzRoute[] = [
  { name: "listHolds", method: "GET", path: "/api/v1/providers/:providerId/holds", queryFields: ["holderToken"], bodyFields: null },
  { name: "createHold", method: "POST", path: "/api/v1/providers/:providerId/holds", queryFields: [], bodyFields: ["serviceId", "start", "holderToken", "ttlSeconds"] },
  { name: "releaseHold", method: "DELETE", path: "/api/v1/providers/:providerId/holds/:holdId", queryFields: [], bodyFields: ["holderToken"] },
  { name: "extendHold", method: "POST", path: "/api/v1/providers/:providerId/holds/:holdId/extend", queryFields: [], bodyFields: ["holderToken", "ttlSeconds"] },
  { name: "startPayment", method: "POST", path: "/api/v1/bookings/:code/payment", queryFields: ["token"], bodyFields: ["returnUrl"] },
  { name: "stripeWebhook", method: "POST", path: "/api/v1/webhooks/stripe", queryFields: [], bodyFields: ["id", "type", "data", "created"] },
];

const ROUTES: FuzzRoute[] = [
  ...Object.values(API_OPERATIONS).map((o) => ({
    name: o.operationId,
    method: o.method,
    path: o.path,
    queryFields: fieldsOf("query" in o ? o.query : undefined),
    bodyFields: "body" in o ? fieldsOf(unwrap(o.body)) : null,
  })),
  ...OUTSIDE_OPENAPI,
];

interface Attempt {
  params: string[];
  query: Array<[string, string]>;
  body: Body;
  headers: Array<[string, string]>;
}

const attemptFor = (route: FuzzRoute): fc.Arbitrary<Attempt> => {
  const paramCount = (route.path.match(/:\w+/g) ?? []).length;
  const queryEntry = fc.tuple(route.queryFields.length > 0 ? fc.oneof(fc.constantFrom(...route.queryFields), fc.string({ maxLength: 8 })) : fc.string({ maxLength: 8 }), hostileString);
  return fc.record({
    params: fc.array(pathValue, { minLength: paramCount, maxLength: paramCount }),
    query: fc.array(queryEntry, { maxLength: 4 }),
    body: route.bodyFields === null ? fc.constant<Body>({ kind: "none" }) : bodyFor(route.bodyFields),
    headers: fc.array(
      fc.tuple(fc.constantFrom("authorization", "idempotency-key", "x-holder-token", "stripe-signature", "content-type"), hostileString.map((v) => v.replace(/[^\x20-\x7e]/g, "?"))),
      { maxLength: 2 },
    ),
  });
};

function requestFor(route: FuzzRoute, attempt: Attempt): Request {
  let i = 0;
  const path = route.path.replace(/:\w+/g, () => encodeURIComponent(attempt.params[i++] ?? ""));
  const url = new URL(`${origin}${path}`);
  for (const [key, value] of attempt.query) url.searchParams.append(key, value);
  // A fresh client address each time, so the per-client limits do not answer everything with 429.
  const headers = new Headers({ host: "example.test", origin, "cf-connecting-ip": `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });
  for (const [name, value] of attempt.headers) headers.set(name, value);
  let body: string | undefined;
  if (attempt.body.kind === "json") {
    body = JSON.stringify(attempt.body.value) ?? "null";
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (attempt.body.kind === "text") {
    body = attempt.body.text;
    headers.set("content-type", attempt.body.type);
  }
  return new Request(url, { method: route.method, headers, body: route.method === "GET" ? undefined : body });
}

/** What a refused request must not have changed: the fixture provider's rows and the holds of its object. */
async function footprint(): Promise<string> {
  const rows = await withDatabase(config, async (db) => {
    const [b] = await db.select({ n: count() }).from(bookings).where(eq(bookings.providerId, fixture.providerId));
    const [p] = await db.select({ n: count() }).from(payments).innerJoin(bookings, eq(bookings.id, payments.bookingId)).where(eq(bookings.providerId, fixture.providerId));
    const [m] = await db.select({ n: count() }).from(emailOutbox).innerJoin(bookings, eq(bookings.id, emailOutbox.bookingId)).where(eq(bookings.providerId, fixture.providerId));
    return [b!.n, p!.n, m!.n];
  });
  const schedule = (env as unknown as { PROVIDER_SCHEDULE: DurableObjectNamespace }).PROVIDER_SCHEDULE;
  const holds = await (schedule.get(schedule.idFromName(fixture.providerId)) as unknown as { liveHoldCount(): Promise<number> }).liveHoldCount();
  return JSON.stringify({ rows, holds });
}

describe("API fuzz: hostile input on every route", () => {
  it("covers every documented operation and the routes outside the document", () => {
    expect(ROUTES.map((r) => r.name)).toEqual(expect.arrayContaining(Object.keys(API_OPERATIONS)));
    expect(ROUTES.length).toBeGreaterThanOrEqual(Object.keys(API_OPERATIONS).length + OUTSIDE_OPENAPI.length);
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}: never ≥ 500, errors in the envelope, refusals write nothing`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(attemptFor(route), async (attempt) => {
          const before = await footprint();
          const response = await worker().fetch(requestFor(route, attempt));
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${route.name} answered ${response.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get("content-type") ?? "").toContain("application/json");
            const parsed = ErrorResponseSchema.safeParse(JSON.parse(text));
            expect(parsed.success, `${route.name}: not the error envelope: ${text.slice(0, 300)}`).toBe(true);
            expect(await footprint(), `${route.name} wrote something although it answered ${response.status}`).toBe(before);
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The inputs got past routing into validation (a suite that only met 404s would prove little).
      if (route.bodyFields?.length || route.queryFields.length) expect([...statuses.keys()], JSON.stringify([...statuses])).toContain(400);
    });
  }
});
