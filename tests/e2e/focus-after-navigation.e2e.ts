// Focus after navigation: a client-side move to another page puts focus on that page's heading, so a
// screen reader announces the new page ("You're booked") rather than staying silent on a stale
// button; moving within a page (the week arrows) leaves focus where the person was.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newContext, screenshot } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The focused element as "TAG: text", for readable failures. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return active ? `${active.tagName}: ${(active.textContent ?? "").trim()}` : "none";
  });
}

describe("focus after navigation", () => {
  it("moves to each new page's heading through a booking, and stays put on the week arrows", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await page.goto("/");
    // The first page is a full load: the browser announces it, nothing is moved.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("BODY");

    await page.getByRole("link", { name: "Book Free intro call with Himalaya Yoga" }).click();
    await page.waitForURL(/\/book\/[0-9a-f-]+/);
    await page.getByTestId("slot").first().waitFor();
    await expect.poll(() => focused(page)).toBe("H1: Free intro call");

    // Another week of the same page: the query changes, focus stays on the arrow that was pressed.
    const later = page.getByRole("link", { name: "Later →" });
    await later.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/[?&]date=/);
    await page.getByTestId("slot").first().waitFor();
    expect(await focused(page)).toBe("A: Later →");

    await page.getByTestId("slot").first().focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/details\?/);
    await expect.poll(() => focused(page)).toBe("H1: Free intro call");

    await page.getByLabel("Name").fill("Fiona Focus");
    await page.getByLabel("Email").fill(`fiona-${crypto.randomUUID().slice(0, 8)}@example.com`);
    await page.getByRole("button", { name: "Confirm booking · free" }).press("Enter");
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await expect.poll(() => focused(page)).toBe("H1: You're booked");
    await screenshot(page, "focus-on-confirmation-heading");
  });
});
