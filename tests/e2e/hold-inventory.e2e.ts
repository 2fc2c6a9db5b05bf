// Denial of inventory, as a person meets it: an indecisive customer picks a time, goes back, picks
// another, again and again (browser back and "Choose another time"), and is never refused; the times
// they abandoned are offered to everyone else at once, not hidden for the hold's ten minutes.
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

const SERVICE = "Book Beard trim with Ana's Hair Studio";

async function openService(page: Page) {
  await page.goto("/");
  await page.getByRole("link", { name: SERVICE }).click();
  await page.waitForURL(/\/book\/[0-9a-f-]+/);
  await page.getByTestId("slot").first().waitFor();
}

async function offeredStarts(page: Page): Promise<string[]> {
  return page.getByTestId("slot").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-start") ?? ""));
}

describe("holds an indecisive customer leaves behind", () => {
  it("picking, going back and picking again six times is never refused, and every abandoned time is free for others", async () => {
    const customer = await (await newContext(browser)).newPage();
    const other = await (await newContext(browser)).newPage();
    await openService(customer);
    const abandoned: string[] = [];
    for (let pick = 0; pick < 6; pick++) {
      const slot = customer.getByTestId("slot").nth(pick * 2);
      const start = (await slot.getAttribute("data-start"))!;
      await slot.click();
      await customer.waitForURL(/\/details\?/);
      await expect(customer.getByTestId("hold-countdown").innerText()).resolves.toMatch(/held for you for \d+:\d\d/);
      abandoned.push(start);
      // Half the time the browser's back button, half the time the page's own link.
      if (pick % 2 === 0) await customer.goBack();
      else await customer.getByTestId("choose-another").click();
      await customer.waitForURL(/\/book\/[0-9a-f-]+(\?.*)?$/);
      await customer.getByTestId("slot").first().waitFor();
      await expect(customer.getByRole("alert").count()).resolves.toBe(0);
    }
    await screenshot(customer, "hold-inventory-back-on-slot-page");
    // Someone else sees every time the customer picked and left.
    await openService(other);
    await expect.poll(async () => {
      await other.reload();
      const offered = new Set(await offeredStarts(other));
      return abandoned.filter((start) => !offered.has(start));
    }, { timeout: 10_000 }).toEqual([]);
  });

  it("a customer who keeps the details page open keeps the time: it is hidden from others until they leave", async () => {
    const customer = await (await newContext(browser)).newPage();
    const other = await (await newContext(browser)).newPage();
    await openService(customer);
    const slot = customer.getByTestId("slot").nth(15);
    const start = (await slot.getAttribute("data-start"))!;
    await slot.click();
    await customer.waitForURL(/\/details\?/);
    // A reload is a new view of the same hold: the old page's leaving beacon must not release it.
    await customer.reload();
    await expect(customer.getByTestId("hold-countdown").innerText()).resolves.toMatch(/held for you for \d+:\d\d/);
    await openService(other);
    await expect.poll(async () => {
      await other.reload();
      return (await offeredStarts(other)).includes(start);
    }, { timeout: 3_000 }).toBe(false);
    // Closing the tab lets go of it (pagehide beacon).
    await customer.close({ runBeforeUnload: true });
    await expect.poll(async () => {
      await other.reload();
      return (await offeredStarts(other)).includes(start);
    }, { timeout: 10_000 }).toBe(true);
  });
});
