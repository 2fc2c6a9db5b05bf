// The test checkout page a browser is sent to: accessible markup, the client secret as authorization,
// and the redirect back to return_url with redirect_status for each card outcome.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { StripeStandin } from "../../stripe-standin/server";
import { submitForm, useStandin } from "./helpers";

let standin: StripeStandin;
let stripe: Stripe;
const RETURN_URL = "http://127.0.0.1:5173/bookings/9/return";

useStandin((h) => ({ standin, stripe } = h));

async function intent(extra: Partial<Stripe.PaymentIntentCreateParams> = {}): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({ amount: 4200, currency: "usd", description: "Haircut, Tue 10:00", ...extra });
}

const checkoutUrl = (pi: Stripe.PaymentIntent, returnUrl = RETURN_URL) =>
  `${standin.url}/checkout/${pi.id}?client_secret=${encodeURIComponent(String(pi.client_secret))}&return_url=${encodeURIComponent(returnUrl)}`;

function pay(pi: Stripe.PaymentIntent, paymentMethod: string, returnUrl = RETURN_URL): Promise<Response> {
  return submitForm(`${standin.url}/checkout/${pi.id}/confirm`, {
    client_secret: String(pi.client_secret),
    return_url: returnUrl,
    payment_method: paymentMethod,
  });
}

function redirectParams(res: Response): URLSearchParams {
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location")!);
  expect(`${location.origin}${location.pathname}`).toBe(RETURN_URL);
  return location.searchParams;
}

describe("checkout page", () => {
  it("renders the amount and the test cards as an accessible form", async () => {
    const pi = await intent();
    const res = await fetch(checkoutUrl(pi));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<title>");
    expect(html).toContain("$42.00");
    expect(html).toContain("Haircut, Tue 10:00");
    expect(html).toContain("<legend>Test card</legend>");
    expect(html).toMatch(/<button type="submit">Pay \$42\.00<\/button>/);
    for (const number of ["4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 9995", "4000 0025 0000 3155", "4000 0000 0000 0259"]) {
      expect(html).toContain(number);
    }
    // Every radio button sits inside its label.
    const radios = html.match(/<input type="radio"/g) ?? [];
    const labelled = html.match(/<label><input type="radio"/g) ?? [];
    expect(radios.length).toBe(5);
    expect(labelled.length).toBe(radios.length);
  });

  it("refuses a wrong client secret", async () => {
    const pi = await intent();
    const page = await fetch(`${standin.url}/checkout/${pi.id}?client_secret=${pi.id}_secret_wrong`);
    expect(page.status).toBe(403);
    const post = await submitForm(`${standin.url}/checkout/${pi.id}/confirm`, { client_secret: "nope", payment_method: "pm_card_visa" });
    expect(post.status).toBe(403);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("requires_payment_method");
  });

  it("a successful card returns with redirect_status=succeeded", async () => {
    const pi = await intent();
    const params = redirectParams(await pay(pi, "pm_card_visa"));
    expect(params.get("payment_intent")).toBe(pi.id);
    expect(params.get("payment_intent_client_secret")).toBe(pi.client_secret);
    expect(params.get("redirect_status")).toBe("succeeded");
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("succeeded");
  });

  it("a manual-capture intent is authorized and also reports succeeded", async () => {
    const pi = await intent({ capture_method: "manual" });
    expect(redirectParams(await pay(pi, "pm_card_visa")).get("redirect_status")).toBe("succeeded");
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("requires_capture");
  });

  it("the dispute card succeeds, then its charge is disputed", async () => {
    const pi = await intent();
    expect(redirectParams(await pay(pi, "pm_card_createDispute")).get("redirect_status")).toBe("succeeded");
    const disputes = await stripe.disputes.list({ payment_intent: pi.id });
    expect(disputes.data.map((d) => [d.status, d.reason, d.amount])).toEqual([["needs_response", "fraudulent", 4200]]);
  });

  it("declines return with redirect_status=failed", async () => {
    for (const [pm, declineCode] of [
      ["pm_card_visa_chargeDeclined", "generic_decline"],
      ["pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"],
    ] as const) {
      const pi = await intent();
      expect(redirectParams(await pay(pi, pm)).get("redirect_status")).toBe("failed");
      const after = await stripe.paymentIntents.retrieve(pi.id);
      expect(after.status).toBe("requires_payment_method");
      expect(after.last_payment_error?.decline_code).toBe(declineCode);
    }
  });

  it("3D Secure goes through the authentication page: approve, fail, or leave", async () => {
    const approved = await intent();
    const toChallenge = await pay(approved, "pm_card_authenticationRequired");
    expect(toChallenge.status).toBe(303);
    const challenge = toChallenge.headers.get("location")!;
    expect(challenge.startsWith(`${standin.url}/3ds/${approved.id}?`)).toBe(true);
    const page = await (await fetch(challenge)).text();
    expect(page).toContain('name="outcome" value="approve"');
    const approve = await submitForm(`${standin.url}/3ds/${approved.id}/complete`, {
      client_secret: String(approved.client_secret),
      return_url: RETURN_URL,
      outcome: "approve",
    });
    expect(redirectParams(approve).get("redirect_status")).toBe("succeeded");
    expect((await stripe.paymentIntents.retrieve(approved.id)).status).toBe("succeeded");

    const failed = await intent();
    await pay(failed, "pm_card_authenticationRequired");
    const fail = await submitForm(`${standin.url}/3ds/${failed.id}/complete`, {
      client_secret: String(failed.client_secret),
      return_url: RETURN_URL,
      outcome: "fail",
    });
    expect(redirectParams(fail).get("redirect_status")).toBe("failed");
    expect((await stripe.paymentIntents.retrieve(failed.id)).last_payment_error?.code).toBe("payment_intent_authentication_failure");

    const left = await intent();
    await pay(left, "pm_card_authenticationRequired");
    const cancel = await submitForm(`${standin.url}/3ds/${left.id}/complete`, {
      client_secret: String(left.client_secret),
      return_url: RETURN_URL,
      outcome: "cancel",
    });
    expect(redirectParams(cancel).get("redirect_status")).toBe("requires_action");
    expect((await stripe.paymentIntents.retrieve(left.id)).status).toBe("requires_action");
  });

  it("without a return_url it shows the result itself; a paid intent cannot be paid again", async () => {
    const pi = await intent();
    const res = await submitForm(`${standin.url}/checkout/${pi.id}/confirm`, { client_secret: String(pi.client_secret), payment_method: "pm_card_visa" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<p role="status">Payment succeeded.</p>');

    const again = await (await fetch(`${standin.url}/checkout/${pi.id}?client_secret=${pi.client_secret}`)).text();
    expect(again).toContain("This payment has already been made.");
    expect(again).not.toContain('type="radio"');
  });
});
