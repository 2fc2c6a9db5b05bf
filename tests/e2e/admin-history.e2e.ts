// Admin pages in a real Chromium against the Worker with demo data: an admin signs in, finds a booking
// and reads its state history; the metrics dashboard draws its charts; a customer is refused.
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newContext, screenshot, signIn } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("admin area", () => {
  it("an admin finds a completed booking and sees its full state history", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "admin@example.com", "/admin/bookings");
    await page.waitForURL(/\/admin\/bookings$/);
    // The URL changes before React has rendered the client-side navigation: wait for the page itself.
    await page.getByRole("heading", { level: 1, name: "Bookings" }).waitFor();

    // Search with the form (a GET), as an admin would.
    await page.getByLabel("Customer email").fill("casey@example.com");
    await page.getByLabel("Status").selectOption("completed");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/status=completed/);
    const firstCode = page.locator('[data-testid="booking-row"] th a').first();
    // The URL changes before the filtered rows replace the unfiltered ones: poll until they have.
    await expect.poll(async () => (await firstCode.innerText()).trim(), { timeout: 15_000 }).toMatch(/^SEED-/);
    const code = (await firstCode.innerText()).trim();
    await screenshot(page, "admin-bookings-search");

    await firstCode.click();
    await page.waitForURL(new RegExp(`/admin/bookings/${code}$`));
    await page.getByRole("heading", { name: "State history" }).waitFor();
    const trail = await page.locator('[data-testid="audit-row"] th').allInnerTexts();
    expect(trail).toEqual(["(created) → pending", "pending → confirmed", "confirmed → in progress", "in progress → completed"]);
    // The audit table is a labelled, keyboard-focusable region.
    const region = page.getByRole("region", { name: "Audit trail: every status change, oldest first" });
    await expect(region.getAttribute("tabindex")).resolves.toBe("0");
    await screenshot(page, "admin-booking-history");
  });

  it("the metrics dashboard renders tables on the server and draws charts in the browser", async () => {
    // A little recorded traffic (the demo seed records none), written straight into the e2e database.
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(
        `insert into metric_events (name, value, labels, created_at)
         select name, value, labels::jsonb, now() - (n || ' hours')::interval
         from (values ('funnel.search', 1, '{}', 40), ('funnel.slot_view', 1, '{}', 24), ('funnel.hold', 1, '{}', 10),
                      ('funnel.payment_started', 1, '{}', 6), ('funnel.confirmed', 1, '{}', 4),
                      ('latency.availability_ms', 35, '{}', 40), ('latency.booking_create_ms', 120, '{}', 8),
                      ('error', 1, '{"kind":"validation"}', 5), ('error', 1, '{"kind":"conflict"}', 2)) as v(name, value, labels, count),
              generate_series(1, count) as n`,
      );
    } finally {
      await client.end();
    }
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "admin@example.com", "/admin/metrics");
    await page.waitForURL(/\/admin\/metrics$/);
    await page.getByRole("heading", { level: 1, name: "Metrics" }).waitFor();
    await expect(page.locator('[data-testid="funnel-row"]').count()).resolves.toBe(5);
    // Each step counts at least what was inserted above (other runs may have added more).
    const counts = (await page.locator('[data-testid="funnel-row"] td:nth-child(2)').allInnerTexts()).map(Number);
    expect(counts.every((n, i) => n >= [40, 24, 10, 6, 4][i]!)).toBe(true);
    // Whatever the counts, no step claims a conversion above 100 %.
    const shares = (await page.locator('[data-testid="funnel-row"] td').allInnerTexts()).flatMap((text) => [...text.matchAll(/([\d.]+) %/g)].map((m) => Number(m[1])));
    expect(shares.filter((share) => share > 100)).toEqual([]);
    // chart.js is loaded after hydration and draws into canvases with an accessible label.
    const chart = page.getByRole("img", { name: /Bar chart of the booking funnel/ });
    await chart.waitFor({ timeout: 15_000 });
    await expect(chart.evaluate((canvas: HTMLCanvasElement) => canvas.width > 0 && canvas.height > 0)).resolves.toBe(true);
    await page.getByRole("img", { name: /stacked bar chart of errors/i }).waitFor();
    // Let the (short) chart animation finish before the screenshot.
    await page.waitForTimeout(500);
    await screenshot(page, "admin-metrics");
  });

  it("the payouts page works on a phone-sized screen", async () => {
    const page = await (await newContext(browser, { viewport: { width: 390, height: 844 } })).newPage();
    await signIn(page, "admin@example.com", "/admin/payouts");
    await page.waitForURL(/\/admin\/payouts$/);
    await page.getByRole("heading", { name: "Reconciliation discrepancies" }).waitFor();
    await expect(page.getByRole("button", { name: "Run reconciliation now" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "admin-payouts-phone");
  });

  it("a customer is refused every admin page", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "casey@example.com", "/account");
    await page.waitForURL(/\/account$/);
    await page.getByRole("heading", { level: 1, name: "My bookings" }).waitFor();
    // The account lists the demo bookings as upcoming and past, each opening its own page.
    await page.getByRole("heading", { level: 2, name: "Upcoming" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Past" }).waitFor();
    const upcoming = page.getByRole("region", { name: "Upcoming" }).getByTestId("account-booking").first();
    await expect(upcoming.getByRole("link", { name: /^Manage booking / }).count()).resolves.toBe(1);
    await upcoming.getByRole("rowheader").getByRole("link").click();
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await page.getByTestId("confirmation-code").waitFor();
    await page.goBack();
    for (const path of ["/admin/bookings", "/admin/payouts", "/admin/metrics"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.locator("body").innerText()).resolves.toContain("You do not have access to this page.");
    }
    await screenshot(page, "admin-refused-customer");
  });
});
