// Step 2 of 3: details and payment. Shows the held time in both zones, the price with the platform
// fee it includes and the hold countdown; creates the booking (idempotently) and sends the customer to
// pay (locally the Stripe stand-in's test checkout). If the time was lost, the nearest free times are
// offered instead.
import { Temporal } from "@js-temporal/polyfill";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { isDomainError } from "../../domain/errors";
import { formatMoney, money } from "../../domain/money";
import { priceBooking } from "../../domain/pricing";
import { BOOKING_ATTEMPTS, countAttempt } from "../../workers/auth/client-budget";
import { describeWait, retryAfterHeaders } from "../../workers/auth/rate-limit";
import { startCheckout } from "../../workers/payments/payment-intents";
import type { SlotJson } from "../../workers/services/availability";
import { describeIssues } from "../../workers/http/errors";
import { createBookingAtProvider } from "../../workers/services/booking-at-provider";
import { Field, FormError, type FieldErrors } from "../components/auth-form";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { HoldCountdown } from "../components/booking/hold-countdown";
import { BookingSteps } from "../components/booking/steps";
import { getUser } from "../utils/auth.server";
import { ReleaseHoldOnLeave } from "../components/booking/release-hold-on-leave";
import { bookingDeps, currentHold, customerZone, holderToken, paymentDeps, serviceOr404, tokenQuery } from "../utils/booking-flow.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatDateTime, formatPrice, formatTime, zoneLabel } from "../utils/format";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const headers = keepRetryAfter;

export const meta: MetaFunction = () => [{ title: "Your details · Edge Booking" }];

function parseInstant(value: string | null): Temporal.Instant | null {
  try {
    return value ? Temporal.Instant.from(value) : null;
  } catch {
    return null;
  }
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const service = await serviceOr404(context, params.serviceId);
  const url = new URL(request.url);
  const start = parseInstant(url.searchParams.get("start"));
  if (!start) throw redirect(`/book/${service.id}`);
  const zone = customerZone(request, service.provider.timeZone);
  const user = await getUser(request, context);
  const { config } = context.cloudflare;
  const price = priceBooking({
    servicePrice: money(service.priceAmount, service.currency),
    customerKind: user ? "customer" : "guest",
    feeBps: { guest: config.PLATFORM_FEE_BPS_GUEST, customer: config.PLATFORM_FEE_BPS_CUSTOMER },
  });
  const end = start.add({ minutes: service.durationMinutes });
  const hold = await currentHold(request, context, { providerId: service.provider.id, serviceId: service.id, holdId: url.searchParams.get("hold"), start });
  return {
    service,
    user: user ? { name: user.name } : null,
    zone,
    start: start.toString(),
    end: end.toString(),
    holdId: hold?.id ?? null,
    expiresAt: hold?.expiresAt ?? null,
    // When this page showed the hold: a release it sends on leaving loses to any later view of it.
    shownAt: Date.now(),
    total: formatPrice(price.total),
    free: price.total.amount === 0,
    fee: formatMoney(price.platformFee),
    feePercent: (price.feeBps / 100).toFixed(price.feeBps % 100 === 0 ? 0 : 2),
    // One key per rendering of this form: a double submit or a retry after a network error books once.
    idempotencyKey: crypto.randomUUID(),
  };
}

type ActionResult = { formError?: string; errors?: FieldErrors; alternatives?: SlotJson[]; zone?: string };

function fieldErrors(details: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  const fields = Array.isArray(details.fields) ? (details.fields as Array<{ path?: string; message?: string } | string>) : [];
  for (const field of fields) {
    const path = typeof field === "string" ? field : (field.path ?? "");
    const name = path.replace(/^customer\./, "");
    (errors[name] ??= []).push(typeof field === "string" ? "is invalid" : (field.message ?? "is invalid"));
  }
  return errors;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const db = context.database.db;
  const service = await serviceOr404(context, params.serviceId);
  const limit = await countAttempt(context.cloudflare.env, request, BOOKING_ATTEMPTS);
  if (!limit.allowed) {
    return data<ActionResult>(
      { formError: `Too many booking attempts from your network. Please wait ${describeWait(limit.retryAfterSeconds)} and try again.` },
      { status: 429, headers: retryAfterHeaders(limit) },
    );
  }
  const user = await getUser(request, context);
  const zone = customerZone(request, service.provider.timeZone);
  const text = (name: string) => {
    const value = String(formData.get(name) ?? "").trim();
    return value === "" ? undefined : value;
  };
  const body = {
    serviceId: service.id,
    providerId: service.provider.id,
    start: text("start"),
    timeZone: zone,
    customer: user
      ? { phone: text("phone"), notes: text("notes") }
      : { name: text("name"), email: text("email"), phone: text("phone"), notes: text("notes") },
    holdId: text("holdId"),
    holderToken: holderToken(request).token,
    idempotencyKey: text("idempotencyKey"),
  };
  try {
    const created = await context.metrics.withTiming("latency.booking_create_ms", () =>
      createBookingAtProvider(context.cloudflare.env, { body, customerUserId: user?.id ?? null }, () => ({ db, deps: bookingDeps(context) })),
    );
    const code = created.booking.code;
    const token = created.manageToken ?? null;
    // A free booking is confirmed (or awaiting the provider) already: nothing to pay.
    if (created.booking.status !== "pending") return redirect(`/bookings/${code}${tokenQuery(token)}`);
    const origin = new URL(request.url).origin;
    const returnUrl = `${origin}/bookings/${code}/payment-return${tokenQuery(token)}`;
    const checkout = await startCheckout(db, paymentDeps(context), {
      code,
      access: { session: user ? { userId: user.id, role: user.role } : null, manageToken: token },
      returnUrl,
    });
    context.metrics.add("funnel.payment_started", { labels: { bookingId: created.booking.id } });
    // Locally: the stand-in's test checkout. In production there is no hosted page for a
    // PaymentIntent: our own pay page mounts Stripe's Payment Element with the client secret.
    return redirect(checkout.checkoutUrl ?? `/bookings/${code}/pay${tokenQuery(token)}`);
  } catch (error) {
    if (isDomainError(error, "SLOT_UNAVAILABLE")) {
      const alternatives = Array.isArray(error.details.alternatives) ? (error.details.alternatives as SlotJson[]) : [];
      return data<ActionResult>({ formError: "Sorry, that time was just taken. These are the nearest free times:", alternatives, zone }, { status: 409 });
    }
    if (isDomainError(error, "VALIDATION")) {
      return data<ActionResult>({ formError: "Please check the highlighted fields.", errors: fieldErrors(error.details) }, { status: 400 });
    }
    // The request schema's own refusal (a tampered or stale form, e.g. no start): 400 naming the fields.
    if (error instanceof z.ZodError) {
      const { fields, summary } = describeIssues(error);
      return data<ActionResult>({ formError: `Please check the form: ${summary}`, errors: fieldErrors({ fields }) }, { status: 400 });
    }
    if (isDomainError(error, "IDEMPOTENCY_MISMATCH") || isDomainError(error, "NOT_FOUND") || isDomainError(error, "ILLEGAL_TRANSITION")) {
      return data<ActionResult>({ formError: error.message }, { status: 409 });
    }
    throw error;
  }
}

export default function Details() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const errors = result?.errors;
  const { service, zone } = page;
  const providerZone = service.provider.timeZone;
  return (
    <article className="booking">
      <BookingSteps current={2} />
      <section className="panel" aria-labelledby="summary-heading">
        <h1 id="summary-heading">{service.name}</h1>
        <p>
          with {service.provider.displayName} · {service.durationMinutes} min
        </p>
        <dl className="summary">
          <div>
            <dt>Your time</dt>
            <dd data-testid="time-customer">
              {formatDateTime(page.start, zone)}–{formatTime(page.end, zone)} {zoneLabel(page.start, zone)} ({zone.replace(/_/g, " ")})
            </dd>
          </div>
          {providerZone !== zone ? (
            <div>
              <dt>Provider's time</dt>
              <dd data-testid="time-provider">
                {formatDateTime(page.start, providerZone)}–{formatTime(page.end, providerZone)} {zoneLabel(page.start, providerZone)} ({providerZone.replace(/_/g, " ")})
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Total</dt>
            <dd data-testid="total">{page.total}</dd>
          </div>
          {page.free ? null : (
            <div>
              <dt>Platform fee (included)</dt>
              <dd data-testid="fee">
                {page.fee} ({page.feePercent} %)
              </dd>
            </div>
          )}
        </dl>
        {page.holdId ? <ReleaseHoldOnLeave serviceId={service.id} providerId={service.provider.id} holdId={page.holdId} shownAt={page.shownAt} /> : null}
        {page.expiresAt ? <HoldCountdown expiresAt={page.expiresAt} fallbackLabel={`${formatTime(page.expiresAt, zone)} ${zoneLabel(page.expiresAt, zone)}`} /> : null}
        {service.requiresApproval ? <p>The provider confirms this booking. Your card is authorised now and charged only if they accept.</p> : null}
      </section>

      <FormError id="booking-error" message={result?.formError} focus />
      {result?.alternatives && result.alternatives.length > 0 ? (
        <ul className="slots alternatives" aria-label="Nearest free times">
          {result.alternatives.map((slot) => (
            <li key={slot.start}>
              <Form method="post" action={`/book/${service.id}?tz=${encodeURIComponent(result.zone ?? zone)}`}>
                <AuthenticityTokenInput />
                <input type="hidden" name="start" value={slot.start} />
                <button type="submit" className="slot" data-testid="alternative">
                  {formatDateTime(slot.start, result.zone ?? zone)}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      ) : null}

      <Form method="post" className="panel form" aria-labelledby="details-heading">
        <h2 id="details-heading">Your details</h2>
        <AuthenticityTokenInput />
        <input type="hidden" name="start" value={page.start} />
        <input type="hidden" name="holdId" value={page.holdId ?? ""} />
        <input type="hidden" name="idempotencyKey" value={page.idempotencyKey} />
        {page.user ? (
          <p>
            Booking as <strong>{page.user.name}</strong>; the confirmation goes to your account's email.
          </p>
        ) : (
          <>
            <p className="muted">
              Booking as a guest. <Link to={`/sign-in?redirectTo=${encodeURIComponent(`/book/${service.id}/details?start=${page.start}`)}`}>Sign in</Link> to keep your bookings in one place.
            </p>
            <Field name="name" label="Name" autoComplete="name" required errors={errors?.name} focus={Boolean(errors?.name)} />
            <Field name="email" label="Email" type="email" autoComplete="email" required errors={errors?.email} focus={!errors?.name && Boolean(errors?.email)} />
          </>
        )}
        <Field name="phone" label="Phone (optional)" type="tel" autoComplete="tel" errors={errors?.phone} />
        <div className="field">
          <label htmlFor="field-notes">
            <span>Notes for the provider (optional)</span>
            <textarea id="field-notes" name="notes" rows={3} maxLength={2000} />
          </label>
        </div>
        <button type="submit" disabled={navigation.state !== "idle"}>
          {navigation.state === "submitting" ? "Booking…" : page.free ? "Confirm booking · free" : `Continue to payment · ${page.total}`}
        </button>
      </Form>
      <Form method="post" action={`/book/${service.id}/release`} className="choose-another">
        <AuthenticityTokenInput />
        <input type="hidden" name="provider" value={service.provider.id} />
        <input type="hidden" name="hold" value={page.holdId ?? ""} />
        <input type="hidden" name="shownAt" value={page.shownAt} />
        <input type="hidden" name="tz" value={zone} />
        <input type="hidden" name="then" value="choose" />
        <button type="submit" className="link-button" data-testid="choose-another">
          Choose another time
        </button>
      </Form>
    </article>
  );
}
