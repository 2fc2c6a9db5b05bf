// Where the payment page sends the customer back. The webhook is the source of truth, but it may not
// have arrived yet: we read the PaymentIntent from Stripe and apply it through the same idempotent path
// the webhook uses, so the customer sees the real outcome at once.
import { redirect, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { findPaymentByIntent } from "../../db/queries/payments";
import { syncPaymentIntent } from "../../workers/payments/payment-intents";
import { settleFollowUp } from "../../workers/payments/refunds";
import { getBookingByCode } from "../../workers/services/get-booking";
import { bookingAccess, paymentDeps, tokenQuery } from "../utils/booking-flow.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const db = context.database.db;
  const access = await bookingAccess(request, context);
  const { booking } = await getBookingByCode(db, params.code ?? "", access).catch(() => {
    throw new Response("No booking with that confirmation code.", { status: 404 });
  });
  const intentId = new URL(request.url).searchParams.get("payment_intent");
  const payment = intentId ? await findPaymentByIntent(db, intentId) : null;
  // Only an intent of this very booking may be applied from this URL.
  let synced = false;
  if (payment && payment.bookingId === booking.id) {
    const deps = paymentDeps(context);
    try {
      await settleFollowUp(db, deps, await syncPaymentIntent(db, deps, payment.stripePaymentIntentId));
      synced = true;
    } catch (error) {
      // Stripe slow or down right after the customer paid: the webhook and the repair cron settle it.
      // They must not meet an error page; the confirmation page says "Confirming your payment…".
      console.warn(JSON.stringify({ eventName: "payment_return.sync_failed", code: booking.code, message: error instanceof Error ? error.message : String(error) }));
    }
  }
  const { booking: now } = await getBookingByCode(db, booking.code, access);
  const query = tokenQuery(access.token);
  if (!synced && payment && now.status === "pending") return redirect(`/bookings/${now.code}${query}`);
  if (now.status === "payment_failed" || now.status === "pending") {
    const status = new URL(request.url).searchParams.get("redirect_status");
    const separator = query ? "&" : "?";
    return redirect(`/bookings/${now.code}/pay${query}${status === "failed" || now.status === "payment_failed" ? `${separator}declined=1` : ""}`);
  }
  return redirect(`/bookings/${now.code}${query}`);
}
