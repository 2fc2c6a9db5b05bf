// Request and response shapes of the versioned JSON API, as zod schemas (named *Schema). Route
// handlers parse with them, forms can reuse them, and workers/api/openapi.ts turns them into the
// OpenAPI document, so the docs cannot drift from what the handlers accept.
import { z } from "zod";
import { CancellationTierSchema } from "../../domain/cancellation-policy";
import { ConfirmationCodeSchema } from "../../domain/confirmation-code";
import { BOOKING_STATUSES } from "../../domain/booking-states";
import { isSupportedDateText, isSupportedInstantText, isValidTimeZone, SUPPORTED_RANGE_MESSAGE } from "../../domain/time";

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Any 8-4-4-4-12 hex id Postgres' uuid type accepts (stricter RFC checks would reject valid rows). */
export const UuidSchema = z.guid({ error: "must be a UUID" });

export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { error: "must be an IANA time zone such as Europe/Paris" })
  .meta({ description: "IANA time zone id, e.g. Europe/Paris", examples: ["Europe/Paris"] });

export const InstantSchema = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 instant with an offset or Z, e.g. 2026-03-01T09:00:00Z" })
  .refine(isSupportedInstantText, SUPPORTED_RANGE_MESSAGE)
  .meta({ description: "ISO 8601 instant with offset or Z", examples: ["2026-03-01T09:00:00Z"] });

export const DateOrInstantSchema = z
  .union([z.iso.date().refine(isSupportedDateText, SUPPORTED_RANGE_MESSAGE), InstantSchema], {
    error: "must be a date (YYYY-MM-DD) or an ISO 8601 instant with an offset",
  })
  .meta({
    description:
      "A calendar date (YYYY-MM-DD) read in the query's timeZone, or an instant with an offset. A `to` date is inclusive (its whole day).",
  });

export const IdempotencyKeySchema = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" })
  .meta({ description: "Client-chosen key (8–200 chars); retrying with the same key and body returns the same booking." });

const ExpectedVersionSchema = z
  .number()
  .int()
  .min(1)
  .max(2_147_483_647)
  .meta({ description: "Optimistic concurrency: the booking version you saw; 409 STALE_VERSION if it changed." });

const ReasonSchema = z.string().trim().max(500);

// ---------------------------------------------------------------------------------------------
// Requests

export const CustomerDetailsSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).optional(),
    phone: z
      .string()
      .trim()
      .min(3)
      .max(40)
      .regex(/^[0-9+().\-\s]+$/, { error: "may contain digits, spaces and + ( ) . - only" })
      .optional(),
    notes: z.string().max(2000).optional(),
  })
  .meta({ description: "Required with name and email when not signed in (guest booking); signed-in customers may send phone/notes only." });

export const CreateBookingSchema = z.object({
  serviceId: UuidSchema,
  providerId: UuidSchema,
  start: InstantSchema,
  timeZone: TimeZoneSchema.meta({ description: "The customer's IANA zone (what they saw)." }),
  customer: CustomerDetailsSchema.optional(),
  holdId: z.string().min(1).max(64).optional().meta({ description: "The hold this booking turns into (POST /api/v1/providers/{providerId}/holds)." }),
  holderToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,128}$/, { error: "must be 16-128 characters of A-Z a-z 0-9 _ -" })
    .optional()
    .meta({ description: "The token the hold was taken with; send it whenever you hold, or your own hold blocks you." }),
  idempotencyKey: IdempotencyKeySchema.optional().meta({ description: "Or the Idempotency-Key header; one of them is required." }),
});
export type CreateBookingInput = z.infer<typeof CreateBookingSchema>;

export const ProviderListQuerySchema = z.object({
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
});

export const ProviderParamsSchema = z.object({ providerId: UuidSchema });

export const AvailabilityQuerySchema = z.object({
  serviceId: UuidSchema,
  from: DateOrInstantSchema,
  to: DateOrInstantSchema,
  timeZone: TimeZoneSchema.optional().meta({ description: "The customer's zone; defaults to the provider's." }),
  purpose: z
    .enum(["view", "live-refresh"])
    .default("view")
    .meta({ description: "live-refresh: an open page asking again after a live event (not counted as a slot view)" }),
});

export const BookingCodeParamsSchema = z.object({ code: ConfirmationCodeSchema.meta({ description: "Confirmation code XXXX-XXXX (case and dashes forgiven)." }) });

export const ManageTokenQuerySchema = z.object({
  token: z.string().max(128).optional().meta({ description: "Guest manage token; prefer the Authorization: Bearer header." }),
});

export const CancelBookingSchema = z.object({ reason: ReasonSchema.optional(), expectedVersion: ExpectedVersionSchema.optional() });
export const RescheduleBookingSchema = z.object({
  start: InstantSchema,
  timeZone: TimeZoneSchema.optional().meta({ description: "The customer's zone for the new time; defaults to the booking's." }),
  expectedVersion: ExpectedVersionSchema.optional(),
});
export const AcceptBookingSchema = z.object({ expectedVersion: ExpectedVersionSchema.optional() });
export const DeclineBookingSchema = z.object({ reason: ReasonSchema.optional(), expectedVersion: ExpectedVersionSchema.optional() });

// ---------------------------------------------------------------------------------------------
// Responses

export const SlotSchema = z.object({
  start: z.string().meta({ description: "Instant (UTC, Z)" }),
  end: z.string(),
  startCustomer: z.string().meta({ description: "Start with offset and zone in the customer's zone" }),
  startProvider: z.string(),
  endCustomer: z.string(),
  endProvider: z.string(),
});

export const AvailabilityResponseSchema = z.object({
  providerId: z.string(),
  serviceId: z.string(),
  timeZone: z.string(),
  providerTimeZone: z.string(),
  from: z.string(),
  to: z.string(),
  durationMinutes: z.number().int(),
  bufferBeforeMinutes: z.number().int().meta({ description: "A slot occupies [start - bufferBefore, end + bufferAfter); live slot.held/slot.booked intervals are occupied ranges" }),
  bufferAfterMinutes: z.number().int(),
  slots: z.array(SlotSchema),
  stale: z.literal(true).optional().meta({ description: "Answered from the provider object's memory while Postgres could not be read" }),
});

export const ProviderSummarySchema = z.object({
  id: z.string(),
  slug: z.string(),
  displayName: z.string(),
  headline: z.string(),
  timeZone: z.string(),
});

export const ProviderListResponseSchema = z.object({ providers: z.array(ProviderSummarySchema) });

export const ProviderServiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  durationMinutes: z.number().int(),
  priceAmount: z.number().int(),
  currency: z.string(),
  requiresApproval: z.boolean(),
  cancellationPolicy: z.array(z.string()).meta({ description: "Human-readable policy lines" }),
});

export const ProviderDetailResponseSchema = z.object({
  provider: ProviderSummarySchema.extend({ bio: z.string() }),
  services: z.array(ProviderServiceSchema),
});

export const ServiceCardListResponseSchema = z.object({
  services: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      category: z.string(),
      durationMinutes: z.number().int(),
      priceAmount: z.number().int(),
      currency: z.string(),
      requiresApproval: z.boolean(),
      provider: z.object({ id: z.string(), slug: z.string(), displayName: z.string(), timeZone: z.string() }),
    }),
  ),
});

export const BookingStatusSchema = z.enum(BOOKING_STATUSES);

export const BookingSchema = z.object({
  id: z.string(),
  code: z.string(),
  status: BookingStatusSchema,
  version: z.number().int(),
  providerId: z.string(),
  providerName: z.string(),
  serviceId: z.string(),
  serviceName: z.string(),
  start: z.string(),
  end: z.string(),
  startCustomer: z.string(),
  endCustomer: z.string(),
  startProvider: z.string(),
  endProvider: z.string(),
  timeZone: z.string(),
  providerTimeZone: z.string(),
  customer: z.object({ name: z.string(), email: z.string(), phone: z.string().nullable() }),
  guest: z.boolean(),
  notes: z.string(),
  amounts: z.object({
    currency: z.string(),
    total: z.number().int(),
    platformFee: z.number().int(),
    providerShare: z.number().int(),
    feeBps: z.number().int(),
  }),
  cancellationPolicy: z.object({
    tiers: z.array(CancellationTierSchema),
    providerCancellationRefundPercent: z.number().int(),
    summary: z.array(z.string()),
  }),
  expiresAt: z.string().nullable(),
  icsSequence: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const BookingResponseSchema = z.object({ booking: BookingSchema });

export const CreateBookingResponseSchema = z.object({
  booking: BookingSchema,
  manageToken: z
    .string()
    .optional()
    .meta({ description: "Guests only, and only in the first (201) response: the secret for managing the booking. Never stored in clear." }),
  payment: z.record(z.string(), z.unknown()).nullable().meta({ description: "Payment step (null until payments are wired)." }),
  replayed: z.boolean().meta({ description: "true when an idempotent retry returned the existing booking (200)." }),
});

export const RefundSchema = z.object({
  amount: z.number().int(),
  currency: z.string(),
  percent: z.number().int(),
  explanation: z.string(),
});

export const CancelBookingResponseSchema = z.object({ booking: BookingSchema, refund: RefundSchema });

export const ErrorFieldSchema = z.object({ path: z.string(), message: z.string() });

export const ErrorResponseSchema = z
  .object({
    error: z.looseObject({
      code: z.string().meta({ description: "VALIDATION, NOT_FOUND, SLOT_UNAVAILABLE, IDEMPOTENCY_MISMATCH, ILLEGAL_TRANSITION, STALE_VERSION, POLICY_FORBIDS, FORBIDDEN, ..." }),
      message: z.string(),
      fields: z.array(z.union([ErrorFieldSchema, z.string()])).optional().meta({ description: "VALIDATION: the offending fields" }),
      alternatives: z.array(SlotSchema).optional().meta({ description: "SLOT_UNAVAILABLE: nearest free slots" }),
    }),
  })
  .meta({ description: "Every error: { error: { code, message, ...details } }" });
