// Step 1 of 3: pick a slot. Free slots for a week, shown in the customer's time zone (detected in the
// browser, changeable), kept live over the provider's feed. Choosing a slot takes a hold in the
// provider's Durable Object and moves on to step 2.
import { Temporal } from "@js-temporal/polyfill";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigate, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { useEffect, useState } from "react";
import { isDomainError } from "../../domain/errors";
import { localDateOf } from "../../domain/time";
import { canonicalZoneName } from "../../domain/zone-names";
import { budgetFor, countAttempt, HOLD_ATTEMPTS } from "../../workers/auth/client-budget";
import { describeWait, retryAfterHeaders } from "../../workers/auth/rate-limit";
import { alternativesFor, loadBookableService, resolveWindow, timingOf, type SlotJson } from "../../workers/services/availability";
import { holdSlot } from "../../workers/services/hold-slot";
import { availabilityFromSchedule } from "../../workers/services/schedule-reads";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { LiveBadge, useLiveSlots } from "../components/booking/live-availability";
import { BookingSteps } from "../components/booking/steps";
import { bookingDeps, customerZone, customerZoneWithSource, holderToken, serviceOr404, zoneCookie } from "../utils/booking-flow.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatDay, formatPrice, formatTime, zoneLabel } from "../utils/format";
import { parsePlainDate } from "../utils/dates";
import { groupByDay, withoutStart, type DayOfSlots, type ShownSlot } from "../utils/live-slots";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const headers = keepRetryAfter;

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Book ${data.service.name} · ${data.service.provider.displayName}` : "Service not found" },
];

const DAYS_SHOWN = 7;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const service = await serviceOr404(context, params.serviceId);
  const url = new URL(request.url);
  const { zone, source: zoneSource } = customerZoneWithSource(request, service.provider.timeZone);
  const today = localDateOf(Temporal.Now.instant(), zone);
  // An unreadable or out-of-range date shows this week rather than an error.
  let first = parsePlainDate(url.searchParams.get("date")) ?? today;
  if (Temporal.PlainDate.compare(first, today) < 0) first = today;
  const last = first.add({ days: DAYS_SHOWN - 1 });
  const window = resolveWindow(first.toString(), last.toString(), zone);
  // From the provider's Durable Object: no Postgres connection on this page when it is warm.
  const availability = await context.metrics
    .withTiming("latency.availability_ms", () =>
      availabilityFromSchedule(context.cloudflare.env, service.provider.id, {
        serviceId: service.id,
        from: window.from.toString(),
        to: window.to.toString(),
        timeZone: zone,
      }),
    )
    .catch((error: unknown) => {
      if (isDomainError(error, "UNAVAILABLE")) {
        throw new Response(error.message, { status: 503, headers: { "Retry-After": String(error.details.retryAfterSeconds ?? 2) } });
      }
      throw error;
    });
  // Counted once per view: live updates change the page without running this loader again.
  context.metrics.add("funnel.slot_view", { labels: { providerId: service.provider.id, serviceId: service.id } });
  const dates = Array.from({ length: DAYS_SHOWN }, (_, i) => first.add({ days: i }).toString());
  const headers = url.searchParams.get("tz") ? { "Set-Cookie": zoneCookie(zone) } : undefined;
  return data(
    {
      service: { ...service, price: formatPrice({ amount: service.priceAmount, currency: service.currency }) },
      zone,
      // Only a page rendered before the browser ever said its zone is swapped to it after loading.
      zoneKnown: zoneSource !== "fallback",
      rejectedZone: url.searchParams.get("tz") && zoneSource !== "query" ? url.searchParams.get("tz") : null,
      window: { from: window.from.toString(), to: window.to.toString() },
      first: first.toString(),
      previous: Temporal.PlainDate.compare(first, today) > 0 ? first.subtract({ days: DAYS_SHOWN }).toString() : null,
      next: first.add({ days: DAYS_SHOWN }).toString(),
      dates,
      days: groupByDay(dates, availability.slots),
      buffers: { bufferBeforeMinutes: availability.bufferBeforeMinutes, bufferAfterMinutes: availability.bufferAfterMinutes },
      // Offered first in the zone picker; the browser adds every other zone it knows (not shipped here).
      suggestedZones: [...new Set([zone, service.provider.timeZone, "UTC"])],
    },
    { headers },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const db = context.database.db;
  const service = await serviceOr404(context, params.serviceId);

  const limit = await countAttempt(context.cloudflare.env, request, HOLD_ATTEMPTS);
  if (!limit.allowed) {
    return data(
      { error: `Too many attempts from your network. Please wait ${describeWait(limit.retryAfterSeconds)} and try again.`, field: null },
      { status: 429, headers: retryAfterHeaders(limit) },
    );
  }
  let start: Temporal.Instant;
  try {
    start = Temporal.Instant.from(String(formData.get("start") ?? ""));
  } catch {
    return data({ error: "start: choose one of the offered times.", field: "start" }, { status: 400 });
  }
  const zone = customerZone(request, service.provider.timeZone);
  const holder = holderToken(request);
  try {
    const hold = await holdSlot(await budgetFor(context.cloudflare.env, request), { providerId: service.provider.id, serviceId: service.id, start, holder: holder.token });
    context.metrics.add("funnel.hold", { labels: { providerId: service.provider.id } });
    const next = new URLSearchParams({ hold: hold.id, start: hold.start, expires: hold.expiresAt, tz: zone });
    return redirect(`/book/${service.id}/details?${next}`, { headers: holder.setCookie ? { "Set-Cookie": holder.setCookie } : undefined });
  } catch (error) {
    if (isDomainError(error, "SLOT_UNAVAILABLE")) {
      const deps = bookingDeps(context);
      const { provider, service: row } = await loadBookableService(db, service.provider.id, service.id);
      const alternatives = await alternativesFor(db, deps.port!, { provider, timing: timingOf(row), wanted: start, customerZone: zone, now: Temporal.Now.instant() });
      return data(
        { error: "Someone else is booking that time right now, or it was just taken. These are the nearest free times:", field: "start", alternatives, refused: start.toString() },
        { status: 409 },
      );
    }
    if (isDomainError(error, "HOLD_LIMIT_REACHED")) {
      const retryAfterSeconds = error.details.retryAfterSeconds;
      return data({ error: error.message, field: null }, { status: 429, headers: typeof retryAfterSeconds === "number" ? retryAfterHeaders({ retryAfterSeconds }) : undefined });
    }
    if (isDomainError(error, "UNAVAILABLE")) {
      return data({ error: error.message, field: null }, { status: 503, headers: { "Retry-After": String(error.details.retryAfterSeconds ?? 2) } });
    }
    if (isDomainError(error, "NOT_FOUND") || isDomainError(error, "VALIDATION")) {
      return data({ error: error.message, field: "start" }, { status: 400 });
    }
    throw error;
  }
}

/**
 * Live events change the page in place (see useLiveSlots), so nothing here needs the loader again
 * after a refused hold: that would count another view and redraw what the feed already keeps current.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod && formMethod.toUpperCase() !== "GET" ? false : defaultShouldRevalidate;

export default function PickSlot() {
  const { service, zone, zoneKnown, rejectedZone, window: feedWindow, dates, days: loadedDays, buffers, previous, next, suggestedZones } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [days, setDays] = useState<DayOfSlots<ShownSlot>[]>(loadedDays);
  useEffect(() => setDays(loadedDays), [loadedDays]);
  const refused = result && "refused" in result && typeof result.refused === "string" ? result.refused : null;
  useEffect(() => {
    if (refused) setDays((shown) => withoutStart(shown, refused));
  }, [refused, result]);
  const status = useLiveSlots({ providerId: service.provider.id, serviceId: service.id, from: feedWindow.from, to: feedWindow.to, timeZone: zone, dates, buffers, setDays });
  const zones = useKnownZones(suggestedZones);

  // A first page opened before the browser's zone was known (the root's script remembers it for every
  // later page): swap in the browser's zone with one data request, not a second page load. Without
  // JavaScript the page stays in the provider's zone, with the picker.
  const navigate = useNavigate();
  useEffect(() => {
    if (zoneKnown) return;
    const detected = canonicalZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone ?? "");
    if (detected && detected !== zone) {
      const url = new URL(window.location.href);
      url.searchParams.set("tz", detected);
      navigate(`${url.pathname}${url.search}`, { replace: true, preventScrollReset: true });
    }
  }, [zoneKnown, zone, navigate]);

  const total = days.reduce((n, d) => n + d.slots.length, 0);
  const alternatives: SlotJson[] = result && "alternatives" in result ? (result.alternatives as SlotJson[]) : [];
  return (
    <article className="booking">
      <BookingSteps current={1} />
      <header className="panel">
        <h1>{service.name}</h1>
        <p className="muted">
          with <Link to={`/providers/${service.provider.slug}`}>{service.provider.displayName}</Link> · {service.durationMinutes} min · {service.price}
          {service.requiresApproval ? " · the provider confirms each booking" : ""}
        </p>
        <Form method="get" className="search zone-picker">
          <label>
            <span>Show times in</span>
            {/* Keyed by the zone: a swap to the browser's zone (a client navigation) must show in the field too. */}
            <input
              key={zone}
              name="tz"
              defaultValue={zone}
              list="known-zones"
              autoComplete="off"
              spellCheck={false}
              // Choosing a zone from the list applies it; typing goes on until the text names one.
              onChange={(event) => {
                const chosen = event.currentTarget.value;
                if (chosen !== zone && zones.some((z) => z.name === chosen)) event.currentTarget.form?.requestSubmit();
              }}
            />
            <datalist id="known-zones">
              {zones.map((z) => (
                <option key={z.name} value={z.name} label={z.label} />
              ))}
            </datalist>
          </label>
          <button type="submit" className="secondary">
            Change time zone
          </button>
        </Form>
        {rejectedZone ? (
          <p className="error" role="alert">
            tz: “{rejectedZone}” is not a time zone this page knows; showing {zone.replace(/_/g, " ")}.
          </p>
        ) : null}
        <p className="muted">The provider works in {service.provider.timeZone.replace(/_/g, " ")}.</p>
        <LiveBadge status={status} />
      </header>

      {result?.error ? (
        <div className="panel" role="alert" id="hold-error">
          <p className="error">{result.error}</p>
          {alternatives.length > 0 ? (
            <ul className="slots alternatives" aria-label="Nearest free times">
              {alternatives.map((slot) => (
                <li key={slot.start}>
                  <Form method="post">
                    <AuthenticityTokenInput />
                    <input type="hidden" name="start" value={slot.start} />
                    <button type="submit" className="slot" data-testid="alternative" data-start={slot.start}>
                      {formatDay(slot.start, zone)}, {formatTime(slot.start, zone)}
                    </button>
                  </Form>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <nav className="week-nav" aria-label="Weeks">
        {previous ? <Link to={`?date=${previous}&tz=${encodeURIComponent(zone)}`}>← Earlier</Link> : <span />}
        <Link to={`?date=${next}&tz=${encodeURIComponent(zone)}`}>Later →</Link>
      </nav>

      {total === 0 ? <p className="panel">No free times this week. Try later dates.</p> : null}
      <div className="days">
        {days.map((day) => (
          <section key={day.date} className="day" aria-labelledby={`day-${day.date}`}>
            <h2 id={`day-${day.date}`}>{formatDay(`${day.date}T12:00:00Z`, "UTC")}</h2>
            {day.slots.length === 0 ? (
              <p className="muted">No free times</p>
            ) : (
              <ul className="slots">
                {day.slots.map((slot) => (
                  <li key={slot.start}>
                    <Form method="post">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="start" value={slot.start} />
                      <button
                        type="submit"
                        className="slot"
                        data-testid="slot"
                        data-start={slot.start}
                        disabled={navigation.state !== "idle"}
                        aria-label={`${formatTime(slot.start, zone)} ${zoneLabel(slot.start, zone)}, ${formatDay(slot.start, zone)}`}
                      >
                        {formatTime(slot.start, zone)}
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
    </article>
  );
}

type ZoneChoice = { name: string; label?: string };

/** "UTC+05:30 · 14:05" for a zone now: what people recognise a zone by when its name is unfamiliar. */
function describeZoneNow(zone: string, now: Date): string | undefined {
  try {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "longOffset", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
    const offset = parts.find((p) => p.type === "timeZoneName")?.value.replace(/^GMT$/, "GMT+00:00").replace("GMT", "UTC");
    const time = `${parts.find((p) => p.type === "hour")?.value}:${parts.find((p) => p.type === "minute")?.value}`;
    return offset ? `${offset} · ${time}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The zones the picker offers: the suggested ones first, then every zone the browser knows under its
 * current name (UTC included), each labelled with its offset and local time. Built after hydration
 * (so server and browser render the same), and so the ~400 names are not in the page's data.
 */
function useKnownZones(suggested: string[]): ZoneChoice[] {
  const [zones, setZones] = useState<ZoneChoice[]>(() => suggested.map((name) => ({ name })));
  useEffect(() => {
    const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone").map(canonicalZoneName) : [];
    const now = new Date();
    const names = [...new Set([...suggested, "UTC", ...[...new Set(all)].sort()])];
    setZones(names.map((name) => ({ name, label: describeZoneNow(name, now) })));
  }, [suggested]);
  return zones;
}
