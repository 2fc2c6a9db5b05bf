import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { MIN_PAYMENT_WINDOW, pendingPaymentDeadline } from "../../domain/holds";

const now = Temporal.Instant.from("2030-06-01T10:00:00Z");
const pendingTtl = { minutes: 30 };

describe("pendingPaymentDeadline", () => {
  it("keeps the live hold's expiry: the deadline the customer was shown", () => {
    const heldUntil = now.add({ minutes: 8, seconds: 12 });
    expect(pendingPaymentDeadline({ now, heldUntil, pendingTtl }).equals(heldUntil)).toBe(true);
  });

  it("never leaves less than MIN_PAYMENT_WINDOW to pay", () => {
    const heldUntil = now.add({ seconds: 20 });
    expect(pendingPaymentDeadline({ now, heldUntil, pendingTtl }).equals(now.add(MIN_PAYMENT_WINDOW))).toBe(true);
    const exactly = now.add(MIN_PAYMENT_WINDOW);
    expect(pendingPaymentDeadline({ now, heldUntil: exactly, pendingTtl }).equals(exactly)).toBe(true);
  });

  it("without a (live) hold, a fresh pending TTL", () => {
    expect(pendingPaymentDeadline({ now, heldUntil: null, pendingTtl }).equals(now.add(pendingTtl))).toBe(true);
    expect(pendingPaymentDeadline({ now, heldUntil: now, pendingTtl }).equals(now.add(pendingTtl))).toBe(true);
  });
});
