// A signed-in person's own bookings (as the customer). Any signed-in role may have booked, so this
// checks for a signed-in user, not for a role; the query only ever reads the session user's rows.
// Upcoming bookings (soonest first, each with its page and, while it can change, its manage page)
// and past ones; a private calendar address for them; until the email address is confirmed, it
// offers to send the confirmation link again.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { accountEmail, customerBookings } from "../../db/queries/accounts";
import { queueVerificationEmail } from "../../workers/auth/email-verification";
import { keyringOf } from "../../workers/auth/keyring";
import { clientIp, describeWait, rateLimit, rateLimitKey, retryAfterHeaders } from "../../workers/auth/rate-limit";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { CalendarFeedPanel } from "../components/calendar-feed-panel";
import { applyCalendarFeedIntent, calendarFeedView, isCalendarFeedIntent } from "../utils/calendar-feed.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatMoney } from "../../domain/money";
import { requireUser } from "../utils/auth.server";
import { formatInZone } from "../utils/format";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const headers = keepRetryAfter;

export const meta: MetaFunction = () => [{ title: "My bookings · Edge Booking" }];

/** Verification mails per account (and per network) in a window: enough for typos, not for spamming an inbox. */
const RESEND_LIMIT = { limit: 5, windowSeconds: 60 * 60 } as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const intent = formData.get("intent");
  if (isCalendarFeedIntent(intent)) return { feedNotice: await applyCalendarFeedIntent(context, { userId: user.id }, intent) };
  const db = context.database.db;
  const row = await accountEmail(db, user.id);
  if (!row || row.verifiedAt) return { notice: "Your email address is already confirmed." };
  const limit = await rateLimit(db, await rateLimitKey("verify-mail:user", user.id, clientIp(request)), RESEND_LIMIT.limit, RESEND_LIMIT.windowSeconds);
  if (!limit.allowed) {
    return data({ notice: `We have sent several links already. Please wait ${describeWait(limit.retryAfterSeconds)} before asking again.` }, { status: 429, headers: retryAfterHeaders(limit) });
  }
  const { config } = context.cloudflare;
  await queueVerificationEmail(db, { id: user.id, email: row.email, name: user.name }, { baseUrl: config.PUBLIC_BASE_URL, keys: keyringOf(config) });
  return { notice: `We sent a new confirmation link to ${row.email}.` };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const [account, rows] = await Promise.all([accountEmail(context.database.db, user.id), customerBookings(context.database.db, user.id)]);
  // The feed's dates in the zone of the customer's latest booking (the page has no other zone for them).
  const calendarFeed = await calendarFeedView(context, { userId: user.id }, rows[0]?.timeZone ?? "UTC");
  return {
    name: user.name,
    email: account?.email ?? "",
    emailVerified: Boolean(account?.verifiedAt),
    calendarFeed,
    ...upcomingAndPast(rows, Date.now()),
  };
}

const MANAGEABLE = new Set(["pending", "awaiting_approval", "confirmed"]);

type AccountBookingRow = Awaited<ReturnType<typeof customerBookings>>[number];

/** Upcoming soonest first (what to do next), past newest first (what just happened). */
function upcomingAndPast(rows: readonly AccountBookingRow[], nowMs: number) {
  const view = (row: AccountBookingRow) => ({
    id: row.id,
    confirmationCode: row.confirmationCode,
    status: row.status.replace(/_/g, " "),
    when: formatInZone(row.startsAt, row.timeZone),
    total: formatMoney({ amount: row.totalAmount, currency: row.currency }),
    serviceName: row.serviceName,
    providerName: row.providerName,
    providerSlug: row.providerSlug,
    href: `/bookings/${row.confirmationCode}`,
    manageHref: MANAGEABLE.has(row.status) && row.startsAt.getTime() > nowMs ? `/manage/${row.confirmationCode}` : null,
  });
  const upcoming = rows.filter((row) => row.startsAt.getTime() >= nowMs).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const past = rows.filter((row) => row.startsAt.getTime() < nowMs);
  return { upcoming: upcoming.map(view), past: past.map(view) };
}

type AccountBooking = ReturnType<typeof upcomingAndPast>["upcoming"][number];

function BookingsTable({ id, title, caption, rows }: { id: string; title: string; caption: string; rows: AccountBooking[] }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <table>
        <caption className="muted">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Service</th>
            <th scope="col">Provider</th>
            <th scope="col">Status</th>
            <th scope="col">Total</th>
            <th scope="col">Code</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((booking) => (
            <tr key={booking.id} data-testid="account-booking">
              <th scope="row">
                <Link to={booking.href}>{booking.when}</Link>
              </th>
              <td>{booking.serviceName}</td>
              <td>
                <Link to={`/providers/${booking.providerSlug}`}>{booking.providerName}</Link>
              </td>
              <td>{booking.status}</td>
              <td>{booking.total}</td>
              <td>
                {booking.confirmationCode}
                {booking.manageHref ? (
                  <>
                    {" "}
                    <Link to={booking.manageHref} aria-label={`Manage booking ${booking.confirmationCode}`}>
                      Manage
                    </Link>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function Account() {
  const { name, email, emailVerified, calendarFeed, upcoming, past } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section aria-labelledby="account-heading">
      <h1 id="account-heading">My bookings</h1>
      <p className="muted">
        Signed in as {name}. <Link to="/account/security">Sign-in and security</Link> (devices, password)
      </p>
      {emailVerified ? null : (
        <div className="notice" role="status" data-testid="verify-email-notice">
          <p>
            Please confirm your email address ({email}) with the link we mailed you. Bookings you made as a guest with it are added here
            once it is confirmed.
          </p>
          <Form method="post">
            <AuthenticityTokenInput />
            <button type="submit">Send the link again</button>
          </Form>
          {result && "notice" in result ? <p data-testid="verify-email-result">{result.notice}</p> : null}
        </div>
      )}
      {upcoming.length === 0 && past.length === 0 ? (
        <p>
          You have no bookings yet. <Link to="/">Find a service</Link>.
        </p>
      ) : (
        <>
          {upcoming.length > 0 ? (
            <BookingsTable id="upcoming-heading" title="Upcoming" caption="Your next bookings, soonest first: open one for its details, or manage it" rows={upcoming} />
          ) : (
            <p>
              Nothing upcoming. <Link to="/">Book something</Link>.
            </p>
          )}
          {past.length > 0 ? <BookingsTable id="past-heading" title="Past" caption="Earlier bookings, newest first" rows={past} /> : null}
        </>
      )}
      <CalendarFeedPanel feed={calendarFeed} what="your bookings" notice={result && "feedNotice" in result ? result.feedNotice : null} />
    </section>
  );
}
