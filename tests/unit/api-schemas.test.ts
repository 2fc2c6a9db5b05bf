// The API's input schemas and error mapping, without a server: bad input is a 400 naming each field
// (never a 500), domain conflicts have their documented shapes, and the OpenAPI document covers
// every route with resolvable references.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { readJson, toErrorResponse } from "../../workers/http/errors";
import { API_OPERATIONS, buildOpenApiDocument, openApiPath, type ApiOperation } from "../../workers/api/openapi";
import {
  AvailabilityQuerySchema,
  BookingCodeParamsSchema,
  CancelBookingSchema,
  CreateBookingSchema,
  ErrorResponseSchema,
  ProviderListQuerySchema,
  ProviderParamsSchema,
  RescheduleBookingSchema,
} from "../../workers/api/schemas";

const validBody = {
  serviceId: "6f1c2a52-3c9e-4b7e-9d51-1a2b3c4d5e6f",
  providerId: "0d6a8f0e-5b7c-4c1d-8e2f-3a4b5c6d7e8f",
  start: "2026-03-01T09:00:00Z",
  timeZone: "Europe/Paris",
  customer: { name: "Gale", email: "gale@example.test", phone: "+33 1 23 45 67 89", notes: "hi" },
  idempotencyKey: "key-12345678",
};

/** What a handler answers when `schema.parse(input)` throws. */
async function answer(schema: z.ZodType, input: unknown): Promise<{ status: number; body: { error: { code: string; fields?: Array<{ path: string }> } } }> {
  try {
    schema.parse(input);
  } catch (error) {
    const response = toErrorResponse(error);
    return { status: response.status, body: await response.json() };
  }
  return { status: 200, body: { error: { code: "none" } } };
}

const paths = (r: { body: { error: { fields?: Array<{ path: string }> } } }) => (r.body.error.fields ?? []).map((f) => f.path).sort();

describe("CreateBookingSchema", () => {
  it("accepts a guest body and a signed-in body without customer details", () => {
    expect(CreateBookingSchema.parse(validBody)).toEqual(validBody);
    const { customer: _c, ...signedIn } = validBody;
    expect(CreateBookingSchema.safeParse(signedIn).success).toBe(true);
    expect(CreateBookingSchema.safeParse({ ...validBody, start: "2026-03-01T10:00:00.000+01:00" }).success).toBe(true);
  });

  it("answers 400 naming every bad field", async () => {
    const result = await answer(CreateBookingSchema, {
      ...validBody,
      serviceId: "not-a-uuid",
      providerId: 42,
      start: "2026-03-01T09:00:00", // no offset: ambiguous
      timeZone: "Mars/Olympus_Mons",
      customer: { name: "", email: "nope", phone: "call me" },
      holderToken: "short",
      idempotencyKey: "abc",
    });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("VALIDATION");
    expect(paths(result)).toEqual(
      ["customer.email", "customer.name", "customer.phone", "holderToken", "idempotencyKey", "providerId", "serviceId", "start", "timeZone"].sort(),
    );
    expect(ErrorResponseSchema.safeParse(result.body).success).toBe(true);
  });

  it.each([null, [], "text", 42, true, { start: {} }, { customer: [] }, { serviceId: { $ne: 1 } }, { timeZone: "x".repeat(100_000) }])(
    "never throws anything but a 400 for garbage: %j",
    async (garbage) => {
      const result = await answer(CreateBookingSchema, garbage);
      expect(result.status).toBe(400);
    },
  );
});

describe("other request schemas", () => {
  it("availability query: dates or instants, a service id, an optional valid zone", async () => {
    expect(AvailabilityQuerySchema.safeParse({ serviceId: validBody.serviceId, from: "2026-03-01", to: "2026-03-31T00:00:00Z" }).success).toBe(true);
    const bad = await answer(AvailabilityQuerySchema, { serviceId: "x", from: "March", to: "2026-13-45", timeZone: "+02:00" });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(["from", "serviceId", "timeZone", "to"]);
  });

  it("path params: malformed ids and codes are a 400 naming the param; codes are read forgivingly", async () => {
    expect(paths(await answer(ProviderParamsSchema, { providerId: "'; drop table bookings; --" }))).toEqual(["providerId"]);
    expect(BookingCodeParamsSchema.parse({ code: "abcd efgh" }).code).toBe("ABCD-EFGH");
    expect(BookingCodeParamsSchema.parse({ code: "0oIl-2345" }).code).toBe("0011-2345");
    expect(paths(await answer(BookingCodeParamsSchema, { code: "UUUU-UUUU" }))).toEqual(["code"]);
  });

  it("provider list query coerces and bounds paging", async () => {
    expect(ProviderListQuerySchema.parse({})).toEqual({ limit: 50, offset: 0 });
    expect(ProviderListQuerySchema.parse({ limit: "10", offset: "20" })).toEqual({ limit: 10, offset: 20 });
    expect(paths(await answer(ProviderListQuerySchema, { limit: "0", offset: "-1" }))).toEqual(["limit", "offset"]);
  });

  it("cancel / reschedule bodies", async () => {
    expect(CancelBookingSchema.parse({})).toEqual({});
    expect(paths(await answer(CancelBookingSchema, { reason: "x".repeat(501), expectedVersion: 1.5 }))).toEqual(["expectedVersion", "reason"]);
    expect(paths(await answer(RescheduleBookingSchema, { start: "soon" }))).toEqual(["start"]);
  });
});

describe("error envelope", () => {
  it("bad JSON and huge bodies are 400s naming the body", async () => {
    for (const body of ["{not json", "x".repeat(70 * 1024)]) {
      const error = await readJson(new Request("http://x/api/v1/bookings", { method: "POST", body })).catch((e) => e);
      const response = toErrorResponse(error);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { fields: Array<{ path: string }> } }).error.fields[0]!.path).toBe("body");
    }
  });

  it("SLOT_UNAVAILABLE is a 409 carrying the alternatives; IDEMPOTENCY_MISMATCH a 409 naming the key; NOT_FOUND a 404", async () => {
    const alternatives = [
      {
        start: "2026-03-01T11:30:00Z",
        end: "2026-03-01T12:30:00Z",
        startCustomer: "2026-03-01T12:30:00+01:00[Europe/Paris]",
        startProvider: "2026-03-01T06:30:00-05:00[America/New_York]",
        endCustomer: "2026-03-01T13:30:00+01:00[Europe/Paris]",
        endProvider: "2026-03-01T07:30:00-05:00[America/New_York]",
      },
    ];
    const conflict = toErrorResponse(new DomainError("SLOT_UNAVAILABLE", "taken", { wanted: "2026-03-01T10:00:00Z", alternatives }));
    expect(conflict.status).toBe(409);
    const body = ErrorResponseSchema.parse(await conflict.json());
    expect(body.error).toMatchObject({ code: "SLOT_UNAVAILABLE", alternatives });

    const mismatch = toErrorResponse(new DomainError("IDEMPOTENCY_MISMATCH", "used", { fields: [{ path: "idempotencyKey", message: "x" }] }));
    expect(mismatch.status).toBe(409);
    expect(ErrorResponseSchema.parse(await mismatch.json()).error.fields).toEqual([{ path: "idempotencyKey", message: "x" }]);
    expect(toErrorResponse(new DomainError("NOT_FOUND", "no")).status).toBe(404);
    expect(toErrorResponse(new DomainError("STALE_VERSION", "no")).status).toBe(409);
  });
});

describe("OpenAPI document", () => {
  const doc = buildOpenApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: unknown; responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
  };
  const operations = Object.values(API_OPERATIONS) as ApiOperation[];

  it("is OpenAPI 3.1 and JSON-serialisable", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("documents every operation with its path params, body, success and error responses", () => {
    for (const operation of operations) {
      const entry = doc.paths[openApiPath(operation.path)]?.[operation.method.toLowerCase()];
      expect(entry, `${operation.method} ${operation.path}`).toBeDefined();
      for (const [, name] of operation.path.matchAll(/:([A-Za-z]+)/g)) {
        expect(entry!.parameters).toContainEqual(expect.objectContaining({ name, in: "path", required: true }));
      }
      if (operation.method === "POST") expect(entry!.requestBody).toBeDefined();
      for (const status of [...Object.keys(operation.responses), ...operation.errors.map(String), "500"]) {
        expect(entry!.responses[status], `${operation.operationId} ${status}`).toBeDefined();
      }
    }
    const availability = doc.paths["/api/v1/providers/{providerId}/availability"]!.get!;
    expect(availability.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["providerId", "path", true],
      ["serviceId", "query", true],
      ["from", "query", true],
      ["to", "query", true],
      ["timeZone", "query", false],
      ["purpose", "query", false],
    ]);
  });

  it("has request schemas generated from zod and every $ref resolves", () => {
    const create = doc.components.schemas.CreateBookingRequest!;
    expect(Object.keys(create.properties!)).toEqual(expect.arrayContaining(["serviceId", "providerId", "start", "timeZone", "customer", "idempotencyKey"]));
    expect(create.required).toEqual(expect.arrayContaining(["serviceId", "providerId", "start", "timeZone"]));
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(doc.components.schemas[name], name).toBeDefined();
  });
});
