// Where an account holder sees the devices signed in to their account, signs one (or all others)
// out, and changes their password. A password change ends every other session: whoever changes a
// password usually suspects someone else knows the old one.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { Field, FormError, firstErrorField, useFocusFirstError, type FieldErrors } from "../components/auth-form";
import { ChangePasswordSchema, parseForm } from "../../workers/auth/forms";
import { describeWait, PASSWORD_CHANGE_LIMITS, rateLimit, rateLimitKey, retryAfterHeaders } from "../../workers/auth/rate-limit";
import { endSession, endSessionsOf, liveSessionsOf } from "../../workers/auth/session-store";
import { describeUserAgent } from "../../workers/auth/user-agent";
import { changePassword } from "../../workers/auth/users";
import { getSession, requireUser } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";
import { formatInZone } from "../utils/format";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const meta: MetaFunction = () => [{ title: "Sign-in and security · Edge Booking" }];

export const headers = keepRetryAfter;

const PASSWORD_FIELDS = ["currentPassword", "newPassword", "confirmPassword"] as const;
const SessionIdSchema = z.uuid();

type ActionResult = { notice?: string; fieldErrors?: FieldErrors; formError?: string };

async function currentSession(request: Request, context: LoaderFunctionArgs["context"]) {
  const user = await requireUser(request, context);
  const session = await getSession(request, context);
  // requireUser has just read the same live session; a null here means it ended in between.
  if (!session) throw redirect("/sign-in");
  return { user, sid: session.sid };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, sid } = await currentSession(request, context);
  const rows = await liveSessionsOf(context.database.db, user.id);
  return {
    devices: rows.map((row) => ({
      id: row.id,
      current: row.id === sid,
      device: describeUserAgent(row.userAgent),
      signedIn: formatInZone(row.createdAt, "UTC"),
      lastSeen: formatInZone(row.lastSeenAt, "UTC"),
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, sid } = await currentSession(request, context);
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const db = context.database.db;
  const intent = formData.get("intent");

  if (intent === "end-session") {
    const target = SessionIdSchema.safeParse(formData.get("sessionId"));
    if (!target.success) return data<ActionResult>({ formError: "sessionId must name one of your sessions." }, { status: 400 });
    // Ending this very session is signing out: send the person to the sign-out page's own flow.
    if (target.data === sid) return data<ActionResult>({ formError: "To end this device's session, sign out." }, { status: 400 });
    const ended = await endSession(db, user.id, target.data, "ended_from_account");
    return { notice: ended ? "That device is signed out." : "That device was already signed out." } satisfies ActionResult;
  }

  if (intent === "end-others") {
    const ended = await endSessionsOf(db, user.id, "ended_from_account", sid);
    return { notice: ended === 0 ? "No other device was signed in." : `Signed out ${ended} other device${ended === 1 ? "" : "s"}.` } satisfies ActionResult;
  }

  if (intent === "change-password") {
    const parsed = parseForm(ChangePasswordSchema, formData, PASSWORD_FIELDS);
    if (!parsed.ok) return data<ActionResult>({ fieldErrors: parsed.fieldErrors }, { status: 400 });
    // Counted before the current password is checked, so a stolen session cannot guess it quickly.
    const limit = await rateLimit(db, await rateLimitKey("password-change:user", user.id), PASSWORD_CHANGE_LIMITS.perUser.limit, PASSWORD_CHANGE_LIMITS.perUser.windowSeconds);
    if (!limit.allowed) {
      return data<ActionResult>(
        { formError: `Too many attempts. Please wait ${describeWait(limit.retryAfterSeconds)} and try again.` },
        { status: 429, headers: retryAfterHeaders(limit) },
      );
    }
    const outcome = await changePassword(db, user.id, parsed.data.currentPassword, parsed.data.newPassword);
    if (outcome === "wrong_password") return data<ActionResult>({ fieldErrors: { currentPassword: ["Current password is incorrect."] } }, { status: 400 });
    const ended = await endSessionsOf(db, user.id, "password_changed", sid);
    return { notice: `Your password is changed.${ended > 0 ? ` ${ended} other device${ended === 1 ? " was" : "s were"} signed out.` : ""}` } satisfies ActionResult;
  }

  return data<ActionResult>({ formError: "intent must be end-session, end-others or change-password." }, { status: 400 });
}

export default function AccountSecurity() {
  const { devices } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const formRef = useFocusFirstError(result);
  const fieldErrors = result?.fieldErrors;
  const firstError = firstErrorField(PASSWORD_FIELDS, fieldErrors);
  const busy = navigation.state === "submitting";
  const others = devices.filter((device) => !device.current).length;
  return (
    <section aria-labelledby="security-heading">
      <h1 id="security-heading">Sign-in and security</h1>
      <p>
        <Link to="/account">Back to my bookings</Link>
      </p>
      {result?.notice ? (
        <p className="notice" role="status" data-testid="security-notice">
          {result.notice}
        </p>
      ) : null}
      <FormError id="security-error" message={result?.formError} focus={!firstError && Boolean(result?.formError)} />

      <h2>Signed-in devices</h2>
      <table>
        <caption className="muted">Times in UTC; last activity is recorded to the hour</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">Sign out</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((device) => (
            <tr key={device.id} data-testid="security-device">
              <td>
                {device.device}
                {device.current ? <strong> (this device)</strong> : null}
              </td>
              <td>{device.signedIn}</td>
              <td>{device.lastSeen}</td>
              <td>
                {device.current ? (
                  <Link to="/sign-out">Sign out here</Link>
                ) : (
                  <Form method="post">
                    <AuthenticityTokenInput />
                    <input type="hidden" name="sessionId" value={device.id} />
                    <button type="submit" name="intent" value="end-session" className="secondary" disabled={busy}>
                      Sign out this device
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {others > 0 ? (
        <Form method="post">
          <AuthenticityTokenInput />
          <button type="submit" name="intent" value="end-others" disabled={busy}>
            Sign out every other device
          </button>
        </Form>
      ) : null}

      <h2>Change password</h2>
      <p className="muted">Changing your password signs out every other device.</p>
      <Form method="post" ref={formRef} className="panel">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="change-password" />
        <Field
          name="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          errors={fieldErrors?.currentPassword}
          focus={firstError === "currentPassword"}
        />
        <Field
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters, with letters and digits."
          errors={fieldErrors?.newPassword}
          focus={firstError === "newPassword"}
        />
        <Field
          name="confirmPassword"
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          errors={fieldErrors?.confirmPassword}
          focus={firstError === "confirmPassword"}
        />
        <p>
          <button type="submit" disabled={busy}>
            Change password
          </button>
        </p>
      </Form>
    </section>
  );
}
