import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { Field, FormError, firstErrorField, useFocusFirstError, type FieldErrors } from "../components/auth-form";
import { describeWait, clientIp, rateLimitAll, rateLimitKey, retryAfterHeaders, SIGN_IN_LIMITS } from "../../workers/auth/rate-limit";
import { parseForm, SignInSchema } from "../../workers/auth/forms";
import { safeRedirect } from "../../workers/auth/redirect";
import { authenticate, normalizeEmail } from "../../workers/auth/users";
import { createUserSession, requireAnonymous } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";
import { keepRetryAfter } from "../utils/retry-after-headers";

export const meta: MetaFunction = () => [{ title: "Sign in · Edge Booking" }];

export const headers = keepRetryAfter;

const FIELD_ORDER = ["email", "password"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(request, context);
  return { redirectTo: safeRedirect(new URL(request.url).searchParams.get("redirectTo"), "") };
}

type ActionResult = { fieldErrors?: FieldErrors; formError?: string; email: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const submittedEmail = String(formData.get("email") ?? "").slice(0, 254);
  const parsed = parseForm(SignInSchema, formData, FIELD_ORDER);
  if (!parsed.ok) return data<ActionResult>({ fieldErrors: parsed.fieldErrors, email: submittedEmail }, { status: 400 });
  const db = context.database.db;
  const email = normalizeEmail(parsed.data.email);
  const ip = clientIp(request);
  // Counted before the password is checked, so guessing costs an attempt whether it succeeds or not.
  const limit = await rateLimitAll(db, [
    { key: await rateLimitKey("signin:ip-email", ip, email), ...SIGN_IN_LIMITS.perIpAndEmail },
    { key: await rateLimitKey("signin:ip", ip), ...SIGN_IN_LIMITS.perIp },
    { key: await rateLimitKey("signin:email", email), ...SIGN_IN_LIMITS.perEmail },
  ]);
  if (!limit.allowed) {
    return data<ActionResult>(
      { formError: `Too many sign-in attempts. Please wait ${describeWait(limit.retryAfterSeconds)} and try again.`, email: submittedEmail },
      { status: 429, headers: retryAfterHeaders(limit) },
    );
  }
  const user = await authenticate(db, email, parsed.data.password);
  if (!user) {
    // One message for unknown email and wrong password: do not reveal which accounts exist.
    return data<ActionResult>({ formError: "Email or password is incorrect.", email: submittedEmail }, { status: 400 });
  }
  return createUserSession({ request, context, user, redirectTo: formData.get("redirectTo") });
}

export default function SignIn() {
  const { redirectTo } = useLoaderData<typeof loader>();
  // The action either redirects or returns an ActionResult.
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const formRef = useFocusFirstError(result);
  const fieldErrors = result?.fieldErrors;
  const firstError = firstErrorField(FIELD_ORDER, fieldErrors);
  return (
    <section className="panel" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in</h1>
      <Form method="post" ref={formRef} aria-describedby={result?.formError ? "sign-in-error" : undefined}>
        <AuthenticityTokenInput />
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <FormError id="sign-in-error" message={result?.formError} focus={!firstError} />
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.email ?? ""}
          errors={fieldErrors?.email}
          focus={firstError === "email"}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          errors={fieldErrors?.password}
          focus={firstError === "password"}
        />
        <p>
          <button type="submit" disabled={navigation.state === "submitting"}>
            Sign in
          </button>
        </p>
      </Form>
      <p>
        New here? <Link to={redirectTo ? `/sign-up?${new URLSearchParams({ redirectTo })}` : "/sign-up"}>Create an account</Link>
      </p>
    </section>
  );
}
