// Hosted Connect onboarding, where an AccountLink's url points. Like Stripe's, a link works once and
// for a few minutes; a stale one sends the visitor to refresh_url so the platform can mint a new link.
// Reaching return_url does not mean onboarding finished: "Save and exit" returns there too, and the
// platform must check the account (or wait for account.updated), exactly as with Stripe.
import type { StandinCore } from "../core";
import { nowSeconds } from "../ids";
import { oneOf, type Params } from "../params";
import type { AccountLinkRecord } from "../store";
import { problem } from "./checkout-page";
import { html, page } from "./html";
import type { PageResult } from "./respond";

function openLink(core: StandinCore, token: string): AccountLinkRecord | PageResult {
  const link = core.state.accountLinks.get(token);
  if (!link) return problem(404, "Link not found", "This onboarding link does not exist.");
  if (link.used || link.expiresAt < nowSeconds()) {
    if (link.refreshUrl) return { redirect: link.refreshUrl };
    return problem(410, "Link expired", "This onboarding link has expired or was already used.");
  }
  return link;
}

const isRecord = (v: AccountLinkRecord | PageResult): v is AccountLinkRecord => "token" in v;

export function showOnboarding(core: StandinCore, token: string): PageResult {
  const link = openLink(core, token);
  if (!isRecord(link)) return link;
  const account = core.state.accounts.get(link.account);
  if (!account) return problem(404, "Account not found", "The account for this link no longer exists.");
  return {
    status: 200,
    html: page(
      "Account setup",
      html`<h1>Set up payouts</h1>
<p>Account <code>${account.id}</code>${account.email ? html` for ${account.email}` : ""}.</p>
<p>This simulates Stripe's hosted onboarding: completing it enables charges and payouts for the account.</p>
<form method="post" action="/connect/onboarding/${link.token}">
  <button type="submit" name="action" value="complete">Complete onboarding</button>
  <button type="submit" name="action" value="leave" class="secondary">Save and exit</button>
</form>`,
    ),
  };
}

export function submitOnboarding(core: StandinCore, token: string, form: Params): PageResult {
  const link = openLink(core, token);
  if (!isRecord(link)) return link;
  const action = oneOf(form, "action", ["complete", "leave"] as const, { required: true })!;
  link.used = true;
  if (action === "complete") core.completeOnboarding(link.account);
  if (link.returnUrl) return { redirect: link.returnUrl };
  const text = action === "complete" ? "Onboarding complete. You can close this window." : "You left onboarding before finishing.";
  return { status: 200, html: page("Account setup", html`<h1>Set up payouts</h1><p role="status">${text}</p>`) };
}
