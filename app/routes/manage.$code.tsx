// Managing a booking (guest with the manage link, or the signed-in customer): the cancellation policy
// with the refund it would give right now, cancel, and reschedule to another free time. Both changes
// ask first: a GET with ?confirm=cancel or ?confirm=reschedule&start=… renders the confirmation (the
// refund as the loader computes it then), and only its form posts the real intent, so it all works
// without JavaScript.
import { Temporal } from "@js-temporal/polyfill";
import { parsePlainDate } from "../utils/dates";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { refundFor, refundSentence } from "../../domain/cancellation-policy";
import { isDomainError } from "../../domain/errors";
import { formatMoney, money } from "../../domain/money";
import { localDateOf } from "../../domain/time";
import { getAvailability, resolveWindow, type SlotJson } from "../../workers/services/availability";
import { cancelBooking, paidAmount, refundJson } from "../../workers/services/cancel-booking";
import { accountEmail } from "../../db/queries/accounts";
import { listEvents } from "../../db/queries/bookings";
import { claimGuestBookings } from "../../workers/services/claim-guest-bookings";
import { getBookingByCode } from "../../workers/services/get-booking";
import { rescheduleBooking } from "../../workers/services/reschedule-booking";
import { FormError } from "../components/auth-form";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { LiveBookingStatus } from "../components/live-booking-status";
import { bookingAccess, bookingDeps, tokenQuery } from "../utils/booking-flow.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatDateTime, formatDay, formatTime, zoneLabel } from "../utils/format";

export const meta: MetaFunction = () => [{ title: "Manage your booking · Edge Booking" }];

const RESCHEDULE_DAYS = 7;

/**
 * A signed-in customer opening a guest booking through its manage link may add it (and every other
 * guest booking made with that email) to their account: the link was mailed to that address, so
 * holding it while signed in with the same address proves the address is theirs. Sign-up alone does
 * not claim, because it does not verify addresses.
 */
async function claimableEmail(context: LoaderFunctionArgs["context"], access: Awaited<ReturnType<typeof bookingAccess>>, bookingEmail: string, guest: boolean) {
  if (!guest || !access.token || access.session?.role !== "customer") return null;
  const user = await accountEmail(context.database.db, access.session.userId);
  return user && user.email.toLowerCase() === bookingEmail.toLowerCase() ? user.email : null;
}

async function load(request: Request, context: LoaderFunctionArgs["context"], code: string) {
  const access = await bookingAccess(request, context);
  const found = await getBookingByCode(context.database.db, code, access).catch(() => {
    throw new Response("No booking with that confirmation code. If you booked as a guest, use the link from your email.", { status: 404 });
  });
  return { access, ...found };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { access, booking, viewer } = await load(request, context, params.code ?? "");
  const now = Temporal.Now.instant();
  const start = Temporal.Instant.from(booking.start);
  const paid = paidAmount({ status: booking.status, totalAmount: booking.amounts.total });
  const decision = refundFor(booking.cancellationPolicy, {
    paid: money(paid, booking.amounts.currency),
    serviceStart: start,
    at: now,
    cancelledBy: viewer.type,
  });
  const refund = refundJson(decision, paid);
  const active = ["pending", "awaiting_approval", "confirmed"].includes(booking.status);

  // Other free times for rescheduling, in the booking's zone, from the chosen date (default: its day).
  let slots: SlotJson[] = [];
  let from = localDateOf(Temporal.Instant.compare(start, now) > 0 ? start : now, booking.timeZone);
  const search = new URL(request.url).searchParams;
  const today = localDateOf(now, booking.timeZone);
  from = parsePlainDate(search.get("date")) ?? from; // unreadable or out-of-range dates show the default days
  if (Temporal.PlainDate.compare(from, today) < 0) from = today; // free times never lie in the past
  const earlier = from.subtract({ days: RESCHEDULE_DAYS });
  const previous = Temporal.PlainDate.compare(from, today) > 0 ? (Temporal.PlainDate.compare(earlier, today) < 0 ? today : earlier) : null;
  const confirm = search.get("confirm");
  const confirmCancel = active && confirm === "cancel" ? { sentence: refundSentence(decision.refund, decision.percent, paid), amount: refund.amount } : null;
  const confirmMove = active && confirm === "reschedule" ? moveTo(search.get("start"), booking) : null;
  if (active) {
    const window = resolveWindow(from.toString(), from.add({ days: RESCHEDULE_DAYS - 1 }).toString(), booking.timeZone);
    const availability = await getAvailability(
      context.database.db,
      { providerId: booking.providerId, serviceId: booking.serviceId, from: window.from, to: window.to, customerZone: booking.timeZone },
      bookingDeps(context),
    );
    slots = availability.slots.slice(0, 60);
  }
  return {
    booking,
    refunded: active ? null : await recordedRefund(context.database.db, booking.id),
    token: access.token,
    canClaim: (await claimableEmail(context, access, booking.customer.email, booking.guest)) !== null,
    active,
    refundNow: formatMoney(refund),
    refundExplanation: refund.explanation,
    policy: booking.cancellationPolicy.summary,
    slots,
    from: from.toString(),
    previous: previous?.toString() ?? null,
    next: from.add({ days: RESCHEDULE_DAYS }).toString(),
    confirmCancel,
    confirmMove,
  };
}

/** What the cancellation recorded as refunded (data.refund of its event), for a later visit to the page. */
async function recordedRefund(db: Parameters<typeof listEvents>[0], bookingId: string) {
  const cancel = (await listEvents(db, bookingId)).filter((e) => e.type === "cancelled" || e.type === "declined").at(-1);
  const refund = (cancel?.data as { refund?: { amount?: unknown; currency?: string; percent?: number; paid?: number } } | undefined)?.refund;
  if (!refund || !Number.isInteger(refund.amount) || typeof refund.currency !== "string") return null;
  return refundSentence(money(refund.amount as number, refund.currency), refund.percent ?? 0, refund.paid ?? 0, "done");
}

/** The asked new time with the booking's length, or null when `start` is not an instant (the list is shown again). */
function moveTo(start: string | null, booking: { start: string; end: string }) {
  try {
    const at = Temporal.Instant.from(start ?? "");
    const length = Temporal.Instant.from(booking.start).until(Temporal.Instant.from(booking.end));
    return { start: at.toString(), end: at.add(length).toString() };
  } catch {
    return null;
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const { access, booking } = await load(request, context, params.code ?? "");
  const db = context.database.db;
  const deps = bookingDeps(context);
  const intent = formData.get("intent");
  const query = tokenQuery(access.token);
  try {
    if (intent === "cancel") {
      const reason = String(formData.get("reason") ?? "").trim().slice(0, 500) || undefined;
      const result = await cancelBooking(db, { code: booking.code, access, reason, expectedVersion: booking.version }, deps);
      const actual = refundSentence(money(result.refund.amount, result.refund.currency), result.refund.percent, result.paid, "done");
      // The refund is decided on the locked row at the moment of cancelling: if a tier's deadline
      // passed since the confirmation was shown, say so rather than let the stated amount stand.
      const stated = Number(formData.get("statedRefund") ?? Number.NaN);
      const changed = Number.isInteger(stated) && stated !== result.refund.amount;
      return data({ error: null, done: `Cancelled. ${changed ? `The refund changed since you confirmed: ${actual}` : actual}` });
    }
    if (intent === "claim") {
      const email = await claimableEmail(context, access, booking.customer.email, booking.guest);
      if (!email || !access.session) return data({ error: "Sign in with the email this booking was made with to add it to your account.", done: null }, { status: 403 });
      const claimed = await claimGuestBookings(db, { userId: access.session.userId, email });
      return data({ error: null, done: `Added ${claimed.bookingIds.length === 1 ? "1 booking" : `${claimed.bookingIds.length} bookings`} to your account.` });
    }
    if (intent === "reschedule") {
      const start = String(formData.get("start") ?? "");
      await rescheduleBooking(db, { code: booking.code, access, start, expectedVersion: booking.version }, deps);
      return redirect(`/bookings/${booking.code}${query}`);
    }
    return data({ error: "intent: choose cancel or reschedule.", done: null }, { status: 400 });
  } catch (error) {
    if (isDomainError(error, "SLOT_UNAVAILABLE")) return data({ error: "That time was just taken. Please pick another.", done: null }, { status: 409 });
    if (isDomainError(error, "STALE_VERSION")) return data({ error: "This booking changed in the meantime. Please review it and try again.", done: null }, { status: 409 });
    if (isDomainError(error, "POLICY_FORBIDS") || isDomainError(error, "ILLEGAL_TRANSITION") || isDomainError(error, "VALIDATION") || isDomainError(error, "FORBIDDEN")) {
      return data({ error: error.message, done: null }, { status: isDomainError(error, "VALIDATION") ? 400 : 409 });
    }
    throw error;
  }
}

export default function Manage() {
  const { booking, refunded, token, canClaim, active, refundNow, refundExplanation, policy, slots, from, previous, next, confirmCancel, confirmMove } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const zone = booking.timeZone;
  const query = token ? `token=${encodeURIComponent(token)}&` : "";
  // The button pressed to ask is gone once the question shows: put the reader on the question.
  const question = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (confirmCancel || confirmMove) question.current?.focus();
  }, [confirmCancel, confirmMove]);
  // The confirmations post to the plain manage URL, so the page after the change shows no question.
  const manageUrl = `/manage/${booking.code}${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  const tokenInput = token ? <input type="hidden" name="token" value={token} /> : null;
  return (
    <article className="booking">
      <section className="panel">
        <h1>Your booking {booking.code}</h1>
        <LiveBookingStatus code={booking.code} token={token} status={booking.status} start={booking.start} />
        <p>
          {booking.serviceName} with {booking.providerName}
          <br />
          {formatDateTime(booking.start, zone)}–{formatTime(booking.end, zone)} {zoneLabel(booking.start, zone)} ({zone.replace(/_/g, " ")})
        </p>
        <p>
          Status: <strong data-testid="status">{booking.status.replace(/_/g, " ")}</strong>
        </p>
        <p>
          <Link to={`/bookings/${booking.code}${token ? `?token=${encodeURIComponent(token)}` : ""}`}>Confirmation and calendar files</Link>
        </p>
      </section>
      <FormError id="manage-error" message={result?.error ?? undefined} focus />
      {result?.done ? (
        <p className="ok panel" role="status" data-testid="manage-done">
          {result.done}
        </p>
      ) : null}

      {confirmCancel ? (
        <section className="panel" aria-labelledby="confirm-cancel-heading" data-testid="confirm-cancel">
          <h2 id="confirm-cancel-heading" tabIndex={-1} ref={question}>
            Cancel your booking on {formatDateTime(booking.start, zone)}? {confirmCancel.sentence}
          </h2>
          <Form method="post" action={manageUrl}>
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="cancel" />
            <input type="hidden" name="statedRefund" value={confirmCancel.amount} />
            <label>
              <span>Reason (optional)</span>
              <input name="reason" maxLength={500} />
            </label>
            <button type="submit" className="danger" disabled={navigation.state !== "idle"}>
              Yes, cancel
            </button>{" "}
            <Link to={manageUrl}>Keep booking</Link>
          </Form>
        </section>
      ) : null}
      {confirmMove ? (
        <section className="panel" aria-labelledby="confirm-move-heading" data-testid="confirm-reschedule">
          <h2 id="confirm-move-heading" tabIndex={-1} ref={question}>
            Move from {formatDateTime(booking.start, zone)} to {formatDateTime(confirmMove.start, zone)} ({zone.replace(/_/g, " ")})?
          </h2>
          <p className="muted">
            New time {formatDateTime(confirmMove.start, zone)}–{formatTime(confirmMove.end, zone)} {zoneLabel(confirmMove.start, zone)}. Your code stays the same.
          </p>
          <Form method="post" action={manageUrl}>
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="reschedule" />
            <input type="hidden" name="start" value={confirmMove.start} />
            <button type="submit" disabled={navigation.state !== "idle"}>
              Yes, move it
            </button>{" "}
            <Link to={manageUrl}>Keep the current time</Link>
          </Form>
        </section>
      ) : null}

      {canClaim ? (
        <Form method="post" className="panel">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="claim" />
          <p>You booked this as a guest with your account's email.</p>
          <button type="submit" className="secondary">
            Add my guest bookings to my account
          </button>
        </Form>
      ) : null}
      <section className="panel" aria-labelledby="policy-heading">
        <h2 id="policy-heading">Cancellation policy</h2>
        <ul>
          {policy.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {active ? (
          <>
            <p>
              If you cancel now you get back <strong data-testid="refund-now">{refundNow}</strong>. {refundExplanation}
            </p>
            {confirmCancel ? null : (
              <Form method="get">
                {tokenInput}
                <input type="hidden" name="confirm" value="cancel" />
                <button type="submit" className="danger" disabled={navigation.state !== "idle"}>
                  Cancel booking
                </button>
              </Form>
            )}
          </>
        ) : (
          <p>
            This booking can no longer be changed.{" "}
            {refunded && !result?.done ? <span data-testid="refunded">{refunded}</span> : null}
          </p>
        )}
      </section>

      {active ? (
        <section className="panel" aria-labelledby="reschedule-heading">
          <h2 id="reschedule-heading">Reschedule</h2>
          <p className="muted">Free times from {formatDay(`${from}T12:00:00Z`, "UTC")}, in {zone.replace(/_/g, " ")}. Your code stays the same.</p>
          {slots.length === 0 ? <p>No free times in these days.</p> : null}
          <ul className="slots">
            {slots.map((slot) => (
              <li key={slot.start}>
                <Form method="get">
                  {tokenInput}
                  <input type="hidden" name="date" value={from} />
                  <input type="hidden" name="confirm" value="reschedule" />
                  <input type="hidden" name="start" value={slot.start} />
                  <button type="submit" className="slot" data-testid="reschedule-slot">
                    {formatDateTime(slot.start, zone)}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
          <nav className="week-nav" aria-label="Reschedule dates">
            {previous ? <Link to={`?${query}date=${previous}`}>← Earlier dates</Link> : <span />}
            <Link to={`?${query}date=${next}`}>Later dates →</Link>
          </nav>
        </section>
      ) : null}
    </article>
  );
}
