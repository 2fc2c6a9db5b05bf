// The dev mailbox: every email the app queued, newest first, with its text and attachments. Available
// outside production to anyone (it is how you read "sent" mail locally), and to admins in production.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { recentOutboxMail } from "../../db/queries/admin";
import { getSession } from "../utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { config } = context.cloudflare;
  if (config.APP_ENV === "production") {
    const session = await getSession(request, context);
    if (session?.role !== "admin") throw new Response("Not found", { status: 404 });
  }
  const to = new URL(request.url).searchParams.get("to")?.trim().toLowerCase() || null;
  const rows = await recentOutboxMail(context.database.db);
  return {
    to,
    emails: rows
      .filter((row) => !to || row.toAddress.toLowerCase() === to)
      .map((row) => ({
        id: row.id,
        kind: row.kind,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        status: row.status,
        createdAt: row.createdAt.toISOString(),
        attachments: (row.attachments as Array<{ filename: string; contentType: string; content: string }>).map((a) => ({
          filename: a.filename,
          href: `data:${a.contentType};base64,${a.content}`,
        })),
      })),
  };
}

export default function DevMailbox() {
  const { emails, to } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Dev mailbox</h1>
      <p className="muted">Mail the app queued{to ? ` for ${to}` : ""}. Nothing here leaves this machine.</p>
      <form method="get" className="search">
        <label>
          <span>Recipient</span>
          <input type="email" name="to" defaultValue={to ?? ""} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {emails.length === 0 ? <p>No mail yet.</p> : null}
      {emails.map((email) => (
        <article key={email.id} className="panel" data-testid="email">
          <h2>{email.subject}</h2>
          <p className="muted">
            To {email.to} · {email.kind} · {email.status} · {email.createdAt}
          </p>
          <pre style={{ whiteSpace: "pre-wrap" }}>{email.text}</pre>
          {email.attachments.map((a) => (
            <a key={a.filename} href={a.href} download={a.filename}>
              {a.filename}
            </a>
          ))}
        </article>
      ))}
    </section>
  );
}
