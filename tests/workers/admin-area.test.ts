// The admin pages through the Worker's real fetch handler inside workerd, against the test Postgres:
// who may open them, what the booking history and the dashboard show, and the payout Retry action
// (a POST with the CSRF token that changes the payout's status).
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import {
  bookingEvents,
  bookingStateTransitions,
  bookings,
  disputes,
  emailOutbox,
  ledgerEntries,
  metricEvents,
  payments,
  payoutSchedules,
  providers,
  reconciliationDiscrepancies,
  services,
  users,
} from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { loadConfig } from "../../workers/env";
import { csrfFrom, fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const CODE = `ADM${suffix.toUpperCase()}`;
const OTHER_CODE = `ADX${suffix.toUpperCase()}`;

type Role = "customer" | "provider" | "admin";
type Who = "guest" | Role;

const people: Record<Role, { email: string; name: string; id: string }> = {
  customer: { email: `admin-area-customer-${suffix}@example.test`, name: `Casey ${suffix}`, id: "" },
  provider: { email: `admin-area-provider-${suffix}@example.test`, name: `Pat ${suffix}`, id: "" },
  admin: { email: `admin-area-admin-${suffix}@example.test`, name: `Ada ${suffix}`, id: "" },
};
const cookies: Partial<Record<Role, string>> = {};
const ids = { provider: "", booking: "", failedPayout: "", discrepancy: "" };
const providerName = `Admin Area Studio ${suffix}`;

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    for (const role of Object.keys(people) as Role[]) {
      const [row] = await db.insert(users).values({ email: people[role].email, name: people[role].name, role }).returning();
      people[role].id = row!.id;
    }
    const [provider] = await db
      .insert(providers)
      .values({ userId: people.provider.id, slug: `admin-area-${suffix}`, displayName: providerName, timeZone: "Asia/Kathmandu" })
      .returning();
    ids.provider = provider!.id;
    const [service] = await db
      .insert(services)
      .values({ providerId: provider!.id, name: `Admin area service ${suffix}`, category: "Testing", durationMinutes: 60, priceAmount: 5000, currency: "usd", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    const insertBooking = async (code: string, daysAhead: number, status: "confirmed" | "cancelled") => {
      const startsAt = new Date(Date.now() + daysAhead * 24 * 3600_000);
      const [row] = await db
        .insert(bookings)
        .values(
          pageTestBookingRow({ providerId: provider!.id, serviceId: service!.id, timeZone: "Asia/Kathmandu" }, startsAt, 60, {
            confirmationCode: code,
            idempotencyKey: `admin-area-${code}`,
            customerId: people.customer.id,
            status,
            customerName: people.customer.name,
            customerEmail: people.customer.email,
          }),
        )
        .returning();
      return row!;
    };
    const booking = await insertBooking(CODE, 3, "confirmed");
    await insertBooking(OTHER_CODE, 40, "cancelled");
    ids.booking = booking.id;
    await db.insert(bookingStateTransitions).values([
      { bookingId: booking.id, fromStatus: null, toStatus: "pending", actorType: "customer", actorId: people.customer.id, reason: `Booked online ${suffix}` },
      { bookingId: booking.id, fromStatus: "pending", toStatus: "confirmed", actorType: "system", actorId: null, reason: `Payment succeeded ${suffix}` },
    ]);
    await db.insert(bookingEvents).values({ bookingId: booking.id, type: "booking.created", data: { via: `test-${suffix}` } });
    await db.insert(payments).values({
      bookingId: booking.id,
      stripePaymentIntentId: `pi_admin_${suffix}`,
      captureMethod: "automatic",
      status: "succeeded",
      currency: "usd",
      amount: 5000,
      amountCaptured: 5000,
    });
    const tx = crypto.randomUUID();
    await db.insert(ledgerEntries).values([
      { transactionId: tx, kind: "capture", account: "platform:stripe_balance", bookingId: booking.id, providerId: provider!.id, currency: "usd", amount: 5000, idempotencyKey: `capture:pi_admin_${suffix}` },
      { transactionId: tx, kind: "capture", account: `provider:${provider!.id}:escrow`, bookingId: booking.id, providerId: provider!.id, currency: "usd", amount: -5000, idempotencyKey: `capture:pi_admin_${suffix}` },
    ]);
    await db.insert(emailOutbox).values({
      kind: "booking_confirmed",
      bookingId: booking.id,
      toAddress: people.customer.email,
      subject: `Your booking ${CODE} is confirmed`,
      textBody: "See you soon",
      dedupeKey: `admin-area-${suffix}`,
      status: "sent",
      sentAt: new Date(),
    });
    const [failed] = await db
      .insert(payoutSchedules)
      .values({
        bookingId: booking.id,
        providerId: provider!.id,
        currency: "usd",
        grossAmount: 4500,
        status: "failed",
        payableAt: new Date(Date.now() - 24 * 3600_000),
        attempts: 5,
        lastError: `transfer refused ${suffix}`,
      })
      .returning();
    ids.failedPayout = failed!.id;
    const [discrepancy] = await db
      .insert(reconciliationDiscrepancies)
      .values({ runId: crypto.randomUUID(), kind: "ledger_capture_mismatch", bookingId: booking.id, providerId: provider!.id, details: { marker: `disc-${suffix}` } })
      .returning();
    ids.discrepancy = discrepancy!.id;
    await db.insert(metricEvents).values([{ name: "funnel.search" }, { name: "funnel.slot_view" }, { name: "latency.availability_ms", value: 42 }]);
    // What the housekeeping cron does every run, so the provider table has this provider's row.
    await db.execute(sql`refresh materialized view provider_booking_stats`);
  });
  for (const role of Object.keys(people) as Role[]) {
    cookies[role] = await signedInCookie({ userId: people[role].id, role, name: people[role].name }, config);
  }
});

function postForm(path: string, fields: Record<string, string>, cookie: string) {
  return fetchWorker(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: "http://example.test" },
    body: new URLSearchParams(fields).toString(),
  });
}

async function payoutStatus(): Promise<{ status: string; attempts: number }> {
  return withDatabase(config, async (db) => {
    const [row] = await db.select({ status: payoutSchedules.status, attempts: payoutSchedules.attempts }).from(payoutSchedules).where(eq(payoutSchedules.id, ids.failedPayout));
    return row!;
  });
}

describe("who may open the admin pages", () => {
  const PAGES = [
    { path: "/admin/bookings", shows: "Search bookings" },
    { path: () => `/admin/bookings/${CODE}`, shows: "State history" },
    { path: "/admin/payouts", shows: "Reconciliation discrepancies" },
    { path: "/admin/metrics", shows: "Booking funnel" },
  ];
  const WHO: Who[] = ["guest", "customer", "provider", "admin"];
  for (const page of PAGES) {
    for (const who of WHO) {
      const expected = who === "guest" ? 302 : who === "admin" ? 200 : 403;
      const label = typeof page.path === "string" ? page.path : "/admin/bookings/:code";
      it(`${label} as ${who} → ${expected}`, async () => {
        const path = typeof page.path === "string" ? page.path : page.path();
        const response = await fetchWorker(path, { headers: who === "guest" ? {} : { cookie: cookies[who]! } });
        expect(response.status).toBe(expected);
        const body = await response.text();
        if (expected === 302) expect(response.headers.get("location")).toBe(`/sign-in?redirectTo=${encodeURIComponent(path)}`);
        if (expected === 200) expect(body).toContain(page.shows);
        if (expected === 403) {
          expect(body).toContain("You do not have access to this page.");
          expect(body).not.toContain(page.shows);
          expect(body).not.toContain(CODE);
        }
      });
    }
  }

  it("each page's loader refuses on its own when its data is requested alone (single fetch)", async () => {
    for (const [path, routeId] of [
      ["/admin/bookings.data", "routes/admin.bookings._index"],
      [`/admin/bookings/${CODE}.data`, "routes/admin.bookings.$code"],
      ["/admin/payouts.data", "routes/admin.payouts"],
      ["/admin/metrics.data", "routes/admin.metrics"],
    ] as const) {
      const response = await fetchWorker(`${path}?_routes=${encodeURIComponent(routeId)}`, { headers: { cookie: cookies.customer! } });
      const body = await response.text();
      expect(body, path).toContain("You do not have access to this page.");
      expect(body, path).not.toContain(people.customer.email);
      expect(body, path).not.toContain(`transfer refused ${suffix}`);
    }
  });

  it("the overview lists what needs attention, each with where to act on it", async () => {
    const [payment] = await withDatabase(config, (db) => db.select().from(payments).where(eq(payments.bookingId, ids.booking)));
    const disputeId = `dp_admin_${suffix}`;
    await withDatabase(config, (db) =>
      db.insert(disputes).values({ id: disputeId, bookingId: ids.booking, paymentId: payment!.id, amount: 5000, currency: "usd", reason: "fraudulent", status: "needs_response" }),
    );
    try {
      const html = await (await fetchWorker("/admin", { headers: { cookie: cookies.admin! } })).text();
      expect(html).toContain('data-testid="attention"');
      expect(html).toMatch(/data-testid="attention-open-disputes">\d+ disputes? (is|are) open/);
      expect(html).toContain(`href="/admin/bookings/${CODE}"`);
      expect(html).toMatch(/data-testid="attention-failed-payouts"><a [^>]*href="\/admin\/payouts\?tab=failed"[^>]*>\d+ payouts? failed/);
    } finally {
      await withDatabase(config, (db) => db.delete(disputes).where(eq(disputes.id, disputeId)));
    }
  });

  it("the admin nav links every section", async () => {
    const html = await (await fetchWorker("/admin", { headers: { cookie: cookies.admin! } })).text();
    for (const href of ["/admin/bookings", "/admin/payouts", "/admin/metrics"]) expect(html).toContain(`href="${href}"`);
  });
});

describe("booking search and history", () => {
  const search = async (query: string) => (await fetchWorker(`/admin/bookings?${query}`, { headers: { cookie: cookies.admin! } })).text();

  it("finds bookings by code, email, provider, status and date range", async () => {
    expect(await search(`code=${CODE.toLowerCase()}`)).toContain(`>${CODE}</a>`);
    const byEmail = await search(`email=${encodeURIComponent(people.customer.email)}`);
    expect(byEmail).toContain(CODE);
    expect(byEmail).toContain(OTHER_CODE);
    expect(byEmail).toContain("2 bookings found");
    const cancelled = await search(`provider=${encodeURIComponent(providerName)}&status=cancelled`);
    expect(cancelled).toContain(OTHER_CODE);
    expect(cancelled).not.toContain(`>${CODE}<`);
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const ranged = await search(`email=${encodeURIComponent(people.customer.email)}&from=${soon}&to=${later}`);
    expect(ranged).toContain(CODE);
    expect(ranged).not.toContain(OTHER_CODE);
  });

  it("reports a malformed filter instead of failing, and keeps the other filters", async () => {
    const html = await search(`code=${CODE}&from=yesterday`);
    expect(html).toContain("Use a date such as 2026-03-10");
    expect(html).toContain(CODE);
  });

  it("shows the audit trail, events, payments, ledger, payout and emails of one booking", async () => {
    const response = await fetchWorker(`/admin/bookings/${CODE.toLowerCase()}`, { headers: { cookie: cookies.admin! } });
    expect(response.status).toBe(200);
    const html = await response.text();
    const auditRows = html.match(/data-testid="audit-row"/g) ?? [];
    expect(auditRows).toHaveLength(2);
    expect(html).toContain(`Booked online ${suffix}`);
    expect(html).toContain(`Payment succeeded ${suffix}`);
    expect(html).toMatch(/\(created\) → pending/);
    expect(html).toMatch(/pending → confirmed/);
    // The actor id resolves to the user behind it.
    expect(html).toContain(people.customer.email);
    expect(html).toContain("booking.created");
    expect(html).toContain(`pi_admin_${suffix}`);
    expect(html).toContain("platform:stripe_balance");
    expect(html).toContain("balance (sum to zero)");
    expect(html).toContain(`transfer refused ${suffix}`);
    expect(html).toContain(`Your booking ${CODE} is confirmed`);
    expect(html).toContain("GMT+5:45");
  });

  it("answers 404 for an unknown code", async () => {
    const response = await fetchWorker(`/admin/bookings/NOPE${suffix}`, { headers: { cookie: cookies.admin! } });
    expect(response.status).toBe(404);
  });
});

describe("payouts", () => {
  it("lists the failed payout with a Retry form and the open discrepancy", async () => {
    const html = await (await fetchWorker("/admin/payouts?tab=failed", { headers: { cookie: cookies.admin! } })).text();
    expect(html).toContain(`data-payout-id="${ids.failedPayout}"`);
    expect(html).toContain(`transfer refused ${suffix}`);
    expect(html).toContain(`name="payoutId" value="${ids.failedPayout}"`);
    expect(html).toContain(`disc-${suffix}`);
    expect(html).toContain("Run reconciliation now");
    expect(html).toMatch(/aria-current="page"[^>]*>Failed/);
  });

  it("refuses a retry without the CSRF token, and from a customer", async () => {
    const noToken = await postForm("/admin/payouts", { intent: "retry", payoutId: ids.failedPayout }, cookies.admin!);
    expect(noToken.status).toBe(403);
    const customerPage = await (await fetchWorker("/account", { headers: { cookie: cookies.customer! } })).text();
    const asCustomer = await postForm("/admin/payouts", { csrf: csrfFrom(customerPage), intent: "retry", payoutId: ids.failedPayout }, cookies.customer!);
    expect(asCustomer.status).toBe(403);
    const asGuest = await postForm("/admin/payouts", { intent: "retry", payoutId: ids.failedPayout }, "");
    expect(asGuest.status).toBe(302);
    expect(await payoutStatus()).toEqual({ status: "failed", attempts: 5 });
  });

  it("Retry puts a failed payout back in the queue (POST with CSRF → redirect with a notice)", async () => {
    const page = await (await fetchWorker("/admin/payouts?tab=failed", { headers: { cookie: cookies.admin! } })).text();
    const response = await postForm("/admin/payouts", { csrf: csrfFrom(page), intent: "retry", payoutId: ids.failedPayout, tab: "failed" }, cookies.admin!);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/admin/payouts?tab=failed&notice=retried");
    expect(await payoutStatus()).toEqual({ status: "scheduled", attempts: 0 });
    const after = await (await fetchWorker(response.headers.get("location")!, { headers: { cookie: cookies.admin! } })).text();
    expect(after).toContain("The payout is back in the queue");
    expect(after).not.toContain(`data-payout-id="${ids.failedPayout}"`);
    // It is due now (its payable date has passed).
    const due = await (await fetchWorker("/admin/payouts?tab=due", { headers: { cookie: cookies.admin! } })).text();
    expect(due).toContain(`data-payout-id="${ids.failedPayout}"`);
    // A second retry changes nothing and says so.
    const again = await postForm("/admin/payouts", { csrf: csrfFrom(page), intent: "retry", payoutId: ids.failedPayout, tab: "failed" }, cookies.admin!);
    expect(again.headers.get("location")).toBe("/admin/payouts?tab=failed&notice=retry-refused");
  });

  it("marks a discrepancy resolved", async () => {
    const page = await (await fetchWorker("/admin/payouts", { headers: { cookie: cookies.admin! } })).text();
    const response = await postForm("/admin/payouts", { csrf: csrfFrom(page), intent: "resolve", discrepancyId: ids.discrepancy }, cookies.admin!);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/admin/payouts?tab=due&notice=resolved");
    const resolvedAt = await withDatabase(config, async (db) => {
      const [row] = await db.select({ at: reconciliationDiscrepancies.resolvedAt }).from(reconciliationDiscrepancies).where(eq(reconciliationDiscrepancies.id, ids.discrepancy));
      return row!.at;
    });
    expect(resolvedAt).toBeInstanceOf(Date);
  });

  it("answers 400 to a malformed action", async () => {
    const page = await (await fetchWorker("/admin/payouts", { headers: { cookie: cookies.admin! } })).text();
    const response = await postForm("/admin/payouts", { csrf: csrfFrom(page), intent: "retry", payoutId: "not-a-uuid" }, cookies.admin!);
    expect(response.status).toBe(400);
  });
});

describe("metrics dashboard", () => {
  it("renders the funnel, latency, errors, revenue and provider stats as tables (no JavaScript needed)", async () => {
    const html = await (await fetchWorker("/admin/metrics?days=7", { headers: { cookie: cookies.admin! } })).text();
    expect(html).toMatch(/aria-current="page"[^>]*>Last 7 days/);
    expect((html.match(/data-testid="funnel-row"/g) ?? []).length).toBe(5);
    expect((html.match(/data-testid="latency-row"/g) ?? []).length).toBe(2);
    expect(html).toContain("<caption");
    expect(html).toContain('scope="col"');
    expect(html).toContain("Revenue and platform fees");
    expect(html).toMatch(/Statistics refreshed \d{4}-\d\d-\d\d/);
    // Charts are drawn only in the browser: the server HTML has no canvas.
    expect(html).not.toContain("<canvas");
  });
});
