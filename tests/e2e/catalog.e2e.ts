// A visitor finds services on the home page and opens a provider page, in a real Chromium.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newContext, screenshot } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("catalogue", () => {
  it("static files carry the same security headers as pages (served by wrangler before the Worker)", async () => {
    const page = await (await newContext(browser)).newPage();
    const assets: Array<Promise<Record<string, string>>> = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname.startsWith("/assets/")) assets.push(response.allHeaders());
    });
    await page.goto("/");
    await page.waitForLoadState("networkidle");
    expect(assets.length).toBeGreaterThan(0);
    for (const headers of await Promise.all(assets)) {
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    }
    // The tab shows the site's icon, served as a static file.
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(icon).toBe("/favicon.svg");
    const response = await page.request.get(icon!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("image/svg+xml");
  });

  it("lists demo services with price, duration and time zone, and searches by name", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Private yoga session" }).count()).resolves.toBe(1);
    const text = await page.locator("main").innerText();
    expect(text).toContain("Asia/Kathmandu");
    expect(text).toContain("£75.00");
    await screenshot(page, "home");

    await page.getByLabel("What are you looking for?").fill("meditation");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=meditation/);
    // The URL changes before the new results are rendered: poll until they are.
    await expect.poll(() => page.locator(".card h3").allInnerTexts(), { timeout: 15_000 }).toEqual(["Guided meditation"]);
  });

  it("opens a provider page that shows its zone and live hold count", async () => {
    const page = await (await newContext(browser, { viewport: { width: 390, height: 844 } })).newPage();
    await page.goto("/providers/himalaya-yoga");
    await expect(page.getByRole("heading", { level: 1 }).innerText()).resolves.toBe("Himalaya Yoga");
    await expect(page.getByTestId("live-holds").innerText()).resolves.toMatch(/slots? (is|are) being booked right now/);
    await screenshot(page, "provider-phone");
  });
});
