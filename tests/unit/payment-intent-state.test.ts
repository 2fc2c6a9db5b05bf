// The pure steps of applyPaymentIntent: what an intent's state makes of the payments row (monotone
// status, captured never shrinking, one key per failed attempt), the booking moves it calls for, and
// the follow-up when the booking's time was taken while the payment was failing.
import fc from "fast-check";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { bookingPathFor, followUpWhenSlotTaken, intentStateFor, monotoneIntentStatus } from "../../workers/payments/payment-intents";

type Intent = Parameters<typeof intentStateFor>[1];
const STATUSES: Stripe.PaymentIntent.Status[] = [
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "processing",
  "requires_capture",
  "succeeded",
  "canceled",
];

function intent(overrides: Partial<Intent> = {}): Intent {
  return { id: "pi_1", status: "succeeded", amount_received: 10_000, last_payment_error: null, latest_charge: "ch_1", ...overrides };
}
const declined = (error: Partial<Stripe.PaymentIntent.LastPaymentError>) =>
  intent({ status: "requires_payment_method", amount_received: 0, last_payment_error: { type: "card_error", ...error } as Stripe.PaymentIntent.LastPaymentError });

describe("monotoneIntentStatus", () => {
  it("succeeded, canceled and requires_capture never move back to an earlier status", () => {
    expect(monotoneIntentStatus("succeeded", "requires_payment_method")).toBe("succeeded");
    expect(monotoneIntentStatus("succeeded", "requires_capture")).toBe("succeeded");
    expect(monotoneIntentStatus("canceled", "processing")).toBe("canceled");
    expect(monotoneIntentStatus("requires_capture", "requires_action")).toBe("requires_capture");
    expect(monotoneIntentStatus("requires_capture", "succeeded")).toBe("succeeded");
    expect(monotoneIntentStatus("requires_capture", "canceled")).toBe("canceled");
    expect(monotoneIntentStatus("processing", "requires_payment_method")).toBe("requires_payment_method");
  });

  it("is idempotent: applying the same incoming status again changes nothing", () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), fc.constantFrom(...STATUSES), (stored, incoming) => {
        const once = monotoneIntentStatus(stored, incoming);
        expect(monotoneIntentStatus(once, incoming)).toBe(once);
        expect([stored, incoming]).toContain(once);
      }),
    );
  });
});

describe("intentStateFor", () => {
  it("a succeeded intent records what Stripe received; captured never shrinks", () => {
    expect(intentStateFor({ status: "processing", amountCaptured: 0 }, intent())).toEqual({ status: "succeeded", captured: 10_000, failed: false, failureKey: null });
    expect(intentStateFor({ status: "succeeded", amountCaptured: 10_000 }, intent({ amount_received: 4_000 })).captured).toBe(10_000);
  });

  it("nothing counts as captured before the row is succeeded, and a stale snapshot does not undo it", () => {
    expect(intentStateFor({ status: "processing", amountCaptured: 0 }, intent({ status: "requires_capture", amount_received: 10_000 })).captured).toBe(0);
    const stale = intentStateFor({ status: "succeeded", amountCaptured: 10_000 }, declined({ charge: "ch_1" }));
    expect(stale).toEqual({ status: "succeeded", captured: 10_000, failed: false, failureKey: null });
  });

  it("a decline is a failure keyed by its charge (else the latest charge, else the error code)", () => {
    const fresh = { status: "requires_payment_method", amountCaptured: 0 };
    expect(intentStateFor(fresh, declined({ charge: "ch_9" }))).toEqual({ status: "requires_payment_method", captured: 0, failed: true, failureKey: "pi_1:ch_9" });
    expect(intentStateFor(fresh, declined({})).failureKey).toBe("pi_1:ch_1");
    expect(intentStateFor(fresh, { ...declined({ code: "card_declined" }), latest_charge: null }).failureKey).toBe("pi_1:card_declined");
    expect(intentStateFor(fresh, { ...declined({}), latest_charge: null }).failureKey).toBe("pi_1:none");
  });

  it("requires_payment_method without an error is not a failure (a fresh intent)", () => {
    expect(intentStateFor({ status: "requires_payment_method", amountCaptured: 0 }, intent({ status: "requires_payment_method", amount_received: 0 }))).toEqual({
      status: "requires_payment_method",
      captured: 0,
      failed: false,
      failureKey: null,
    });
  });
});

describe("bookingPathFor", () => {
  it("moves forward from pending, and through pending from payment_failed", () => {
    expect(bookingPathFor("succeeded", false, "pending")).toEqual(["confirmed"]);
    expect(bookingPathFor("succeeded", false, "payment_failed")).toEqual(["pending", "confirmed"]);
    expect(bookingPathFor("requires_capture", false, "pending")).toEqual(["awaiting_approval"]);
    expect(bookingPathFor("requires_capture", false, "payment_failed")).toEqual(["pending", "awaiting_approval"]);
    expect(bookingPathFor("requires_payment_method", true, "pending")).toEqual(["payment_failed"]);
  });

  it("never moves a booking that is past payment, nor on a failure already applied", () => {
    for (const status of ["confirmed", "awaiting_approval", "cancelled", "expired", "completed"] as const) {
      for (const intentStatus of STATUSES) expect(bookingPathFor(intentStatus, true, status)).toEqual([]);
    }
    expect(bookingPathFor("requires_payment_method", false, "pending")).toEqual([]);
    expect(bookingPathFor("requires_payment_method", true, "payment_failed")).toEqual([]);
    expect(bookingPathFor("processing", false, "pending")).toEqual([]);
  });
});

describe("followUpWhenSlotTaken", () => {
  const reason = "The booking's time was taken before the payment completed";
  const earlier = { kind: "void", reason: "Booking is expired" } as const;

  it("refunds a capture posted now, voids an authorisation", () => {
    expect(followUpWhenSlotTaken({ status: "succeeded", captured: 10_000 }, true, null)).toEqual({ kind: "refund", amount: 10_000, reason });
    expect(followUpWhenSlotTaken({ status: "requires_capture", captured: 0 }, false, earlier)).toEqual({ kind: "void", reason });
  });

  it("keeps the follow-up it had otherwise (a capture already posted before was handled then)", () => {
    expect(followUpWhenSlotTaken({ status: "succeeded", captured: 10_000 }, false, earlier)).toBe(earlier);
    expect(followUpWhenSlotTaken({ status: "succeeded", captured: 10_000 }, false, null)).toBeNull();
    expect(followUpWhenSlotTaken({ status: "requires_payment_method", captured: 0 }, false, earlier)).toBe(earlier);
    expect(followUpWhenSlotTaken({ status: "processing", captured: 0 }, false, null)).toBeNull();
  });
});
