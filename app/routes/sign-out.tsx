// Sign-out is a POST (with the CSRF token) so that a link, image or prefetch elsewhere cannot sign
// people out. GET shows a confirmation form, which also works without JavaScript. Signing out ends the
// session on the server (a copied cookie stops working too); "on every device" ends all of the user's.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form } from "@remix-run/react";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { getSession, signOut } from "../utils/auth.server";
import { assertCsrf } from "../utils/csrf.server";

export const meta: MetaFunction = () => [{ title: "Sign out · Edge Booking" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await getSession(request, context))) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  // Without a valid session there is nothing to protect (and a stale form must not answer 403).
  if (!(await getSession(request, context))) return signOut(request, context);
  await assertCsrf(request, formData, context);
  return signOut(request, context, { everywhere: formData.get("scope") === "everywhere" });
}

export default function SignOut() {
  return (
    <section className="panel" aria-labelledby="sign-out-heading">
      <h1 id="sign-out-heading">Sign out</h1>
      <Form method="post">
        <AuthenticityTokenInput />
        <button type="submit" name="scope" value="this">Sign out</button>{" "}
        <button type="submit" name="scope" value="everywhere" className="secondary">
          Sign out on every device
        </button>
      </Form>
    </section>
  );
}
