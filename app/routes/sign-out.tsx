// Sign-out is a POST (with the CSRF token) so that a link, image or prefetch elsewhere cannot sign
// people out. GET shows a confirmation form, which also works without JavaScript.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form } from "@remix-run/react";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { getSession, signOutResponse } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";

export const meta: MetaFunction = () => [{ title: "Sign out · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await getSession(request, context))) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  // Without a valid session there is nothing to protect (and a stale form must not answer 403).
  if (!(await getSession(request, context))) return signOutResponse(request);
  await assertCsrf(request, formData, context);
  return signOutResponse(request);
}

export default function SignOut() {
  return (
    <section className="panel" aria-labelledby="sign-out-heading">
      <h1 id="sign-out-heading">Sign out</h1>
      <Form method="post">
        <AuthenticityTokenInput />
        <button type="submit">Sign out</button>
      </Form>
    </section>
  );
}
