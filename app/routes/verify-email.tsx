// The link from the "confirm your email address" mail. Opening it confirms the address (once; opening
// it again is harmless) and adds the guest bookings made with that address to the account. Works
// signed in or not: the signed token names the account and the address.
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { verifyEmail } from "../../workers/auth/email-verification";
import { keyringOf } from "../../workers/auth/keyring";

export const meta: MetaFunction = () => [{ title: "Confirm your email · Edge Booking" }, { name: "robots", content: "noindex" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const outcome = token.length > 0 && token.length <= 2048 ? await verifyEmail(context.database.db, token, keyringOf(context.cloudflare.config)) : ({ ok: false, reason: "invalid" } as const);
  if (!outcome.ok) {
    const message =
      outcome.reason === "email_changed"
        ? "This link was sent to an address the account no longer uses."
        : "This link is not valid or has expired (links work for two days).";
    return data({ ok: false as const, message }, { status: 400, headers: { "cache-control": "no-store" } });
  }
  return data(
    { ok: true as const, email: outcome.email, alreadyVerified: outcome.alreadyVerified, claimed: outcome.claimedBookings },
    { headers: { "cache-control": "no-store" } },
  );
}

export default function VerifyEmail() {
  const result = useLoaderData<typeof loader>();
  if (!result.ok) {
    return (
      <section className="panel" aria-labelledby="verify-heading">
        <h1 id="verify-heading">We could not confirm your email</h1>
        <p data-testid="verify-error">{result.message}</p>
        <p>
          <Link to="/account">Sign in</Link> and ask for a new link on your account page.
        </p>
      </section>
    );
  }
  return (
    <section className="panel" aria-labelledby="verify-heading">
      <h1 id="verify-heading">{result.alreadyVerified ? "Your email was already confirmed" : "Email confirmed"}</h1>
      <p data-testid="verify-ok">{`Thank you: ${result.email} is confirmed.`}</p>
      {result.claimed > 0 ? (
        <p data-testid="verify-claimed">
          {result.claimed === 1
            ? "1 booking you made as a guest with this address is now in your account."
            : `${result.claimed} bookings you made as a guest with this address are now in your account.`}
        </p>
      ) : null}
      <p>
        <Link to="/account">Go to my bookings</Link>
      </p>
    </section>
  );
}
