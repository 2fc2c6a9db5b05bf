import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { Field, FormError, firstErrorField, useFocusFirstError, type FieldErrors } from "../components/auth-form";
import { claimGuestBookingsAfterSignUp } from "../../workers/auth/claim-guest-bookings-hook";
import { queueAccountExistsEmail, queueVerificationEmail } from "../../workers/auth/email-verification";
import { parseForm, SignUpSchema } from "../../workers/auth/forms";
import { keyringOf } from "../../workers/auth/keyring";
import { clientIp, describeWait, rateLimit, rateLimitKey, retryAfterHeaders, SIGN_UP_LIMITS } from "../../workers/auth/rate-limit";
import { safeRedirect } from "../../workers/auth/redirect";
import { createCustomer, normalizeEmail } from "../../workers/auth/users";
import { requireAnonymous } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const meta: MetaFunction = () => [{ title: "Create an account · Edge Booking" }];

export const headers = keepRetryAfter;

const FIELD_ORDER = ["name", "email", "password"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(request, context);
  return { redirectTo: safeRedirect(new URL(request.url).searchParams.get("redirectTo"), "") };
}

type ActionResult = { fieldErrors?: FieldErrors; formError?: string; values: { name: string; email: string }; sentTo?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const values = { name: String(formData.get("name") ?? "").slice(0, 100), email: String(formData.get("email") ?? "").slice(0, 254) };
  const parsed = parseForm(SignUpSchema, formData, FIELD_ORDER);
  if (!parsed.ok) return data<ActionResult>({ fieldErrors: parsed.fieldErrors, values }, { status: 400 });
  const db = context.database.db;
  const limit = await rateLimit(db, await rateLimitKey("signup:ip", clientIp(request)), SIGN_UP_LIMITS.perIp.limit, SIGN_UP_LIMITS.perIp.windowSeconds);
  if (!limit.allowed) {
    return data<ActionResult>(
      { formError: `Too many accounts were created from your network. Please wait ${describeWait(limit.retryAfterSeconds)} and try again.`, values },
      { status: 429, headers: retryAfterHeaders(limit) },
    );
  }
  const email = normalizeEmail(parsed.data.email);
  const created = await createCustomer(db, { name: parsed.data.name, email, password: parsed.data.password });
  const { config } = context.cloudflare;
  // The answer is the same whether the address is new or already has an account (no account
  // enumeration): a new account gets the confirmation link, an existing one a note that it exists.
  // Nobody is signed in here, since that alone would tell the two apart.
  try {
    if (created.ok) {
      // Guest bookings with this email are only claimed once the address is verified.
      await claimGuestBookingsAfterSignUp(db, { userId: created.user.id, email, emailVerified: false });
      await queueVerificationEmail(db, { id: created.user.id, email, name: created.user.name }, { baseUrl: config.PUBLIC_BASE_URL, keys: keyringOf(config) });
    } else if (created.existing) {
      await queueAccountExistsEmail(db, created.existing, { baseUrl: config.PUBLIC_BASE_URL });
    }
  } catch (error) {
    // The account exists either way; the account page offers to send the link again.
    console.error(JSON.stringify({ eventName: "auth.sign_up_mail_failed", message: error instanceof Error ? error.message : String(error) }));
  }
  return data<ActionResult>({ values, sentTo: email });
}

export default function SignUp() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const formRef = useFocusFirstError(result);
  const fieldErrors = result?.fieldErrors;
  const firstError = firstErrorField(FIELD_ORDER, fieldErrors);
  const signInHref = redirectTo ? `/sign-in?${new URLSearchParams({ redirectTo })}` : "/sign-in";
  if (result?.sentTo) {
    return (
      <section className="panel" aria-labelledby="sign-up-heading" data-testid="sign-up-sent">
        <h1 id="sign-up-heading" tabIndex={-1}>
          Check your inbox
        </h1>
        <p>
          We sent a message to <strong>{result.sentTo}</strong>. If this address is new, it has a link to confirm it; if it already has an
          account, it tells you how to sign in.
        </p>
        <p>
          <Link to={signInHref}>Sign in</Link> with your email and password; bookings you made as a guest join your account once the address is
          confirmed.
        </p>
      </section>
    );
  }
  return (
    <section className="panel" aria-labelledby="sign-up-heading">
      <h1 id="sign-up-heading">Create an account</h1>
      <p className="muted">Book faster and see all your bookings in one place.</p>
      <Form method="post" ref={formRef}>
        <AuthenticityTokenInput />
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <FormError id="sign-up-error" message={result?.formError} focus={!firstError} />
        <Field
          name="name"
          label="Name"
          autoComplete="name"
          required
          maxLength={100}
          defaultValue={result?.values.name ?? ""}
          errors={fieldErrors?.name}
          focus={firstError === "name"}
        />
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values.email ?? ""}
          errors={fieldErrors?.email}
          focus={firstError === "email"}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters, with letters and digits."
          errors={fieldErrors?.password}
          focus={firstError === "password"}
        />
        <p>
          <button type="submit" disabled={navigation.state === "submitting"}>
            Create account
          </button>
        </p>
      </Form>
      <p>
        Already have an account? <Link to={signInHref}>Sign in</Link>
      </p>
    </section>
  );
}
