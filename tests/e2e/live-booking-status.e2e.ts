// A guest keeps their confirmation page open; the provider cancels the booking from their own session;
// the guest's page says so and shows the new status without a reload, in a real Chromium. Needs the
// demo data the e2e stage of `npm test` seeds (Himalaya Yoga's free intro call, sita@example.com).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./support/api";
import { baseUrl, launchBrowser, newContext, screenshot, signIn } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A guest booking of the free intro call, well into the free times so other files do not take it. */
async function guestBooking() {
  const { providers } = await api<{ providers: Array<{ id: string; slug: string }> }>("/api/v1/providers?limit=100");
  const yoga = providers.find((p) => p.slug === "himalaya-yoga");
  if (!yoga) throw new Error("demo provider himalaya-yoga not found: run through `npm test` (seeds demo data)");
  const { services } = await api<{ services: Array<{ id: string; name: string }> }>(`/api/v1/providers/${yoga.id}`);
  const call = services.find((s) => s.name === "Free intro call")!;
  const from = new Date(Date.now() + 4 * 24 * 3600_000);
  const to = new Date(from.getTime() + 10 * 24 * 3600_000);
  const query = new URLSearchParams({ serviceId: call.id, from: from.toISOString(), to: to.toISOString() });
  const { slots } = await api<{ slots: Array<{ start: string }> }>(`/api/v1/providers/${yoga.id}/availability?${query}`);
  const slot = slots[Math.floor(slots.length * 0.7)];
  if (!slot) throw new Error("no free intro call time in the next days");
  return api<{ booking: { code: string; status: string }; manageToken: string }>("/api/v1/bookings", {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `e2e-live-status-${crypto.randomUUID()}` },
    body: JSON.stringify({
      serviceId: call.id,
      providerId: yoga.id,
      start: slot.start,
      timeZone: "Europe/Lisbon",
      customer: { name: "Lena Live", email: `lena-${Date.now()}@example.test` },
    }),
  });
}

describe("a booking's page", () => {
  it("shows the provider's cancellation as it happens, without a reload", async () => {
    const { booking, manageToken } = await guestBooking();
    expect(booking.status).toBe("confirmed");

    const guest = await newContext(browser);
    const page = await guest.newPage();
    await page.goto(`/bookings/${booking.code}?token=${encodeURIComponent(manageToken)}`);
    await expect(page.getByTestId("headline").innerText()).resolves.not.toBe("Cancelled");
    await page.locator('[data-testid="live-booking-status"][data-state="live"]').waitFor({ state: "attached", timeout: 20_000 });
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });

    // The provider, elsewhere, calls it off through the API with their own session.
    const provider = await newContext(browser);
    const providerPage = await provider.newPage();
    await signIn(providerPage, "sita@example.com", "/provider");
    await providerPage.waitForURL(/\/provider$/);
    const cancelled = await providerPage.request.post(`/api/v1/bookings/${booking.code}/cancel`, {
      data: { reason: "Teacher unwell" },
      headers: { origin: baseUrl() },
    });
    expect(cancelled.status()).toBe(200);

    await expect(page.getByTestId("live-booking-status").filter({ hasText: "This booking was cancelled." }).waitFor({ timeout: 20_000 })).resolves.toBeUndefined();
    // The page's loader ran again: the server-rendered headline says it too.
    await page.getByTestId("headline").filter({ hasText: /^Cancelled$/ }).waitFor({ timeout: 10_000 });
    await expect(page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).resolves.toBe(true);
    await screenshot(page, "booking-cancelled-live");
    await guest.close();
    await provider.close();
  });
});
