// Metrics dashboard: booking funnel with conversion, latency percentiles, errors by kind, revenue and
// platform fees over time, and per-provider stats from the provider_booking_stats materialized view.
// The server renders every number as an accessible table, so the page is complete without JavaScript;
// after hydration MetricChart draws the same numbers with chart.js (loaded on this page only).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { providerStats } from "../../db/queries/admin";
import { errorsByDay, funnel, lastDays, latencyPercentiles, periodDays, revenueByDay } from "../../workers/metrics/aggregate";
import { FUNNEL_STEPS, LATENCY_METRICS } from "../../workers/metrics/record";
import { majorUnits, milliseconds, money, percent, utc } from "../components/admin/format";
import type { ChartSpec } from "../components/admin/chart-spec";
import { DataTable } from "../components/admin/data-table";
import { MetricChart } from "../components/admin/metric-chart";
import { TabLinks } from "../components/admin/tab-links";
import adminStylesHref from "../styles/admin.css?url";
import { requireRole } from "../utils/auth.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction = () => [{ title: "Metrics · Admin · Edge Booking" }];

const PERIODS = [7, 30, 90] as const;

const STEP_LABELS: Record<(typeof FUNNEL_STEPS)[number], string> = {
  "funnel.search": "Searched",
  "funnel.slot_view": "Viewed slots",
  "funnel.hold": "Held a slot",
  "funnel.payment_started": "Started payment",
  "funnel.confirmed": "Confirmed",
};

const LATENCY_LABELS: Record<string, string> = {
  "latency.availability_ms": "Availability",
  "latency.booking_create_ms": "Booking creation",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const requested = Number(new URL(request.url).searchParams.get("days"));
  const days = (PERIODS as readonly number[]).includes(requested) ? requested : 30;
  const period = lastDays(days);
  const db = context.database.db;
  const [funnelRows, latency, errors, revenue, stats] = await Promise.all([
    funnel(db, period),
    latencyPercentiles(db, period, LATENCY_METRICS),
    errorsByDay(db, period),
    revenueByDay(db, period),
    providerStats(db),
  ]);
  const dayList = periodDays(period);

  const kinds = [...new Set(errors.map((e) => e.kind))].sort();
  const errorTotal = errors.reduce((sum, e) => sum + e.count, 0);
  const errorDays = [...new Set(errors.map((e) => e.day))];
  const errorCount = (day: string, kind: string) => errors.find((e) => e.day === day && e.kind === kind)?.count ?? 0;
  const kindTotal = (kind: string) => errors.filter((e) => e.kind === kind).reduce((sum, e) => sum + e.count, 0);

  const currencies = [...new Set(revenue.rows.map((r) => r.currency))].sort();
  const revenueTotals = currencies.map((currency) => {
    const rows = revenue.rows.filter((r) => r.currency === currency);
    const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
    return { currency, captured: money(sum((r) => r.captured), currency), refunded: money(sum((r) => r.refunded), currency), fee: money(sum((r) => r.platformFee), currency) };
  });

  const charts: Record<"funnel" | "latency" | "errors" | "revenue", ChartSpec> = {
    funnel: {
      type: "bar",
      horizontal: true,
      labels: funnelRows.map((r) => STEP_LABELS[r.step]),
      datasets: [{ label: "Visitors or bookings", data: funnelRows.map((r) => r.count) }],
    },
    latency: {
      type: "bar",
      labels: latency.map((l) => LATENCY_LABELS[l.name] ?? l.name),
      datasets: (["p50", "p95", "p99"] as const).map((p) => ({ label: p, data: latency.map((l) => (l[p] === null ? null : Math.round(l[p]! * 10) / 10)) })),
      valueTitle: "milliseconds",
    },
    errors: {
      type: "bar",
      stacked: true,
      labels: dayList,
      datasets: kinds.map((kind) => ({ label: kind, data: dayList.map((day) => errorCount(day, kind)), stack: "errors" })),
      valueTitle: "errors per day",
    },
    revenue: {
      type: "line",
      labels: dayList,
      datasets: currencies.flatMap((currency) => {
        const on = (day: string) => revenue.rows.find((r) => r.day === day && r.currency === currency);
        const code = currency.toUpperCase();
        return [
          { label: `Captured (${code})`, data: dayList.map((day) => majorUnits(on(day)?.captured ?? 0, currency)) },
          { label: `Platform fees (${code})`, data: dayList.map((day) => majorUnits(on(day)?.platformFee ?? 0, currency)) },
        ];
      }),
      valueTitle: currencies.length === 1 ? currencies[0]!.toUpperCase() : "amount (major units)",
    },
  };

  return {
    days,
    periods: PERIODS.map((d) => ({ to: `?days=${d}`, label: `Last ${d} days`, current: d === days })),
    range: `${dayList[0]} – ${dayList[dayList.length - 1]} (UTC)`,
    charts,
    funnel: funnelRows.map((r) => ({
      step: STEP_LABELS[r.step],
      count: r.count,
      entersDirectly: r.entersDirectly,
      fromPrevious: r.entersDirectly ? "— (more than the step before)" : percent(r.conversionFromPrevious),
      fromStart: r.conversionFromStart === null && r.count > 0 && (funnelRows[0]?.count ?? 0) > 0 ? "— (more than searched)" : percent(r.conversionFromStart),
    })),
    overallConversion: percent(funnelRows[funnelRows.length - 1]?.conversionFromStart ?? null),
    latency: latency.map((l) => ({
      name: LATENCY_LABELS[l.name] ?? l.name,
      count: l.count,
      p50: milliseconds(l.p50),
      p95: milliseconds(l.p95),
      p99: milliseconds(l.p99),
      max: milliseconds(l.max),
    })),
    errors: {
      kinds,
      total: errorTotal,
      days: errorDays.map((day) => ({ day, counts: kinds.map((kind) => errorCount(day, kind)), total: errors.filter((e) => e.day === day).reduce((s, e) => s + e.count, 0) })),
      totals: kinds.map((kind) => ({ kind, count: kindTotal(kind), share: percent(errorTotal ? kindTotal(kind) / errorTotal : null) })),
    },
    revenue: {
      source: revenue.source,
      rows: revenue.rows.map((r) => ({
        key: `${r.day}-${r.currency}`,
        day: r.day,
        currency: r.currency.toUpperCase(),
        captured: money(r.captured, r.currency),
        refunded: money(r.refunded, r.currency),
        fee: money(r.platformFee, r.currency),
      })),
      totals: revenueTotals.map((t) => ({ ...t, currency: t.currency.toUpperCase() })),
    },
    providers: {
      refreshedAt: stats[0] ? utc(stats[0].refreshedAt) : null,
      rows: stats.map((s) => ({
        id: s.providerId,
        name: s.providerName,
        completed: s.completedBookings,
        upcoming: s.upcomingBookings,
        cancelled: s.cancelledBookings,
        noShow: s.noShowBookings,
        gross: s.currency ? money(s.grossAmount, s.currency) : String(s.grossAmount),
        fees: s.currency ? money(s.platformFeeAmount, s.currency) : String(s.platformFeeAmount),
        recent: s.recentBookings,
        last: s.lastBookingAt ? utc(s.lastBookingAt) : "—",
      })),
    },
  };
}

export default function AdminMetrics() {
  const data = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="metrics-heading" className="admin-page">
      <h1 id="metrics-heading">Metrics</h1>
      <TabLinks label="Period" tabs={data.periods} />
      <p className="muted">{data.range}. Charts need JavaScript; every chart's numbers are in the table below it.</p>

      <section aria-labelledby="funnel-heading" className="metric-section">
        <h2 id="funnel-heading">Booking funnel</h2>
        <p>
          Overall conversion from search to confirmed booking: <strong data-testid="overall-conversion">{data.overallConversion}</strong>
        </p>
        {data.funnel.some((r) => r.entersDirectly) ? (
          <p className="muted" data-testid="funnel-direct-note">
            A step that counts more than the one before is not a conversion above 100 %: people also arrive there directly (a link to a
            service, the JSON API), so that step shows no percentage.
          </p>
        ) : null}
        <MetricChart spec={data.charts.funnel} label="Bar chart of the booking funnel; the numbers are in the table that follows." tableId="funnel-table" />
        <DataTable
          id="funnel-table"
          caption="Funnel steps with conversion from the step before and from the first step"
          rows={data.funnel}
          rowKey={(r) => r.step}
          rowTestId="funnel-row"
          columns={[
            { header: "Step", cell: "step", rowHeader: true },
            { header: "Count", cell: "count", numeric: true },
            { header: "From previous step", cell: "fromPrevious", numeric: true },
            { header: "From search", cell: "fromStart", numeric: true },
          ]}
        />
      </section>

      <section aria-labelledby="latency-heading" className="metric-section">
        <h2 id="latency-heading">Latency</h2>
        <MetricChart spec={data.charts.latency} label="Grouped bar chart of latency percentiles; the numbers are in the table that follows." tableId="latency-table" />
        <DataTable
          id="latency-table"
          caption="Latency percentiles (continuous, interpolated) over the period"
          rows={data.latency}
          rowKey={(l) => l.name}
          rowTestId="latency-row"
          columns={[
            { header: "Operation", cell: "name", rowHeader: true },
            { header: "Samples", cell: "count", numeric: true },
            { header: "p50", cell: "p50", numeric: true },
            { header: "p95", cell: "p95", numeric: true },
            { header: "p99", cell: "p99", numeric: true },
            { header: "Max", cell: "max", numeric: true },
          ]}
        />
      </section>

      <section aria-labelledby="errors-heading" className="metric-section">
        <h2 id="errors-heading">Errors by kind</h2>
        {data.errors.total === 0 ? (
          <p>No errors recorded in this period.</p>
        ) : (
          <>
            <MetricChart spec={data.charts.errors} label="Stacked bar chart of errors per day by kind; the numbers are in the tables that follow." tableId="errors-table" />
            <DataTable
              id="error-kinds-table"
              caption={`Errors by kind over the period (${data.errors.total} in all)`}
              rows={data.errors.totals}
              rowKey={(t) => t.kind}
              rowTestId="error-kind-row"
              columns={[
                { header: "Kind", cell: "kind", rowHeader: true },
                { header: "Errors", cell: "count", numeric: true },
                { header: "Share", cell: "share", numeric: true },
              ]}
            />
            <DataTable
              id="errors-table"
              caption="Errors per UTC day and kind (days without errors left out)"
              rows={data.errors.days}
              rowKey={(d) => d.day}
              columns={[
                { header: "Day", cell: "day", rowHeader: true },
                // One column per error kind seen in the period.
                ...data.errors.kinds.map((kind, i) => ({ header: kind, cell: (d: (typeof data.errors.days)[number]) => d.counts[i], numeric: true })),
                { header: "Total", cell: "total", numeric: true },
              ]}
            />
          </>
        )}
      </section>

      <section aria-labelledby="revenue-heading" className="metric-section">
        <h2 id="revenue-heading">Revenue and platform fees</h2>
        <p className="muted">
          Source: {data.revenue.source === "ledger" ? "the ledger (captures, refunds, fees net of fee refunds)" : "recorded revenue metrics (the ledger has no entries in this period)"}.
        </p>
        {data.revenue.rows.length === 0 ? (
          <p>No revenue in this period.</p>
        ) : (
          <>
            <MetricChart spec={data.charts.revenue} label="Line chart of captured revenue and platform fees per day; the numbers are in the table that follows." tableId="revenue-table" />
            <DataTable
              id="revenue-table"
              caption="Per UTC day and currency"
              rows={data.revenue.rows}
              rowKey={(r) => r.key}
              rowTestId="revenue-row"
              columns={[
                { header: "Day", cell: "day", rowHeader: true },
                { header: "Currency", cell: "currency" },
                { header: "Captured", cell: "captured", numeric: true },
                { header: "Refunded", cell: "refunded", numeric: true },
                { header: "Platform fees", cell: "fee", numeric: true },
              ]}
              foot={data.revenue.totals.map((t) => (
                <tr key={t.currency}>
                  <th scope="row" colSpan={2}>
                    Total {t.currency}
                  </th>
                  <td className="num">{t.captured}</td>
                  <td className="num">{t.refunded}</td>
                  <td className="num">{t.fee}</td>
                </tr>
              ))}
            />
          </>
        )}
      </section>

      <section aria-labelledby="providers-heading" className="metric-section">
        <h2 id="providers-heading">Providers</h2>
        <p className="muted" data-testid="stats-refreshed">
          {data.providers.refreshedAt ? `Statistics refreshed ${data.providers.refreshedAt} by the housekeeping job.` : "No provider statistics yet."}
        </p>
        <DataTable
          id="providers-table"
          caption="Bookings and money per provider, highest gross first (gross and fees count confirmed, in-progress and completed bookings; recent = booked in the last 30 days)"
          rows={data.providers.rows}
          rowKey={(p) => p.id}
          rowTestId="provider-stats-row"
          columns={[
            { header: "Provider", cell: "name", rowHeader: true },
            { header: "Completed", cell: "completed", numeric: true },
            { header: "Upcoming", cell: "upcoming", numeric: true },
            { header: "Cancelled", cell: "cancelled", numeric: true },
            { header: "No-shows", cell: "noShow", numeric: true },
            { header: "Gross", cell: "gross", numeric: true },
            { header: "Fees", cell: "fees", numeric: true },
            { header: "Recent", cell: "recent", numeric: true },
            { header: "Last booked (UTC)", cell: "last" },
          ]}
        />
      </section>
    </section>
  );
}
