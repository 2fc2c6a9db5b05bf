// The test checkout page: what Stripe's hosted payment UI does for the product's customers, reduced to
// choosing a test card. GET /checkout/:pi?client_secret=…&return_url=… shows it; submitting confirms the
// PaymentIntent (the client secret proves the visitor may) and ends at return_url with redirect_status,
// going through the simulated 3D Secure page when the card needs it.
import type Stripe from "stripe";
import type { StandinCore } from "../core";
import { StripeApiError } from "../errors";
import { formatAmount } from "../money";
import { isHttpUrl, str, type Params } from "../params";
import { confirmIntent } from "../resources/payment-intents";
import { TEST_CARDS } from "../test-cards";
import { html, page, type Html } from "./html";
import { redirectStatusOf, returnTo, type PageResult } from "./respond";

const CONFIRMABLE: readonly string[] = ["requires_payment_method", "requires_confirmation", "requires_action"];

export interface PaymentLink {
  pi: Stripe.PaymentIntent;
  clientSecret: string;
  returnUrl: string | undefined;
}

/** Finds the PaymentIntent and checks the client secret and return_url, or says why not as a page. */
export function openPaymentLink(core: StandinCore, id: string, clientSecret: string | undefined, returnUrl: string | undefined): PaymentLink | PageResult {
  const pi = core.state.paymentIntents.get(id);
  if (!pi) return problem(404, "Payment not found", "There is no payment with this link.");
  if (!clientSecret || clientSecret !== pi.client_secret) {
    return problem(403, "Link not valid", "This link is not valid for this payment (the client secret does not match).");
  }
  if (returnUrl !== undefined && !isHttpUrl(returnUrl)) return problem(400, "Invalid return address", "return_url must be an http(s) URL.");
  return { pi, clientSecret, returnUrl };
}

export function isPageResult(value: PaymentLink | PageResult): value is PageResult {
  return "status" in value || "redirect" in value;
}

export function showCheckout(core: StandinCore, id: string, query: URLSearchParams): PageResult {
  const link = openPaymentLink(core, id, query.get("client_secret") ?? undefined, query.get("return_url") || undefined);
  if (isPageResult(link)) return link;
  return { status: 200, html: checkoutDocument(link) };
}

export function submitCheckout(core: StandinCore, id: string, form: Params): PageResult {
  const link = openPaymentLink(core, id, str(form, "client_secret"), str(form, "return_url"));
  if (isPageResult(link)) return link;
  const paymentMethod = str(form, "payment_method");
  if (!paymentMethod) return { status: 400, html: checkoutDocument(link, "Choose a test card.") };
  const { pi, returnUrl } = link;
  try {
    confirmIntent(core.pageContext(), pi, { paymentMethod, returnUrl, fromCheckoutPage: true });
  } catch (e) {
    if (!(e instanceof StripeApiError)) throw e;
    // A decline ends the visit like Stripe's hosted pages do: back to the merchant with "failed".
    if (e.status !== 402) return { status: 400, html: checkoutDocument(link, e.body.message) };
  }
  const next = pi.next_action?.redirect_to_url?.url;
  if (pi.status === "requires_action" && next) return { redirect: next };
  return finish(link);
}

/** The end of a hosted flow: back to return_url, or a result page when there is none. */
export function finish(link: PaymentLink, status = redirectStatusOf(link.pi)): PageResult {
  if (link.returnUrl) return { redirect: returnTo(link.returnUrl, link.pi, status) };
  const text =
    status === "succeeded" ? "Payment succeeded." : status === "failed" ? "Payment failed." : "Payment still needs authentication.";
  return {
    status: 200,
    html: page("Payment result", html`<h1>Payment result</h1><p role="status">${text}</p><p>Status: <code>${link.pi.status}</code></p>`),
  };
}

function checkoutDocument(link: PaymentLink, error?: string): string {
  const { pi } = link;
  const amount = formatAmount(pi.amount, pi.currency);
  if (!CONFIRMABLE.includes(pi.status)) {
    const back = link.returnUrl ? html`<p><a href="${returnTo(link.returnUrl, pi, redirectStatusOf(pi))}">Return to the merchant</a></p>` : "";
    return page("Checkout", html`<h1>Checkout</h1><p role="status">${stateText(pi)}</p>${back}`);
  }
  const cards = TEST_CARDS.filter((c) => c.onCheckoutPage);
  const options: Html[] = cards.map(
    (c, i) => html`<label><input type="radio" name="payment_method" value="${c.paymentMethod}"${i === 0 ? html` checked` : ""}>
      <span>${groupDigits(c.number)}</span> – ${c.description}</label>`,
  );
  return page(
    "Checkout",
    html`<h1>Checkout</h1>
<p>Amount due <strong class="amount">${amount}</strong></p>
${pi.description ? html`<p>${pi.description}</p>` : ""}
${error ? html`<p role="alert">${error}</p>` : ""}
<form method="post" action="/checkout/${pi.id}/confirm">
  <input type="hidden" name="client_secret" value="${link.clientSecret}">
  <input type="hidden" name="return_url" value="${link.returnUrl ?? ""}">
  <fieldset>
    <legend>Test card</legend>
    ${options}
  </fieldset>
  <button type="submit">Pay ${amount}</button>
</form>
<p><small>Payment <code>${pi.id}</code></small></p>`,
  );
}

function stateText(pi: Stripe.PaymentIntent): string {
  switch (pi.status) {
    case "succeeded":
      return "This payment has already been made.";
    case "requires_capture":
      return "This payment has been authorized.";
    case "canceled":
      return "This payment was canceled.";
    default:
      return `This payment cannot be paid now (status ${pi.status}).`;
  }
}

export function problem(status: number, title: string, message: string): PageResult {
  return { status, html: page(title, html`<h1>${title}</h1><p role="alert">${message}</p>`) };
}

function groupDigits(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, "$1 ");
}
