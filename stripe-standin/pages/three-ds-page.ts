// The simulated 3D Secure challenge, where PaymentIntent.next_action.redirect_to_url points. The bank's
// verdict is the visitor's choice: complete, fail, or leave without deciding.
import type { StandinCore } from "../core";
import { formatAmount } from "../money";
import { oneOf, str, type Params } from "../params";
import { completeAuthentication } from "../resources/payment-intents";
import { finish, isPageResult, openPaymentLink, type PaymentLink } from "./checkout-page";
import { html, page } from "./html";
import type { PageResult } from "./respond";

export function showAuthentication(core: StandinCore, id: string, query: URLSearchParams): PageResult {
  const link = openPaymentLink(core, id, query.get("client_secret") ?? undefined, query.get("return_url") || undefined);
  if (isPageResult(link)) return link;
  return { status: 200, html: authenticationDocument(core, link) };
}

export function submitAuthentication(core: StandinCore, id: string, form: Params): PageResult {
  const link = openPaymentLink(core, id, str(form, "client_secret"), str(form, "return_url"));
  if (isPageResult(link)) return link;
  const outcome = oneOf(form, "outcome", ["approve", "fail", "cancel"] as const, { required: true })!;
  if (link.pi.status !== "requires_action") return { status: 409, html: authenticationDocument(core, link) };
  if (outcome === "cancel") return finish(link, "requires_action");
  const { declined } = completeAuthentication(core.pageContext(), link.pi, outcome);
  return finish(link, declined ? "failed" : "succeeded");
}

function authenticationDocument(core: StandinCore, link: PaymentLink): string {
  const { pi } = link;
  const pmId = typeof pi.payment_method === "string" ? pi.payment_method : undefined;
  const last4 = pmId ? core.state.paymentMethods.get(pmId)?.card?.last4 : undefined;
  if (pi.status !== "requires_action") {
    return page(
      "Authentication",
      html`<h1>3D Secure authentication</h1><p role="status">Nothing to authenticate: this payment's status is <code>${pi.status}</code>.</p>`,
    );
  }
  return page(
    "Authentication",
    html`<h1>3D Secure authentication</h1>
<p>Your bank asks you to confirm a payment of <strong>${formatAmount(pi.amount, pi.currency)}</strong>${last4 ? html` with the card ending in ${last4}` : ""}.</p>
<p>This is a simulation: choose how the bank's check ends.</p>
<form method="post" action="/3ds/${pi.id}/complete">
  <input type="hidden" name="client_secret" value="${link.clientSecret}">
  <input type="hidden" name="return_url" value="${link.returnUrl ?? ""}">
  <button type="submit" name="outcome" value="approve">Complete authentication</button>
  <button type="submit" name="outcome" value="fail" class="secondary">Fail authentication</button>
  <button type="submit" name="outcome" value="cancel" class="secondary">Cancel and return</button>
</form>`,
  );
}
