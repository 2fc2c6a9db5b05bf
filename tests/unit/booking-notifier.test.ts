import { describe, expect, it } from "vitest";
import type { BookingStatus } from "../../domain/booking-states";
import { emailKindFor } from "../../workers/email/booking-notifier";

const change = (kind: "created" | "updated" | "released" | "occupied" | "rescheduled", from: BookingStatus | null, status: BookingStatus) => ({
  kind,
  details: { from, status, confirmationCode: "ABCD-1234", customerName: "A", serviceName: "S" },
});

describe("emailKindFor", () => {
  it.each([
    [change("updated", "pending", "confirmed"), "confirmation"],
    [change("updated", "awaiting_approval", "confirmed"), "confirmation"],
    [change("updated", "pending", "awaiting_approval"), "approval_needed"],
    [change("released", "pending", "payment_failed"), null],
    [change("released", "confirmed", "cancelled"), "cancellation"],
    [change("released", "awaiting_approval", "cancelled"), "declined"],
    [change("rescheduled", "confirmed", "confirmed"), "reschedule"],
    [change("created", null, "pending"), null],
    [change("updated", "confirmed", "in_progress"), null],
    [change("released", "pending", "expired"), null],
  ])("%o → %s", (input, expected) => {
    expect(emailKindFor(input)).toBe(expected);
  });
});
