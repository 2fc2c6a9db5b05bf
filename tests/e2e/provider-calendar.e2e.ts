// A provider keeps the calendar open; a customer books through the JSON API; the booking appears on
// the open page without a reload (the page's live feed → loader revalidation), in a real Chromium.
// Needs the demo data the e2e stage of `npm test` seeds (Ana's Hair Studio, ana@example.com).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./support/api";
import { launchBrowser, newContext, screenshot, signIn } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface Slot {
  start: string;
  startProvider: string;
}

/** Ana's provider id, one of her services that needs no approval, and a free slot a few days ahead. */
async function freeSlot(position: number) {
  const { providers } = await api<{ providers: Array<{ id: string; slug: string; timeZone: string }> }>("/api/v1/providers?limit=100");
  const ana = providers.find((p) => p.slug === "ana-hair-studio");
  if (!ana) throw new Error("demo provider ana-hair-studio not found: run through `npm test` (seeds demo data)");
  const { services } = await api<{ services: Array<{ id: string; requiresApproval: boolean }> }>(`/api/v1/providers/${ana.id}`);
  const from = new Date(Date.now() + 3 * 24 * 3600_000);
  const to = new Date(from.getTime() + 10 * 24 * 3600_000);
  for (const service of [...services].sort((a, b) => Number(a.requiresApproval) - Number(b.requiresApproval))) {
    const query = new URLSearchParams({ serviceId: service.id, from: from.toISOString(), to: to.toISOString() });
    const { slots } = await api<{ slots: Slot[] }>(`/api/v1/providers/${ana.id}/availability?${query}`);
    // A slot well into the list, so other e2e files booking the first free slots do not collide with it.
    const slot = slots[Math.floor(slots.length * position)];
    if (slot) return { providerId: ana.id, zone: ana.timeZone, serviceId: service.id, slot };
  }
  throw new Error("no free slot for Ana in the next days");
}

describe("provider calendar", () => {
  it("shows a booking created through the JSON API without a reload", async () => {
    const { providerId, zone, serviceId, slot } = await freeSlot(0.5);
    const localDate = slot.startProvider.slice(0, 10);

    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, "ana@example.com", "/provider");
    await page.waitForURL(/\/provider$/);
    // The home page starts with the requests inbox (answered inline; see tests/workers/provider-area).
    await page.getByRole("heading", { name: /Requests waiting for your answer \(\d+\)/ }).waitFor();
    await screenshot(page, "provider-requests-inbox");

    await page.goto(`/provider/calendar?view=week&date=${localDate}`);
    await expect(page.getByRole("heading", { name: "Calendar", level: 1 }).count()).resolves.toBe(1);
    await expect(page.locator("main").innerText()).resolves.toContain(zone);
    // The client component connects to the provider feed once the page has hydrated.
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 20_000 });
    await expect(page.getByTestId("live-status").getAttribute("data-transport")).resolves.toBe("websocket");
    // A marker on the window: a full reload would drop it.
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });

    const customerName = `Live Test ${Date.now().toString(36)}`;
    expect(await page.getByText(customerName).count()).toBe(0);
    const created = await api<{ booking: { code: string } }>("/api/v1/bookings", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `e2e-provider-calendar-${crypto.randomUUID()}` },
      body: JSON.stringify({
        serviceId,
        providerId,
        start: slot.start,
        timeZone: "Europe/Berlin",
        customer: { name: customerName, email: `live-${Date.now()}@example.test` },
      }),
    });

    const item = page.locator('[data-testid="calendar-booking"]', { hasText: customerName });
    await item.waitFor({ timeout: 20_000 });
    await expect(item.locator("a").getAttribute("href")).resolves.toContain(`/provider/bookings/${created.booking.code}`);
    await expect(page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).resolves.toBe(true);
    await expect(page.getByTestId("live-status").innerText()).resolves.toContain(`New booking: ${customerName}`);
    await screenshot(page, "provider-calendar-live");

    // The booking's page opens from the calendar.
    await item.locator("a").click();
    await page.waitForURL(new RegExp(`/provider/bookings/${created.booking.code}`));
    await expect(page.locator("main").innerText()).resolves.toContain(customerName);
    await screenshot(page, "provider-booking-detail");
    await context.close();
  });

  it("gives the provider a calendar address an app can subscribe to, and turns it off", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, "ana@example.com", "/provider");
    await page.waitForURL(/\/provider$/);
    await page.goto("/provider/calendar");
    const panel = page.getByTestId("calendar-feed");
    // Another run may have left one: start from none.
    if (await panel.getByRole("button", { name: "Turn it off" }).count()) {
      await panel.getByRole("button", { name: "Turn it off" }).click();
      await panel.getByRole("button", { name: "Create a calendar address" }).waitFor();
    }
    await panel.getByRole("button", { name: "Create a calendar address" }).click();
    await expect(panel.getByTestId("calendar-feed-notice").innerText()).resolves.toContain("ready");
    const address = await panel.getByLabel("Calendar address").inputValue();
    expect(address).toMatch(/\/feeds\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{43}\/calendar\.ics$/);
    await expect(panel.getByRole("link", { name: "open it in your calendar app" }).getAttribute("href")).resolves.toBe(address.replace(/^https?:/, "webcal:"));

    // What a calendar app does: a plain GET without the session.
    const feed = await fetch(address);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const ics = await feed.text();
    expect(ics).toContain("X-WR-CALNAME:Ana");
    expect(ics).toContain("BEGIN:VEVENT");

    await panel.getByRole("button", { name: "Turn it off" }).click();
    await panel.getByRole("button", { name: "Create a calendar address" }).waitFor();
    expect((await fetch(address)).status).toBe(404);
    await screenshot(page, "provider-calendar-feed");
    await context.close();
  });

  it("falls back to Server-Sent Events when the WebSocket cannot be opened", async () => {
    const { providerId, serviceId, slot } = await freeSlot(0.7);
    const context = await newContext(browser);
    const page = await context.newPage();
    // Every WebSocket to the live feed is refused (as by a proxy that does not pass WebSockets).
    await page.routeWebSocket(/\/api\/v1\/providers\/.*\/live/, (ws) => ws.close({ code: 1006 }));
    await signIn(page, "ana@example.com", "/provider");
    await page.waitForURL(/\/provider$/);
    await page.goto(`/provider/calendar?view=day&date=${slot.startProvider.slice(0, 10)}`);
    await page.locator('[data-testid="live-status"][data-state="live"][data-transport="sse"]').waitFor({ timeout: 20_000 });
    const customerName = `Sse Test ${Date.now().toString(36)}`;
    await api("/api/v1/bookings", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `e2e-provider-calendar-sse-${crypto.randomUUID()}` },
      body: JSON.stringify({ serviceId, providerId, start: slot.start, timeZone: "Europe/Berlin", customer: { name: customerName, email: `sse-${Date.now()}@example.test` } }),
    });
    await page.locator('[data-testid="calendar-booking"]', { hasText: customerName }).waitFor({ timeout: 20_000 });
    await context.close();
  });

  it("works on a phone-sized screen as a list of days", async () => {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, "ana@example.com", "/provider/calendar");
    await page.waitForURL(/\/provider\/calendar/);
    await page.getByRole("link", { name: /Next week/ }).waitFor();
    const headings = await page.locator(".cal-day-heading").count();
    expect(headings).toBe(7);
    // No horizontal scrolling on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, "provider-calendar-phone");
    await context.close();
  });

  it("edits weekly hours in place with JavaScript: a new row gets focus, nothing is saved until Save", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, "ana@example.com", "/provider/schedule");
    await page.waitForURL(/\/provider\/schedule/);
    await page.getByRole("heading", { name: "Weekly hours" }).waitFor();
    const saturday = page.getByRole("group", { name: "Saturday" });
    const before = await saturday.locator('input[type="time"]').count();
    await page.getByRole("button", { name: "Add hours for Saturday" }).click();
    await expect(saturday.locator('input[type="time"]').count()).resolves.toBe(before + 2);
    // Keyboard users land in the new row.
    await expect(page.evaluate(() => document.activeElement?.getAttribute("name"))).resolves.toBe(`day-6-start-${before / 2}`);
    expect(page.url()).toMatch(/\/provider\/schedule$/);
    await screenshot(page, "provider-schedule");
    await page.goto("/provider/services/new");
    await page.getByRole("heading", { name: "New service" }).waitFor();
    await screenshot(page, "provider-service-new");
    // Counts are number fields (a phone shows digits), and a wrong one is named in its own terms.
    const duration = page.getByRole("spinbutton", { name: "Duration" });
    await expect(duration.getAttribute("min")).resolves.toBe("1");
    await duration.fill("-5");
    await page.getByRole("button", { name: "Create service" }).click();
    await page.getByText("Duration must be at least 1 minute.").waitFor();
    await expect(page.getByRole("spinbutton", { name: "Duration" }).getAttribute("aria-invalid")).resolves.toBe("true");
    await context.close();
  });
});
