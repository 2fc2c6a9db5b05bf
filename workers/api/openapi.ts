// The API's operations as data (method, path, schemas, responses) and the OpenAPI 3.1 document built
// from them with zod's own z.toJSONSchema. Route modules register their handlers on these same
// entries (path and method come from here), so a route cannot exist without its documentation.
// Pure module: no router import, so Node tests can build and check the document.
import { z } from "zod";
import {
  AcceptBookingSchema,
  AvailabilityQuerySchema,
  AvailabilityResponseSchema,
  BookingCodeParamsSchema,
  BookingResponseSchema,
  CancelBookingResponseSchema,
  CancelBookingSchema,
  CreateBookingResponseSchema,
  CreateBookingSchema,
  DeclineBookingSchema,
  ErrorResponseSchema,
  ManageTokenQuerySchema,
  ProviderDetailResponseSchema,
  ProviderListQuerySchema,
  ProviderListResponseSchema,
  ProviderParamsSchema,
  RescheduleBookingSchema,
  ServiceCardListResponseSchema,
} from "./schemas";

type Method = "GET" | "POST";
type Auth = "none" | "session" | "session-or-manage-token";

export interface ApiOperation {
  operationId: string;
  method: Method;
  /** URLPattern syntax (/api/v1/bookings/:code), as given to route(). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  body?: z.ZodType;
  /** Success responses; 400/401/403/404/409/500 error responses are added from `errors`. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  errors: number[];
}

const op = <T extends ApiOperation>(o: T) => o;

export const API_OPERATIONS = {
  listServices: op({
    operationId: "listServices",
    method: "GET",
    path: "/api/v1/services",
    summary: "Active services of active providers",
    tag: "catalog",
    auth: "none",
    query: z.object({ q: z.string().max(100).optional(), category: z.string().max(60).optional() }),
    responses: { 200: { description: "Service cards", schema: ServiceCardListResponseSchema } },
    errors: [],
  }),
  listProviders: op({
    operationId: "listProviders",
    method: "GET",
    path: "/api/v1/providers",
    summary: "Active providers, by display name",
    tag: "catalog",
    auth: "none",
    query: ProviderListQuerySchema,
    responses: { 200: { description: "Providers", schema: ProviderListResponseSchema } },
    errors: [400],
  }),
  getProvider: op({
    operationId: "getProvider",
    method: "GET",
    path: "/api/v1/providers/:providerId",
    summary: "One provider with its active services",
    tag: "catalog",
    auth: "none",
    params: ProviderParamsSchema,
    responses: { 200: { description: "The provider", schema: ProviderDetailResponseSchema } },
    errors: [400, 404],
  }),
  getAvailability: op({
    operationId: "getAvailability",
    method: "GET",
    path: "/api/v1/providers/:providerId/availability",
    summary: "Bookable slots of a service in a window",
    description:
      "`from`/`to` are either calendar dates (YYYY-MM-DD) read in `timeZone` (the customer's; the provider's zone when absent), " +
      "with `to` inclusive (from=2026-03-01&to=2026-03-31 is all of March), or ISO instants with an offset forming the half-open " +
      "window [from, to). Slots whose START lies in the window are returned. At most 62 calendar days per query (400 naming `to`). " +
      "Live holds of other customers count as taken. Answered by the provider's Durable Object; `stale: true` when it answered " +
      "from memory while Postgres could not be read. To keep a page current, subscribe to `/live` and hide slots whose " +
      "[start - bufferBeforeMinutes, end + bufferAfterMinutes) overlaps a slot.held/slot.booked interval; ask again " +
      "(purpose=live-refresh) only when time is freed.",
    tag: "availability",
    auth: "none",
    params: ProviderParamsSchema,
    query: AvailabilityQuerySchema,
    responses: { 200: { description: "Slots, sorted by start", schema: AvailabilityResponseSchema } },
    errors: [400, 404, 503],
  }),
  createBooking: op({
    operationId: "createBooking",
    method: "POST",
    path: "/api/v1/bookings",
    summary: "Book a slot (guest or signed-in customer)",
    description:
      "Idempotent: send an `Idempotency-Key` header (or `idempotencyKey` body field). The same key with the same body returns the " +
      "same booking (200, `replayed: true`, without the manage token); the same key with a different body is 409 IDEMPOTENCY_MISMATCH. " +
      "The booking starts `pending` (payment) with a deadline. A taken slot is 409 SLOT_UNAVAILABLE with `alternatives`.",
    tag: "bookings",
    auth: "none",
    headers: [{ name: "Idempotency-Key", description: "8–200 printable characters; or the body field idempotencyKey" }],
    body: CreateBookingSchema,
    responses: {
      201: { description: "Created; guests receive `manageToken` here only", schema: CreateBookingResponseSchema },
      200: { description: "Idempotent replay of an earlier identical request", schema: CreateBookingResponseSchema },
    },
    errors: [400, 401, 404, 409, 429],
  }),
  getBooking: op({
    operationId: "getBooking",
    method: "GET",
    path: "/api/v1/bookings/:code",
    summary: "A booking by confirmation code",
    description: "Guests authenticate with their manage token (Authorization: Bearer <token> or ?token=), customers and providers with their session. Anyone else gets 404.",
    tag: "bookings",
    auth: "session-or-manage-token",
    params: BookingCodeParamsSchema,
    query: ManageTokenQuerySchema,
    responses: { 200: { description: "The booking", schema: BookingResponseSchema } },
    errors: [400, 404],
  }),
  cancelBooking: op({
    operationId: "cancelBooking",
    method: "POST",
    path: "/api/v1/bookings/:code/cancel",
    summary: "Cancel a booking; returns the refund the policy grants",
    tag: "bookings",
    auth: "session-or-manage-token",
    params: BookingCodeParamsSchema,
    query: ManageTokenQuerySchema,
    body: CancelBookingSchema,
    responses: { 200: { description: "Cancelled", schema: CancelBookingResponseSchema } },
    errors: [400, 403, 404, 409],
  }),
  rescheduleBooking: op({
    operationId: "rescheduleBooking",
    method: "POST",
    path: "/api/v1/bookings/:code/reschedule",
    summary: "Move a booking to another start (same code, same audit trail)",
    description: "Customers may reschedule while a cancellation would still be fully refunded (409 POLICY_FORBIDS otherwise). A taken time is 409 SLOT_UNAVAILABLE with `alternatives`; the booking keeps its old time.",
    tag: "bookings",
    auth: "session-or-manage-token",
    params: BookingCodeParamsSchema,
    query: ManageTokenQuerySchema,
    body: RescheduleBookingSchema,
    responses: { 200: { description: "Rescheduled", schema: BookingResponseSchema } },
    errors: [400, 403, 404, 409],
  }),
  acceptBooking: op({
    operationId: "acceptBooking",
    method: "POST",
    path: "/api/v1/bookings/:code/accept",
    summary: "Provider accepts an approval request (awaiting_approval → confirmed)",
    tag: "bookings",
    auth: "session",
    params: BookingCodeParamsSchema,
    body: AcceptBookingSchema,
    responses: { 200: { description: "Confirmed", schema: BookingResponseSchema } },
    errors: [400, 403, 404, 409],
  }),
  declineBooking: op({
    operationId: "declineBooking",
    method: "POST",
    path: "/api/v1/bookings/:code/decline",
    summary: "Provider declines an approval request (awaiting_approval → cancelled)",
    tag: "bookings",
    auth: "session",
    params: BookingCodeParamsSchema,
    body: DeclineBookingSchema,
    responses: { 200: { description: "Declined", schema: CancelBookingResponseSchema } },
    errors: [400, 403, 404, 409],
  }),
  getOpenApi: op({
    operationId: "getOpenApi",
    method: "GET",
    path: "/api/v1/openapi.json",
    summary: "This document",
    tag: "meta",
    auth: "none",
    responses: { 200: { description: "OpenAPI 3.1 document" } },
    errors: [],
  }),
} as const;

export type OperationName = keyof typeof API_OPERATIONS;

/** Every documented response component, by name. */
export const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Error: ErrorResponseSchema,
  ServiceCardList: ServiceCardListResponseSchema,
  ProviderList: ProviderListResponseSchema,
  ProviderDetail: ProviderDetailResponseSchema,
  Availability: AvailabilityResponseSchema,
  CreateBookingResponse: CreateBookingResponseSchema,
  BookingResponse: BookingResponseSchema,
  CancelBookingResponse: CancelBookingResponseSchema,
};

const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  CreateBookingRequest: CreateBookingSchema,
  CancelBookingRequest: CancelBookingSchema,
  RescheduleBookingRequest: RescheduleBookingSchema,
  AcceptBookingRequest: AcceptBookingSchema,
  DeclineBookingRequest: DeclineBookingSchema,
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (VALIDATION): `fields` names each offending path",
  401: "Not signed in / session no longer valid",
  403: "Signed in but not allowed (FORBIDDEN)",
  404: "Unknown id or code, or not yours to see (NOT_FOUND)",
  409: "Conflict: SLOT_UNAVAILABLE (with `alternatives`), IDEMPOTENCY_MISMATCH, ILLEGAL_TRANSITION, STALE_VERSION, POLICY_FORBIDS",
  429: "RATE_LIMITED: too many attempts from this client; `Retry-After` (seconds) says when to try again",
  500: "Unexpected server error (INTERNAL)",
  503: "UNAVAILABLE: the data this needs cannot be read right now (Postgres unreachable and nothing current to answer from); `Retry-After` (seconds) says when to try again",
};

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

/** /api/v1/bookings/:code → /api/v1/bookings/{code} */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

function parameters(schema: z.ZodObject | undefined, location: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === "path" || (object.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function componentName(schema: z.ZodType, table: Record<string, z.ZodType>): string | undefined {
  return Object.entries(table).find(([, candidate]) => candidate === schema)?.[0];
}

function security(auth: Auth): JsonSchema[] | undefined {
  if (auth === "none") return undefined;
  if (auth === "session") return [{ sessionCookie: [] }];
  return [{ sessionCookie: [] }, { manageToken: [] }];
}

export function buildOpenApiDocument(options: { serverUrl?: string } = {}): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of Object.values(API_OPERATIONS) as ApiOperation[]) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      const name = response.schema && componentName(response.schema, RESPONSE_SCHEMAS);
      responses[status] = {
        description: response.description,
        content: {
          "application/json": {
            schema: response.schema ? (name ? ref(name) : jsonSchema(response.schema, "output")) : { type: "object" },
          },
        },
      };
    }
    for (const status of [...operation.errors, 500]) {
      responses[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: ref("Error") } } };
    }
    const bodyName = operation.body && componentName(operation.body, REQUEST_SCHEMAS);
    const secured = security(operation.auth);
    const entry: JsonSchema = {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      tags: [operation.tag],
      parameters: [
        ...parameters(operation.params, "path"),
        ...parameters(operation.query, "query"),
        ...(operation.headers ?? []).map((h) => ({ name: h.name, in: "header", required: h.required ?? false, description: h.description, schema: { type: "string" } })),
      ],
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: bodyName ? ref(bodyName) : jsonSchema(operation.body, "input") } },
            },
          }
        : {}),
      responses,
      ...(secured ? { security: secured } : {}),
    };
    const path = openApiPath(operation.path);
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: entry };
  }

  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) schemas[name] = jsonSchema(schema, "input");
  for (const [name, schema] of Object.entries(RESPONSE_SCHEMAS)) schemas[name] = jsonSchema(schema, "output");

  return {
    openapi: "3.1.0",
    info: {
      title: "Edge Booking API",
      version: "1.0.0",
      description:
        "Versioned JSON API. Every error has the shape { error: { code, message, ...details } }; validation errors name each field in `fields`. " +
        "Instants are ISO 8601 with an offset; money is integer minor units with a lowercase ISO 4217 currency.",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [
      { name: "catalog", description: "Providers and services" },
      { name: "availability", description: "Bookable slots" },
      { name: "bookings", description: "Create, read, change bookings" },
      { name: "meta", description: "About the API" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        sessionCookie: { type: "apiKey", in: "cookie", name: "eb_session", description: "Signed session cookie (customers, providers, admins)" },
        manageToken: { type: "http", scheme: "bearer", description: "A guest's manage token, from the booking's first response" },
      },
    },
  };
}
