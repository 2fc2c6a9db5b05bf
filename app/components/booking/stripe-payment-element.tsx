// Production card entry: Stripe.js's Payment Element confirms the PaymentIntent in the browser (card
// data never touches our servers), then Stripe redirects to our payment-return URL, which applies the
// intent's state exactly like the local stand-in's checkout does. Loaded only when needed.
import { useEffect, useRef, useState } from "react";

interface StripeJs {
  elements(options: { clientSecret: string }): { create(type: "payment"): { mount(el: HTMLElement): void } };
  confirmPayment(options: { elements: unknown; confirmParams: { return_url: string } }): Promise<{ error?: { message?: string } }>;
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

function loadStripeJs(): Promise<void> {
  if (window.Stripe) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3/";
    script.onload = () => resolve();
    script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
    document.head.appendChild(script);
  });
}

export function StripePaymentElement({ publishableKey, clientSecret, returnUrl }: { publishableKey: string; clientSecret: string; returnUrl: string }) {
  const mountPoint = useRef<HTMLDivElement>(null);
  const stripeRef = useRef<{ stripe: StripeJs; elements: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    loadStripeJs()
      .then(() => {
        if (cancelled || !window.Stripe || !mountPoint.current) return;
        const stripe = window.Stripe(publishableKey);
        const elements = stripe.elements({ clientSecret });
        elements.create("payment").mount(mountPoint.current);
        stripeRef.current = { stripe, elements };
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [publishableKey, clientSecret]);

  async function pay(event: React.FormEvent) {
    event.preventDefault();
    if (!stripeRef.current) return;
    setBusy(true);
    const result = await stripeRef.current.stripe.confirmPayment({ elements: stripeRef.current.elements, confirmParams: { return_url: returnUrl } });
    // Only reached when confirmation failed before any redirect (e.g. a declined card).
    setBusy(false);
    setError(result.error?.message ?? "The payment could not be completed.");
  }

  return (
    <form onSubmit={pay} className="form">
      <div ref={mountPoint} />
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? "Paying…" : "Pay now"}
      </button>
    </form>
  );
}
