// /provider/bookings/:code — one booking as its provider sees it (the approval-needed email links
// here): details, the audit trail (booking_state_transitions) and the actions its state allows the
// provider: accept / decline (awaiting_approval), mark in progress / completed / no-show
// (confirmed, in_progress), cancel (a provider cancellation: full refund by policy). Every action is a
// CSRF-checked POST form that calls the booking services with the Worker's deps (so the provider's
// Durable Object fans the change out), then redirects back here; a DomainError (stale version,
// illegal move) is shown inline with the current state. A provider sees only their own bookings
// (404 otherwise, so codes cannot be probed); an admin may open any booking.
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { Temporal } from "@js-temporal/polyfill";
import { listTransitions } from "../../db/queries/bookings";
import { findProviderBooking, findProviderProfileByUser } from "../../db/queries/provider-admin";
import { actorMay, type Actor, type BookingStatus } from "../../domain/booking-states";
import { describePolicy, refundFor } from "../../domain/cancellation-policy";
import { normalizeConfirmationCode } from "../../domain/confirmation-code";
import { DomainError, isDomainError } from "../../domain/errors";
import { formatMoney, money } from "../../domain/money";
import { loadBookingFor } from "../../workers/services/booking-access";
import { policyOf } from "../../workers/services/booking-view";
import { acceptBooking, cancelBooking, declineBooking, paidAmount } from "../../workers/services/cancel-booking";
import { workerDeps } from "../../workers/composition";
import { transitionBooking } from "../../workers/services/transition-booking";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { StatusBadge, statusLabel } from "../components/provider/booking-status";
import { FormMessage } from "../components/provider/form-controls";
import providerStyles from "../styles/provider.css?url";
import { requireRole } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";
import { messageForDomainError, statusForDomainError } from "../utils/domain-error-message.server";
import { formatDateTimeWithZone } from "../utils/format";
import { PROVIDER_ROLES, actorFor } from "../utils/provider-scope.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Booking ${data.booking.code} · Edge Booking` : "Booking not found · Edge Booking" },
];

// Single fetch skips revalidation after a 4xx action; here a refused action (stale version, illegal
// move) means the booking changed, so always reload it and show its current state and actions.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod?.toUpperCase() === "POST" ? true : defaultShouldRevalidate;

type Intent = "accept" | "decline" | "start" | "complete" | "no_show" | "cancel";

interface ActionSpec {
  intent: Intent;
  to: BookingStatus;
  label: string;
  done: string;
  /** Only once the service has started (marking a no-show or completion before the start makes no sense). */
  afterStart?: boolean;
  danger?: boolean;
  withReason?: boolean;
}

const ACTIONS: readonly ActionSpec[] = [
  { intent: "accept", to: "confirmed", label: "Accept booking", done: "Booking accepted. The customer has been told." },
  { intent: "decline", to: "cancelled", label: "Decline booking", done: "Booking declined. The customer's card authorisation is released.", danger: true, withReason: true },
  { intent: "start", to: "in_progress", label: "Mark in progress", done: "Booking marked in progress." },
  { intent: "complete", to: "completed", label: "Mark completed", done: "Booking marked completed.", afterStart: true },
  { intent: "no_show", to: "no_show", label: "Mark no-show", done: "Booking marked as a no-show.", afterStart: true, danger: true },
  { intent: "cancel", to: "cancelled", label: "Cancel booking", done: "Booking cancelled. The customer gets a full refund.", danger: true, withReason: true },
];

function notFound(): Response {
  return new Response("No booking with that code.", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The booking if this user may manage it from the provider area, else a thrown 404. */
async function loadOwnBooking(request: Request, context: LoaderFunctionArgs["context"], rawCode: string | undefined) {
  const user = await requireRole(request, context, PROVIDER_ROLES);
  const code = normalizeConfirmationCode(rawCode ?? "");
  if (!code) throw notFound();
  const db = context.database.db;
  let providerId: string | null = null;
  if (user.role !== "admin") {
    const own = await findProviderProfileByUser(db, user.id);
    if (!own) throw notFound();
    providerId = own.id;
  }
  const detail = await findProviderBooking(db, providerId, code);
  if (!detail) throw notFound();
  return { user, code, detail };
}

/** Can `actor` make this move now? The domain's policy plus "not before the start" for outcomes. */
function allowed(spec: ActionSpec, actor: Actor, status: BookingStatus, startsAt: Date, now: Date): boolean {
  if (spec.afterStart && now.getTime() < startsAt.getTime()) return false;
  if (spec.intent === "complete" && status === "confirmed") return actorMay(actor, "confirmed", "in_progress") && actorMay(actor, "in_progress", "completed");
  if ((spec.intent === "accept" || spec.intent === "decline") && status !== "awaiting_approval") return false;
  if (spec.intent === "cancel" && status === "awaiting_approval") return false; // that is "decline"
  return actorMay(actor, status, spec.to);
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { user, detail } = await loadOwnBooking(request, context, params.code);
  const { booking } = detail;
  const zone = detail.providerTimeZone;
  const now = new Date();
  const actor = actorFor(user);
  const transitions = await listTransitions(context.database.db, booking.id);
  const policy = policyOf(booking);
  const paid = paidAmount(booking);
  const providerRefund = refundFor(policy, {
    paid: money(paid, booking.currency),
    serviceStart: Temporal.Instant.fromEpochMilliseconds(booking.startsAt.getTime()),
    at: Temporal.Instant.fromEpochMilliseconds(now.getTime()),
    cancelledBy: actor.type,
  });
  const done = ACTIONS.find((a) => a.intent === new URL(request.url).searchParams.get("done"));
  return {
    booking: {
      code: booking.confirmationCode,
      status: booking.status,
      statusLabel: statusLabel(booking.status),
      version: booking.version,
      serviceName: detail.serviceName,
      providerName: detail.providerName,
      zone,
      customerZone: booking.timeZone,
      start: formatDateTimeWithZone(booking.startsAt, zone),
      end: formatDateTimeWithZone(booking.endsAt, zone),
      startCustomer: booking.timeZone !== zone ? formatDateTimeWithZone(booking.startsAt, booking.timeZone) : null,
      durationMinutes: Math.round((booking.endsAt.getTime() - booking.startsAt.getTime()) / 60_000),
      customerName: booking.customerName,
      customerEmail: booking.customerEmail,
      customerPhone: booking.customerPhone,
      accountKind: detail.accountKind,
      notes: booking.notes,
      total: formatMoney(money(booking.totalAmount, booking.currency)),
      fee: formatMoney(money(booking.platformFeeAmount, booking.currency)),
      providerAmount: formatMoney(money(booking.providerAmount, booking.currency)),
      expiresAt: booking.expiresAt ? formatDateTimeWithZone(booking.expiresAt, zone) : null,
      createdAt: formatDateTimeWithZone(booking.createdAt, zone),
      policy: describePolicy(policy),
      cancelRefund: paid > 0 ? `${formatMoney(providerRefund.refund)} (${providerRefund.percent}%)` : null,
    },
    actions: ACTIONS.filter((a) => allowed(a, actor, booking.status, booking.startsAt, now)).map(({ intent, label, danger, withReason }) => ({ intent, label, danger: Boolean(danger), withReason: Boolean(withReason) })),
    waitingForStart: booking.status === "confirmed" && now.getTime() < booking.startsAt.getTime(),
    trail: transitions.map((t) => {
      const refund = (t.metadata as { refund?: { amount?: number; currency?: string; percent?: number } } | null)?.refund;
      return {
        id: t.id,
        at: formatDateTimeWithZone(t.createdAt, zone),
        from: t.fromStatus ? statusLabel(t.fromStatus) : null,
        to: statusLabel(t.toStatus),
        actor: t.actorType === "system" ? "System" : t.actorType === "provider" ? "Provider" : t.actorType === "admin" ? "Support" : t.actorType === "guest" ? "Guest" : "Customer",
        reason: t.reason,
        refund:
          refund && typeof refund.amount === "number" && typeof refund.currency === "string"
            ? `Refund ${formatMoney(money(refund.amount, refund.currency))}${typeof refund.percent === "number" ? ` (${refund.percent}%)` : ""}`
            : null,
      };
    }),
    done: done?.done ?? null,
    calendarHref: `/provider/calendar?${new URLSearchParams({
      view: "day",
      date: Temporal.Instant.fromEpochMilliseconds(booking.startsAt.getTime()).toZonedDateTimeISO(zone).toPlainDate().toString(),
      ...(user.role === "admin" ? { provider: booking.providerId } : {}),
    })}`,
  };
}

type ActionData = { error: string; intent: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const { user, code, detail } = await loadOwnBooking(request, context, params.code);
  const intent = String(formData.get("intent") ?? "");
  const spec = ACTIONS.find((a) => a.intent === intent);
  if (!spec) return data<ActionData>({ error: "Unknown action.", intent }, { status: 400 });
  const versionText = String(formData.get("version") ?? "");
  const expectedVersion = /^\d{1,9}$/.test(versionText) ? Number(versionText) : undefined;
  const reason = String(formData.get("reason") ?? "").trim().slice(0, 500) || undefined;
  const db = context.database.db;
  const deps = workerDeps(context.cloudflare.env, context.cloudflare.config, db);
  const access = { session: { userId: user.id, role: user.role } };
  const now = new Date();
  try {
    if (spec.afterStart && now.getTime() < detail.booking.startsAt.getTime()) {
      throw new DomainError("POLICY_FORBIDS", `You can ${spec.label.toLowerCase()} only once the booking has started`);
    }
    switch (spec.intent) {
      case "accept":
        await acceptBooking(db, { code, access, expectedVersion }, deps);
        break;
      case "decline":
        await declineBooking(db, { code, access, reason, expectedVersion }, deps);
        break;
      case "cancel":
        await cancelBooking(db, { code, access, reason: reason ?? "Cancelled by the provider", expectedVersion }, deps);
        break;
      default: {
        // Outcomes of the appointment: the generic audited transition, as the provider (or support).
        const { found, actor } = await loadBookingFor(db, code, access, now);
        if (actor.type !== "provider" && actor.type !== "admin") throw new DomainError("FORBIDDEN", "Only the provider or support can do this");
        const move = (to: BookingStatus, why: string, version: number | undefined, eventType: string) =>
          transitionBooking(db, { bookingId: found.booking.id, to, actor, reason: why, expectedVersion: version, eventType }, deps);
        const by = actor.type === "admin" ? "support" : "the provider";
        if (spec.intent === "start") await move("in_progress", `Marked in progress by ${by}`, expectedVersion, "started");
        else if (spec.intent === "no_show") await move("no_show", reason ?? `Marked as a no-show by ${by}`, expectedVersion, "no_show");
        else {
          let version = expectedVersion;
          if (found.booking.status === "confirmed") {
            // Completing a booking nobody marked as started: both moves, each in the audit trail.
            const started = await move("in_progress", `Marked in progress by ${by} (on completion)`, version, "started");
            version = started.booking.version;
          }
          await move("completed", `Marked completed by ${by}`, version, "completed");
        }
      }
    }
  } catch (error) {
    if (isDomainError(error)) {
      if (error.code === "NOT_FOUND") throw notFound();
      return data<ActionData>({ error: messageForDomainError(error), intent }, { status: statusForDomainError(error) });
    }
    throw error;
  }
  // Answered inline from another provider page (the requests inbox): back there, saying what was done.
  const back = providerReturnPath(formData.get("returnTo"));
  if (back) return redirect(`${back}${back.includes("?") ? "&" : "?"}answered=${spec.intent}&code=${encodeURIComponent(code)}`);
  return redirect(`/provider/bookings/${code}?done=${spec.intent}`);
}

/** A same-site path inside the provider area to return to, or null (never another origin). */
function providerReturnPath(value: FormDataEntryValue | null): string | null {
  const text = typeof value === "string" ? value : "";
  return /^\/provider(\/[\w/-]*)?(\?[\w=&%-]*)?$/.test(text) ? text : null;
}

export default function ProviderBookingDetail() {
  const { booking, actions, trail, done, waitingForStart, calendarHref } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formMethod?.toLowerCase() === "post";
  return (
    <article className="provider-page booking-detail" aria-labelledby="booking-heading">
      <p>
        <Link to={calendarHref}>← Calendar</Link>
      </p>
      <header className="page-header">
        <div>
          <h1 id="booking-heading">
            {booking.serviceName} <span className="muted">· {booking.code}</span>
          </h1>
          <p>
            <StatusBadge status={booking.status} />
          </p>
        </div>
      </header>
      <FormMessage id="booking-message" error={result?.error} success={result ? undefined : (done ?? undefined)} focus={Boolean(result?.error)} />

      <div className="detail-columns">
        <section className="panel" aria-labelledby="when-heading">
          <h2 id="when-heading">When and who</h2>
          <dl className="details">
            <dt>Starts</dt>
            <dd>{booking.start}</dd>
            <dt>Ends</dt>
            <dd>
              {booking.end} ({booking.durationMinutes} min)
            </dd>
            {booking.startCustomer ? (
              <>
                <dt>Customer's time</dt>
                <dd>
                  {booking.startCustomer} ({booking.customerZone})
                </dd>
              </>
            ) : null}
            <dt>Customer</dt>
            <dd>
              {booking.customerName}
              {booking.accountKind === "guest" ? <span className="muted"> (guest)</span> : null}
            </dd>
            <dt>Email</dt>
            <dd>
              <a href={`mailto:${booking.customerEmail}`}>{booking.customerEmail}</a>
            </dd>
            {booking.customerPhone ? (
              <>
                <dt>Phone</dt>
                <dd>
                  <a href={`tel:${booking.customerPhone}`}>{booking.customerPhone}</a>
                </dd>
              </>
            ) : null}
            {booking.notes ? (
              <>
                <dt>Notes</dt>
                <dd className="prewrap">{booking.notes}</dd>
              </>
            ) : null}
            <dt>Booked</dt>
            <dd>{booking.createdAt}</dd>
            {booking.expiresAt && booking.status === "awaiting_approval" ? (
              <>
                <dt>Answer by</dt>
                <dd>{booking.expiresAt} (the request expires after that)</dd>
              </>
            ) : null}
          </dl>
        </section>

        <section className="panel" aria-labelledby="money-heading">
          <h2 id="money-heading">Money</h2>
          <dl className="details">
            <dt>Customer pays</dt>
            <dd>{booking.total}</dd>
            <dt>Platform fee</dt>
            <dd>{booking.fee}</dd>
            <dt>Your share</dt>
            <dd>{booking.providerAmount}</dd>
          </dl>
          <h3>Cancellation policy</h3>
          <ul>
            {booking.policy.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </section>
      </div>

      <section className="panel" aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        {actions.length === 0 ? (
          <p className="muted">
            {waitingForStart ? "Nothing to do until the booking starts (or cancel it)." : `No actions are available for a booking that is ${booking.statusLabel.toLowerCase()}.`}
          </p>
        ) : (
          <div className="booking-actions">
            {actions.map((a) => (
              <Form key={a.intent} method="post" className={`booking-action${a.withReason ? " with-reason" : ""}`}>
                <AuthenticityTokenInput />
                <input type="hidden" name="version" value={booking.version} />
                {a.withReason ? (
                  <div className="field">
                    <label htmlFor={`reason-${a.intent}`}>
                      {a.intent === "decline" ? "Reason for declining (sent to the customer, optional)" : "Reason for cancelling (sent to the customer, optional)"}
                    </label>
                    <textarea id={`reason-${a.intent}`} name="reason" rows={2} maxLength={500} aria-describedby={a.intent === "cancel" ? "cancel-refund-note" : undefined} />
                    {a.intent === "cancel" ? (
                      <p id="cancel-refund-note" className="muted">
                        {booking.cancelRefund ? `The customer gets a full refund: ${booking.cancelRefund}.` : "Nothing has been charged yet, so there is nothing to refund."}
                      </p>
                    ) : null}
                  </div>
                ) : null}
                <button type="submit" name="intent" value={a.intent} className={a.danger ? "danger" : undefined} disabled={busy}>
                  {a.label}
                </button>
              </Form>
            ))}
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="trail-heading">
        <h2 id="trail-heading">History</h2>
        <div className="table-scroll">
          <table data-testid="audit-trail">
            <caption className="visually-hidden">Every status change of this booking, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {trail.map((t) => (
                <tr key={t.id}>
                  <td>{t.at}</td>
                  <td>{t.from ? `${t.from} → ${t.to}` : `Created (${t.to})`}</td>
                  <td>{t.actor}</td>
                  <td>
                    {t.reason}
                    {t.refund ? <span className="muted"> · {t.refund}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </article>
  );
}
