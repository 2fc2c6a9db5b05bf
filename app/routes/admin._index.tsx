// Admin overview: how much is on the platform, and the cron job log (job_runs), newest first.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { platformOverview } from "../../db/queries/admin";
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

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireRole(request, context, ["admin"]);
  const db = context.database.db;
  const { counts, runs } = await platformOverview(db);
  return {
    counts,
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
  const { counts, runs } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="admin-heading">
      <h1 id="admin-heading">Overview</h1>
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
