// Provider payouts (due, upcoming, failed, paid) with a Retry button for failed ones, and the
// reconciliation discrepancies, open ones first, with "run reconciliation now" and "mark resolved".
// Every action is a POST with the CSRF token, re-checks the admin role, and answers with a redirect
// (POST → redirect → GET), so a reload never repeats it; the outcome is shown from `notice`.
import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { discrepanciesForAdmin, PAYOUT_TABS, payoutsForTab, payoutTabCounts, type PayoutTab } from "../../db/queries/admin";
import { resolveDiscrepancy, retryPayout } from "../../db/queries/payments";
import { runRecordedReconciliation } from "../../workers/payments/reconciliation";
import { createStripe, stripeErrorMessage } from "../../workers/payments/stripe-client";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { compactJson, humanStatus, money, utc } from "../components/admin/format";
import { Notice } from "../components/admin/notice";
import { ScrollTable } from "../components/admin/scroll-table";
import { StatusBadge } from "../components/admin/status-badge";
import { TabLinks } from "../components/admin/tab-links";
import adminStylesHref from "../styles/admin.css?url";
import { assertCsrf, CSRF_FIELD } from "../utils/csrf.server";
import { requireRole } from "../utils/auth.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction = () => [{ title: "Payouts · Admin · Edge Booking" }];

const TAB_LABELS: Record<PayoutTab, string> = { due: "Due", upcoming: "In escrow", failed: "Failed", paid: "Paid" };

function tabOf(value: string | null | undefined): PayoutTab {
  return (PAYOUT_TABS as readonly string[]).includes(value ?? "") ? (value as PayoutTab) : "due";
}

const NOTICES: Record<string, { tone: "ok" | "error"; text: (p: URLSearchParams) => string }> = {
  retried: { tone: "ok", text: () => "The payout is back in the queue with a fresh set of attempts; the next payouts run picks it up." },
  "retry-refused": { tone: "error", text: () => "That payout is no longer failed (someone retried it already, or it was paid), so nothing was changed." },
  resolved: { tone: "ok", text: () => "Discrepancy marked as resolved." },
  "resolve-refused": { tone: "error", text: () => "That discrepancy was already resolved." },
  reconciled: {
    tone: "ok",
    text: (p) => `Reconciliation finished: ${p.get("checked") ?? "0"} bookings checked, ${p.get("found") ?? "0"} new discrepancies.`,
  },
  "reconcile-failed": { tone: "error", text: (p) => `Reconciliation failed: ${p.get("message") ?? "unknown error"}` },
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const url = new URL(request.url);
  const tab = tabOf(url.searchParams.get("tab"));
  const db = context.database.db;
  const now = new Date();
  const [rows, counts, discrepancies] = await Promise.all([payoutsForTab(db, tab, now), payoutTabCounts(db, now), discrepanciesForAdmin(db)]);
  const noticeKey = url.searchParams.get("notice") ?? "";
  const notice = NOTICES[noticeKey];
  return {
    tab,
    notice: notice ? { tone: notice.tone, text: notice.text(url.searchParams).slice(0, 300) } : null,
    tabs: PAYOUT_TABS.map((t) => ({ to: `?tab=${t}`, label: TAB_LABELS[t], current: t === tab, count: counts[t] })),
    payouts: rows.map((p) => ({
      id: p.id,
      provider: p.providerName,
      code: p.confirmationCode,
      status: p.status,
      gross: money(p.grossAmount, p.currency),
      deduction: p.deductionAmount ? money(p.deductionAmount, p.currency) : "—",
      net: money(p.grossAmount - p.deductionAmount, p.currency),
      payable: utc(p.payableAt),
      attempts: p.attempts,
      nextAttempt: p.nextAttemptAt ? utc(p.nextAttemptAt) : null,
      paid: p.paidAt ? utc(p.paidAt) : null,
      transfer: p.stripeTransferId,
      lastError: p.lastError,
    })),
    openDiscrepancies: discrepancies.filter((d) => d.resolvedAt === null).length,
    discrepancies: discrepancies.map((d) => ({
      id: d.id,
      kind: humanStatus(d.kind),
      code: d.confirmationCode,
      provider: d.providerName,
      details: compactJson(d.details, 300),
      found: utc(d.createdAt),
      resolved: d.resolvedAt ? utc(d.resolvedAt) : null,
    })),
  };
}

const ActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("retry"), payoutId: z.uuid(), tab: z.string().optional() }),
  z.object({ intent: z.literal("resolve"), discrepancyId: z.uuid(), tab: z.string().optional() }),
  z.object({ intent: z.literal("reconcile"), tab: z.string().optional() }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const parsed = ActionSchema.safeParse(Object.fromEntries([...formData].filter(([key]) => key !== CSRF_FIELD)));
  if (!parsed.success) throw new Response("That request was not understood.", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  const input = parsed.data;
  const db = context.database.db;
  const back = (params: Record<string, string>) => redirect(`/admin/payouts?${new URLSearchParams({ tab: tabOf(input.tab), ...params })}`);

  switch (input.intent) {
    case "retry": {
      const row = await retryPayout(db, input.payoutId);
      return back({ notice: row ? "retried" : "retry-refused" });
    }
    case "resolve": {
      const done = await resolveDiscrepancy(db, input.discrepancyId);
      return back({ notice: done ? "resolved" : "resolve-refused" });
    }
    case "reconcile": {
      // Runs in the request so the admin sees the outcome; the run is logged in job_runs like the hourly one.
      try {
        const summary = await runRecordedReconciliation(db, createStripe(context.cloudflare.config), "admin");
        return back({ notice: "reconciled", checked: String(summary.checkedBookings), found: String(summary.discrepancies) });
      } catch (error) {
        return back({ notice: "reconcile-failed", message: stripeErrorMessage(error).slice(0, 200) });
      }
    }
  }
}

export default function AdminPayouts() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = (intent: string, id?: string) =>
    navigation.state === "submitting" && navigation.formData?.get("intent") === intent && (!id || navigation.formData?.get("payoutId") === id || navigation.formData?.get("discrepancyId") === id);
  return (
    <section aria-labelledby="payouts-heading" className="admin-page">
      <h1 id="payouts-heading">Payouts</h1>
      {data.notice ? <Notice tone={data.notice.tone}>{data.notice.text}</Notice> : null}
      <TabLinks label="Payout status" tabs={data.tabs} />
      {data.payouts.length === 0 ? (
        <p data-testid="payouts-empty">No {TAB_LABELS[data.tab].toLowerCase()} payouts.</p>
      ) : (
        <ScrollTable id="payouts-table" caption={`${TAB_LABELS[data.tab]} payouts (${data.payouts.length} shown)`}>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Booking</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Net (gross − deduction)
              </th>
              <th scope="col">Payable from (UTC)</th>
              <th scope="col">Attempts</th>
              <th scope="col">Outcome</th>
              {data.tab === "failed" ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {data.payouts.map((p) => (
              <tr key={p.id} data-testid="payout-row" data-payout-id={p.id}>
                <th scope="row">{p.provider}</th>
                <td>{p.code ? <Link to={`/admin/bookings/${encodeURIComponent(p.code)}`}>{p.code}</Link> : "—"}</td>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                <td className="num">
                  {p.net}
                  <br />
                  <span className="muted small">
                    {p.gross} − {p.deduction}
                  </span>
                </td>
                <td>{p.payable}</td>
                <td>
                  {p.attempts}
                  {p.nextAttempt ? <span className="muted small"> (next {p.nextAttempt})</span> : null}
                </td>
                <td>
                  {p.paid ? (
                    <>
                      Paid {p.paid} <code>{p.transfer}</code>
                    </>
                  ) : null}
                  {p.lastError ? <span className="error">{p.lastError}</span> : null}
                </td>
                {data.tab === "failed" ? (
                  <td>
                    {p.status === "failed" ? (
                      <Form method="post">
                        <AuthenticityTokenInput />
                        <input type="hidden" name="intent" value="retry" />
                        <input type="hidden" name="payoutId" value={p.id} />
                        <input type="hidden" name="tab" value={data.tab} />
                        <button type="submit" aria-label={`Retry payout to ${p.provider}${p.code ? ` for ${p.code}` : ""}`} disabled={busy("retry", p.id)}>
                          {busy("retry", p.id) ? "Retrying…" : "Retry"}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}

      <h2 id="discrepancies-heading">Reconciliation discrepancies</h2>
      <div className="heading-actions">
        <p className="muted">
          {data.openDiscrepancies === 0 ? "No open discrepancies." : `${data.openDiscrepancies} open.`} Reconciliation checks the ledger against payments and
          Stripe; it also runs every hour.
        </p>
        <Form method="post">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="reconcile" />
          <input type="hidden" name="tab" value={data.tab} />
          <button type="submit" className="secondary" disabled={busy("reconcile")}>
            {busy("reconcile") ? "Reconciling…" : "Run reconciliation now"}
          </button>
        </Form>
      </div>
      {data.discrepancies.length > 0 ? (
        <ScrollTable id="discrepancies-table" caption="Discrepancies, open ones first, newest first">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Booking</th>
              <th scope="col">Provider</th>
              <th scope="col">Details</th>
              <th scope="col">Found (UTC)</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {data.discrepancies.map((d) => (
              <tr key={d.id} data-testid="discrepancy-row" className={d.resolved ? "resolved" : undefined}>
                <th scope="row">{d.kind}</th>
                <td>{d.code ? <Link to={`/admin/bookings/${encodeURIComponent(d.code)}`}>{d.code}</Link> : "—"}</td>
                <td>{d.provider ?? "—"}</td>
                <td>
                  <code>{d.details}</code>
                </td>
                <td>{d.found}</td>
                <td>
                  {d.resolved ? (
                    <span className="muted">Resolved {d.resolved}</span>
                  ) : (
                    <Form method="post">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="intent" value="resolve" />
                      <input type="hidden" name="discrepancyId" value={d.id} />
                      <input type="hidden" name="tab" value={data.tab} />
                      <button type="submit" className="secondary" aria-label={`Mark ${d.kind}${d.code ? ` on ${d.code}` : ""} resolved`} disabled={busy("resolve", d.id)}>
                        Mark resolved
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}
    </section>
  );
}
