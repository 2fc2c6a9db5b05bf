// Paying (again). After a decline the customer may retry while the booking still holds the slot; a new
// PaymentIntent attempt is created each time. If the slot was lost, the nearest free times are offered.
import { Temporal } from "@js-temporal/polyfill";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { isDomainError } from "../../domain/errors";
import { formatMoney } from "../../domain/money";
import { startCheckout } from "../../workers/payments/payment-intents";
import { getBookingByCode } from "../../workers/services/get-booking";
import { FormError } from "../components/auth-form";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { HoldCountdown } from "../components/booking/hold-countdown";
import { StripePaymentElement } from "../components/booking/stripe-payment-element";
import { BookingSteps } from "../components/booking/steps";
import { bookingAccess, paymentDeps, tokenQuery } from "../utils/booking-flow.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatDateTime, formatTime, zoneLabel } from "../utils/format";

export const meta: MetaFunction = () => [{ title: "Payment · Edge Booking" }];

async function load(request: Request, context: LoaderFunctionArgs["context"], code: string) {
  const access = await bookingAccess(request, context);
  const found = await getBookingByCode(context.database.db, code, access).catch(() => {
    throw new Response("No booking with that confirmation code.", { status: 404 });
  });
  return { access, ...found };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { access, booking } = await load(request, context, params.code ?? "");
  if (!["pending", "payment_failed"].includes(booking.status)) throw redirect(`/bookings/${booking.code}${tokenQuery(access.token)}`);
  return {
    booking,
    token: access.token,
    declined: new URL(request.url).searchParams.get("declined") === "1",
    total: formatMoney({ amount: booking.amounts.total, currency: booking.amounts.currency }),
    publishableKey: context.cloudflare.config.STRIPE_PUBLISHABLE_KEY ?? null,
    stillHeld: booking.expiresAt ? Temporal.Instant.compare(Temporal.Instant.from(booking.expiresAt), Temporal.Now.instant()) > 0 : true,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const { access, booking } = await load(request, context, params.code ?? "");
  const origin = new URL(request.url).origin;
  try {
    const checkout = await startCheckout(context.database.db, paymentDeps(context), {
      code: booking.code,
      access,
      returnUrl: `${origin}/bookings/${booking.code}/payment-return${tokenQuery(access.token)}`,
    });
    context.metrics.add("funnel.payment_started", { labels: { bookingId: booking.id } });
    // Real Stripe: the Payment Element below confirms the intent in the browser.
    if (!checkout.checkoutUrl) return data({ error: null, clientSecret: checkout.clientSecret, returnUrl: `${origin}/bookings/${booking.code}/payment-return${tokenQuery(access.token)}` });
    return redirect(checkout.checkoutUrl);
  } catch (error) {
    if (isDomainError(error, "SLOT_UNAVAILABLE") || isDomainError(error, "ILLEGAL_TRANSITION")) {
      return data({ error: "This time is no longer available, so the booking cannot be paid. Please pick another time.", clientSecret: null, returnUrl: null }, { status: 409 });
    }
    throw error;
  }
}

export default function Pay() {
  const { booking, declined, total, stillHeld, publishableKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const zone = booking.timeZone;
  return (
    <article className="booking">
      <BookingSteps current={2} />
      <section className="panel">
        <h1>Pay for your booking</h1>
        <p>
          {booking.serviceName} with {booking.providerName}, {formatDateTime(booking.start, zone)}–{formatTime(booking.end, zone)} {zoneLabel(booking.start, zone)}
        </p>
        <p>
          Total: <strong>{total}</strong>
        </p>
        {declined ? (
          <p className="error" role="alert" data-testid="declined">
            Your payment was declined, so nothing was charged. You can try again with another card while the time is held for you.
          </p>
        ) : null}
        {booking.expiresAt && stillHeld ? <HoldCountdown expiresAt={booking.expiresAt} fallbackLabel={formatTime(booking.expiresAt, zone)} /> : null}
        <FormError id="pay-error" message={result?.error ?? undefined} focus />
        {result?.clientSecret && result.returnUrl && publishableKey ? (
          <StripePaymentElement publishableKey={publishableKey} clientSecret={result.clientSecret} returnUrl={result.returnUrl} />
        ) : stillHeld ? (
          <Form method="post">
            <AuthenticityTokenInput />
            <button type="submit">{declined ? "Try again" : "Pay"}</button>
          </Form>
        ) : (
          <p>
            The time is no longer held. <Link to={`/book/${booking.serviceId}`}>Choose another time</Link>.
          </p>
        )}
      </section>
    </article>
  );
}
