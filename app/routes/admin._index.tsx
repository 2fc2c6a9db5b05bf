// Admin overview: what needs attention now (failed payments, disputes, approvals about to expire,
// failed payouts and jobs), how much is on the platform, and the cron job log (job_runs), newest first.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { attentionCounts, platformOverview, type AttentionCounts } from "../../db/queries/admin";
import adminStylesHref from "../styles/admin.css?url";
import { requireRole } from "../utils/auth.server";

// The admin layout (admin.tsx) has no links export; each admin page brings the admin styles.
export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStylesHref }];

export const meta: MetaFunction = () => [{ title: "Admin · Edge Booking" }];

/** Admins compare runs across zones, so job times are shown in UTC. */
function utc(instant: Date | null): string {
  return instant ? `${instant.toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

function duration(start: Date, end: Date | null): string {
  if (!end) return "—";
  const ms = end.getTime() - start.getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function summarize(details: unknown): string {
  const text = JSON.stringify(details ?? {});
  return text === "{}" ? "" : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

type AttentionItem = { key: string; count: number; text: string; href: string | null; codes?: string[] };

/** Each count worded for a person, with where to act on it; items with nothing to do are left out. */
function attentionItems(a: AttentionCounts): AttentionItem[] {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const items: AttentionItem[] = [
    { key: "failed-payments", count: a.failedPayments, text: `${plural(a.failedPayments, "payment", "payments")} failed in the last 7 days`, href: "/admin/bookings?status=payment_failed" },
    { key: "open-disputes", count: a.openDisputes, text: `${plural(a.openDisputes, "dispute is", "disputes are")} open (their payouts are held)`, href: null, codes: a.disputedCodes },
    { key: "approvals", count: a.approvalsExpiringSoon, text: `${plural(a.approvalsExpiringSoon, "approval request expires", "approval requests expire")} within 6 hours unless the provider answers`, href: "/admin/bookings?status=awaiting_approval" },
    { key: "failed-payouts", count: a.failedPayouts, text: `${plural(a.failedPayouts, "payout", "payouts")} failed`, href: "/admin/payouts?tab=failed" },
    { key: "failed-jobs", count: a.failedJobs, text: `${plural(a.failedJobs, "cron run", "cron runs")} ended in an error in the last 24 hours`, href: "#job-runs-heading" },
  ];
  return items.filter((item) => item.count > 0);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const db = context.database.db;
  const [{ counts, runs }, attention] = await Promise.all([platformOverview(db), attentionCounts(db, new Date())]);
  return {
    counts,
    attention: attentionItems(attention),
    runs: runs.map((run) => ({
      id: run.id,
      job: run.job,
      trigger: run.trigger,
      started: utc(run.startedAt),
      finished: utc(run.finishedAt),
      duration: duration(run.startedAt, run.finishedAt),
      outcome: run.outcome,
      details: summarize(run.details),
    })),
  };
}

export default function AdminOverview() {
  const { counts, attention, runs } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="admin-heading">
      <h1 id="admin-heading">Overview</h1>
      <section aria-labelledby="attention-heading" className="panel" data-testid="attention">
        <h2 id="attention-heading">Needs attention</h2>
        {attention.length === 0 ? (
          <p className="ok">Nothing needs attention: no failed payments or payouts, no open disputes, no approvals about to expire, no failed jobs.</p>
        ) : (
          <ul>
            {attention.map((item) => (
              <li key={item.key} data-testid={`attention-${item.key}`}>
                {item.href ? <Link to={item.href}>{item.text}</Link> : item.text}
                {item.codes && item.codes.length > 0 ? (
                  <>
                    {": "}
                    {item.codes.map((code, i) => (
                      <span key={code}>
                        {i > 0 ? ", " : null}
                        <Link to={`/admin/bookings/${code}`}>{code}</Link>
                      </span>
                    ))}
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <dl className="facts">
        <div>
          <dt>Users</dt>
          <dd data-testid="count-users">{counts.users}</dd>
        </div>
        <div>
          <dt>Providers</dt>
          <dd data-testid="count-providers">{counts.providers}</dd>
        </div>
        <div>
          <dt>Bookings</dt>
          <dd data-testid="count-bookings">{counts.bookings}</dd>
        </div>
      </dl>
      <h2 id="job-runs-heading">Recent cron job runs</h2>
      {runs.length === 0 ? (
        <p>No job has run yet.</p>
      ) : (
        <table aria-labelledby="job-runs-heading">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
              <th scope="col">Took</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-testid="job-run">
                <td>
                  {run.job} <span className="muted">({run.trigger})</span>
                </td>
                <td>{run.started}</td>
                <td>{run.finished}</td>
                <td>{run.duration}</td>
                <td className={run.outcome === "ok" ? "ok" : run.outcome === "error" ? "error" : undefined}>{run.outcome}</td>
                <td>
                  <code>{run.details}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
