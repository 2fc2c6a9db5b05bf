// Admin booking search: by confirmation code, customer email, provider, status and appointment date
// range, paginated. A plain GET form, so searches work without JavaScript and can be bookmarked/shared.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import type { InputHTMLAttributes } from "react";
import { z } from "zod";
import { BOOKING_STATUSES, isBookingStatus, searchBookings } from "../../db/queries/admin";
import { humanStatus, money, utc, zoned } from "../components/admin/format";
import { ScrollTable } from "../components/admin/scroll-table";
import { StatusBadge } from "../components/admin/status-badge";
import adminStylesHref from "../styles/admin.css?url";
import { requireRole } from "../utils/auth.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction = () => [{ title: "Bookings · Admin · Edge Booking" }];

const PAGE_SIZE = 25;
const DAY_MS = 86_400_000;

// Each field is checked on its own: one bad value is reported and ignored, the other filters still apply.
const FIELDS = {
  code: z.string().trim().max(64),
  email: z.string().trim().max(254),
  provider: z.string().trim().max(120),
  status: z.string().refine(isBookingStatus, "Unknown status"),
  from: z.iso.date("Use a date such as 2026-03-10"),
  to: z.iso.date("Use a date such as 2026-03-10"),
  page: z.coerce.number().int().min(1).max(10_000),
} as const;
type FieldName = keyof typeof FIELDS;

function readFilters(url: URL) {
  const values: Partial<Record<FieldName, string>> = {};
  const errors: Partial<Record<FieldName, string>> = {};
  const parsed: { code?: string; email?: string; provider?: string; status?: (typeof BOOKING_STATUSES)[number]; from?: string; to?: string; page: number } = { page: 1 };
  for (const name of Object.keys(FIELDS) as FieldName[]) {
    const raw = url.searchParams.get(name)?.trim() ?? "";
    if (raw === "") continue;
    values[name] = raw;
    const result = FIELDS[name].safeParse(raw);
    if (!result.success) {
      errors[name] = result.error.issues[0]?.message ?? "Invalid value";
      continue;
    }
    (parsed as Record<string, unknown>)[name] = result.data;
  }
  if (parsed.from && parsed.to && parsed.from > parsed.to) {
    errors.to = "The end date is before the start date";
    delete parsed.to;
  }
  return { values, errors, parsed };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const url = new URL(request.url);
  const { values, errors, parsed } = readFilters(url);
  const result = await searchBookings(context.database.db, {
    code: parsed.code || undefined,
    email: parsed.email || undefined,
    provider: parsed.provider || undefined,
    status: parsed.status,
    // Dates are UTC days, inclusive at both ends.
    startsFrom: parsed.from ? new Date(`${parsed.from}T00:00:00Z`) : undefined,
    startsBefore: parsed.to ? new Date(Date.parse(`${parsed.to}T00:00:00Z`) + DAY_MS) : undefined,
    page: parsed.page,
    pageSize: PAGE_SIZE,
  });
  const pageCount = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const pageHref = (page: number) => {
    const params = new URLSearchParams(url.searchParams);
    if (page <= 1) params.delete("page");
    else params.set("page", String(page));
    const query = params.toString();
    return query ? `?${query}` : "?";
  };
  return {
    values,
    errors,
    total: result.total,
    page: result.page,
    pageCount,
    first: result.total === 0 ? 0 : (result.page - 1) * PAGE_SIZE + 1,
    last: (result.page - 1) * PAGE_SIZE + result.rows.length,
    prevHref: result.page > 1 ? pageHref(Math.min(result.page - 1, pageCount)) : null,
    nextHref: result.page < pageCount ? pageHref(result.page + 1) : null,
    statuses: BOOKING_STATUSES.map((s) => ({ value: s, label: humanStatus(s) })),
    rows: result.rows.map((row) => ({
      id: row.id,
      code: row.confirmationCode,
      status: row.status,
      when: zoned(row.startsAt, row.providerTimeZone),
      whenUtc: utc(row.startsAt),
      customer: row.customerName,
      email: row.customerEmail,
      provider: row.providerName,
      service: row.serviceName,
      total: money(row.totalAmount, row.currency),
      created: utc(row.createdAt),
    })),
  };
}

function FilterField({ name, label, type = "text", value, error, ...rest }: { name: string; label: string; type?: string; value?: string; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = `filter-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
        <input id={id} name={name} type={type} defaultValue={value ?? ""} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...rest} />
      </label>
      {error ? (
        <p id={`${id}-error`} className="error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export default function AdminBookings() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const searching = navigation.state === "loading" && navigation.location?.pathname === "/admin/bookings";
  const filtered = Object.keys(data.values).some((k) => k !== "page");
  return (
    <section aria-labelledby="bookings-heading" className="admin-page">
      <h1 id="bookings-heading">Bookings</h1>
      <Form method="get" className="admin-filters" role="search" aria-label="Search bookings">
        <FilterField name="code" label="Confirmation code" value={data.values.code} error={data.errors.code} autoCapitalize="characters" spellCheck={false} />
        <FilterField name="email" label="Customer email" value={data.values.email} error={data.errors.email} spellCheck={false} />
        <FilterField name="provider" label="Provider" value={data.values.provider} error={data.errors.provider} />
        <div className="field">
          <label htmlFor="filter-status">
            <span>Status</span>
            <select id="filter-status" name="status" defaultValue={data.values.status ?? ""} aria-invalid={data.errors.status ? true : undefined}>
              <option value="">Any status</option>
              {data.statuses.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          {data.errors.status ? <p className="error">{data.errors.status}</p> : null}
        </div>
        <FilterField name="from" label="Starts on or after" type="date" value={data.values.from} error={data.errors.from} />
        <FilterField name="to" label="Starts on or before" type="date" value={data.values.to} error={data.errors.to} />
        <div className="filter-actions">
          <button type="submit">Search</button>
          {filtered ? (
            <Link to="/admin/bookings" className="button secondary">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>
      <p className="muted" aria-live="polite" data-testid="result-count">
        {searching
          ? "Searching…"
          : data.total === 0
            ? "No bookings match."
            : `${data.total} booking${data.total === 1 ? "" : "s"} found; showing ${data.first}–${data.last}. Dates are UTC days.`}
      </p>
      {data.rows.length > 0 ? (
        <ScrollTable id="bookings-table" caption={`Bookings, latest appointment first (page ${data.page} of ${data.pageCount})`}>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Status</th>
              <th scope="col">Appointment (provider's zone)</th>
              <th scope="col">Customer</th>
              <th scope="col">Provider · service</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Booked</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <tr key={row.id} data-testid="booking-row">
                <th scope="row" className="nowrap">
                  <Link to={`/admin/bookings/${encodeURIComponent(row.code)}`}>{row.code}</Link>
                </th>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>
                  {row.when}
                  <br />
                  <span className="muted small">{row.whenUtc}</span>
                </td>
                <td>
                  {row.customer}
                  <br />
                  <span className="muted small">{row.email}</span>
                </td>
                <td>
                  {row.provider}
                  <br />
                  <span className="muted small">{row.service}</span>
                </td>
                <td className="num">{row.total}</td>
                <td>{row.created}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}
      {data.pageCount > 1 ? (
        <nav aria-label="Pages" className="pagination">
          {data.prevHref ? (
            <Link to={data.prevHref} rel="prev">
              ← Previous
            </Link>
          ) : (
            <span aria-disabled="true" className="muted">
              ← Previous
            </span>
          )}
          <span>
            Page {data.page} of {data.pageCount}
          </span>
          {data.nextHref ? (
            <Link to={data.nextHref} rel="next">
              Next →
            </Link>
          ) : (
            <span aria-disabled="true" className="muted">
              Next →
            </span>
          )}
        </nav>
      ) : null}
    </section>
  );
}
