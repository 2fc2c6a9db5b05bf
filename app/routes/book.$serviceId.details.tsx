// Step 2 of 3: details and payment. Shows the held time in both zones, the price with the platform
// fee it includes (and what signing in changes), the cancellation policy with this booking's refund
// deadlines, and the hold countdown, which is also the payment deadline (decision 0016); creates the booking (idempotently) and sends the customer to
// pay (locally the Stripe stand-in's test checkout). If the time was lost, the nearest free times are
// offered instead.
import { Temporal } from "@js-temporal/polyfill";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { describePolicy, refundDeadlines } from "../../domain/cancellation-policy";
import { isDomainError } from "../../domain/errors";
import { MIN_PAYMENT_WINDOW } from "../../domain/holds";
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
  const priceAs = (customerKind: "guest" | "customer") =>
    priceBooking({
      servicePrice: money(service.priceAmount, service.currency),
      customerKind,
      feeBps: { guest: config.PLATFORM_FEE_BPS_GUEST, customer: config.PLATFORM_FEE_BPS_CUSTOMER },
    });
  const price = priceAs(user ? "customer" : "guest");
  const end = start.add({ minutes: service.durationMinutes });
  const when = (instant: Temporal.Instant) => `${formatDateTime(instant.toString(), zone)} ${zoneLabel(instant.toString(), zone)}`;
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
    feePercent: percentOf(price.feeBps),
    signIn: user ? null : signInOffer(price, priceAs("customer")),
    policy: policyView(service.cancellationPolicy, { price, start, when }),
    payFloorMinutes: Temporal.Duration.from(MIN_PAYMENT_WINDOW).total({ unit: "minutes" }),
    // One key per rendering of this form: a double submit or a retry after a network error books once.
    idempotencyKey: crypto.randomUUID(),
  };
}

function percentOf(bps: number): string {
  return (bps / 100).toFixed(bps % 100 === 0 ? 0 : 2);
}

/**
 * What signing in would change for a guest. The fee is taken out of the listed price (domain/pricing.ts),
 * so today the total is the same and only the fee differs; a cheaper total is said with its amount.
 */
function signInOffer(guest: ReturnType<typeof priceBooking>, customer: ReturnType<typeof priceBooking>): { link: string; note: string } | null {
  if (customer.total.amount < guest.total.amount) {
    return {
      link: `Sign in and pay ${formatMoney(customer.total)} instead of ${formatMoney(guest.total)}`,
      note: `Signed-in customers pay a lower platform fee (${percentOf(customer.feeBps)} % instead of ${percentOf(guest.feeBps)} %).`,
    };
  }
  if (customer.platformFee.amount < guest.platformFee.amount) {
    return {
      link: "Sign in for the lower platform fee",
      note:
        `Signed-in customers pay a lower platform fee: ${formatMoney(customer.platformFee)} (${percentOf(customer.feeBps)} %) instead of ` +
        `${formatMoney(guest.platformFee)} (${percentOf(guest.feeBps)} %). The price is the same; more of it goes to the provider.`,
    };
  }
  return null;
}

/** The policy's lines and this booking's concrete deadlines in the customer's zone. */
function policyView(
  policy: Parameters<typeof describePolicy>[0],
  { price, start, when }: { price: ReturnType<typeof priceBooking>; start: Temporal.Instant; when: (i: Temporal.Instant) => string },
): { summary: string[]; deadlines: string[] } {
  if (price.total.amount === 0) return { summary: [], deadlines: ["Free booking: you can cancel at any time, and there is nothing to refund."] };
  const { windows, noRefundAfter } = refundDeadlines(policy, { paid: price.total, serviceStart: start, now: Temporal.Now.instant() });
  const at = (instant: Temporal.Instant) => (instant.equals(start) ? `the start (${when(instant)})` : when(instant));
  const deadlines = windows.map((w) =>
    `${w.percent === 100 ? "Full refund" : `${w.percent} % refund`} (${formatMoney(w.refund)}) if you cancel until ${at(w.until)}`,
  );
  if (!noRefundAfter) deadlines.push("No refund if you cancel.");
  else if (windows.length === 0) deadlines.push("No refund if you cancel: the last refund deadline has passed.");
  // The last open window ends where refunds end: its deadline was just given.
  else deadlines.push(noRefundAfter.equals(start) ? "No refund once the service has started." : "No refund after that.");
  return { summary: describePolicy(policy), deadlines };
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
        {page.expiresAt ? (
          <HoldCountdown expiresAt={page.expiresAt} fallbackLabel={`${formatTime(page.expiresAt, zone)} ${zoneLabel(page.expiresAt, zone)}`} floorMinutes={page.payFloorMinutes} />
        ) : null}
        {service.requiresApproval ? <p>The provider confirms this booking. Your card is authorised now and charged only if they accept.</p> : null}
      </section>

      <section className="panel" aria-labelledby="policy-heading">
        <h2 id="policy-heading">Cancellation policy</h2>
        <ul data-testid="policy-deadlines">
          {page.policy.deadlines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {page.policy.summary.length > 0 ? (
          <ul className="muted" data-testid="policy-summary">
            {page.policy.summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : null}
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
              Booking as a guest. <Link to={`/sign-in?redirectTo=${encodeURIComponent(`/book/${service.id}/details?start=${page.start}`)}`}>{page.signIn?.link ?? "Sign in"}</Link>
              {page.signIn ? "; signed in, your bookings are kept in one place." : " to keep your bookings in one place."}
            </p>
            {page.signIn ? (
              <p className="muted" data-testid="sign-in-fee">
                {page.signIn.note}
              </p>
            ) : null}
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
