// The booking as the API shows it (BookingSchema in workers/api/schemas.ts): instants in UTC plus the
// same times rendered with offset and zone for the customer and the provider.
import { Temporal } from "@js-temporal/polyfill";
import { CancellationPolicySchema, DEFAULT_CANCELLATION_POLICY, describePolicy, type CancellationPolicy } from "../../domain/cancellation-policy";
import { instantText } from "../../domain/instant-text";
import { formatInZone } from "../../domain/time";
import type { BookingRow } from "../../db/queries/bookings";
import type { BookingStatus } from "../../domain/booking-states";

export interface BookingView {
  id: string;
  code: string;
  status: BookingStatus;
  version: number;
  providerId: string;
  providerName: string;
  serviceId: string;
  serviceName: string;
  start: string;
  end: string;
  startCustomer: string;
  endCustomer: string;
  startProvider: string;
  endProvider: string;
  timeZone: string;
  providerTimeZone: string;
  customer: { name: string; email: string; phone: string | null };
  guest: boolean;
  notes: string;
  amounts: { currency: string; total: number; platformFee: number; providerShare: number; feeBps: number };
  cancellationPolicy: CancellationPolicy & { summary: string[] };
  expiresAt: string | null;
  icsSequence: number;
  createdAt: string;
  updatedAt: string;
}

/** The policy snapshot stored with the booking; a malformed snapshot is a data bug, read as the default. */
export function policyOf(booking: BookingRow): CancellationPolicy {
  const parsed = CancellationPolicySchema.safeParse(booking.cancellationPolicy);
  if (parsed.success) return parsed.data;
  console.error(JSON.stringify({ eventName: "booking.bad_policy_snapshot", bookingId: booking.id }));
  return DEFAULT_CANCELLATION_POLICY;
}

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());

export function toBookingView(booking: BookingRow, names: { providerName: string; serviceName: string }): BookingView {
  const start = instant(booking.startsAt);
  const end = instant(booking.endsAt);
  const policy = policyOf(booking);
  return {
    id: booking.id,
    code: booking.confirmationCode,
    status: booking.status,
    version: booking.version,
    providerId: booking.providerId,
    providerName: names.providerName,
    serviceId: booking.serviceId,
    serviceName: names.serviceName,
    start: instantText(start),
    end: instantText(end),
    startCustomer: formatInZone(start, booking.timeZone),
    endCustomer: formatInZone(end, booking.timeZone),
    startProvider: formatInZone(start, booking.providerTimeZone),
    endProvider: formatInZone(end, booking.providerTimeZone),
    timeZone: booking.timeZone,
    providerTimeZone: booking.providerTimeZone,
    customer: { name: booking.customerName, email: booking.customerEmail, phone: booking.customerPhone },
    guest: booking.customerId === null,
    notes: booking.notes,
    amounts: {
      currency: booking.currency,
      total: booking.totalAmount,
      platformFee: booking.platformFeeAmount,
      providerShare: booking.providerAmount,
      feeBps: booking.platformFeeBps,
    },
    cancellationPolicy: { ...policy, summary: describePolicy(policy) },
    expiresAt: booking.expiresAt ? booking.expiresAt.toISOString() : null,
    icsSequence: booking.icsSequence,
    createdAt: booking.createdAt.toISOString(),
    updatedAt: booking.updatedAt.toISOString(),
  };
}
