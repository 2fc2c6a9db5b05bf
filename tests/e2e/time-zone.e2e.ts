// The visitor's time zone: every page remembers the browser's zone, so a service's times are rendered
// in it by the server from the first byte; a first page opened before that (a link straight to a
// service) swaps it in with one data request, never a second page load.
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newContext } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const SERVICE = "Book Initial assessment with Thames Physio"; // Europe/London; the visitor is in Tokyo

function documentLoads(page: Page): Request[] {
  const loads: Request[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document") loads.push(request);
  });
  return loads;
}

describe("time zones", () => {
  it("renders a service's times in the visitor's zone from the first byte once any page was seen", async () => {
    const page = await (await newContext(browser, { timezoneId: "Asia/Tokyo" })).newPage();
    await page.goto("/");
    const href = await page.getByRole("link", { name: SERVICE }).getAttribute("href");
    // The server's own HTML for the service page, with the cookies the home page left.
    const html = await (await page.context().request.get(new URL(href!, page.url()).toString())).text();
    expect(html).toContain('value="Asia/Tokyo"');
    expect(html).toMatch(/GMT\+9|JST/);

    const loads = documentLoads(page);
    await page.getByRole("link", { name: SERVICE }).click();
    await page.getByTestId("slot").first().waitFor();
    await expect(page.locator('input[name="tz"]').inputValue()).resolves.toBe("Asia/Tokyo");
    expect(loads).toEqual([]);
  });

  it("swaps a first page's provider zone for the browser's with a data request, not a second load", async () => {
    const page = await (await newContext(browser, { timezoneId: "Asia/Tokyo" })).newPage();
    const lookup = await (await newContext(browser)).newPage();
    await lookup.goto("/");
    const href = await lookup.getByRole("link", { name: SERVICE }).getAttribute("href");
    await lookup.close();

    const loads = documentLoads(page);
    const response = await page.goto(href!);
    // The server could not know the zone yet: the first byte is in the provider's.
    expect(await response!.text()).toContain('value="Europe/London"');
    await page.waitForURL(/[?&]tz=Asia%2FTokyo/);
    await expect.poll(() => page.locator('input[name="tz"]').inputValue()).toBe("Asia/Tokyo");
    expect(loads.length).toBe(1);
    // Remembered: the next visit is in Tokyo from the first byte, with no swap.
    const again = await page.goto(href!);
    expect(await again!.text()).toContain('value="Asia/Tokyo"');
  });

  it("keeps a zone chosen in the picker over the browser's", async () => {
    const page = await (await newContext(browser, { timezoneId: "Asia/Tokyo" })).newPage();
    await page.goto("/");
    await page.getByRole("link", { name: SERVICE }).click();
    await page.getByTestId("slot").first().waitFor();
    // The list is searchable and labelled with offsets and local times; a name from it applies at once.
    await expect(page.locator('#known-zones option[value="Asia/Kathmandu"]').getAttribute("label")).resolves.toMatch(/^UTC\+05:45 · \d\d:\d\d$/);
    await expect(page.locator('#known-zones option[value="UTC"]').count()).resolves.toBe(1);
    await page.locator('input[name="tz"]').fill("America/New_York");
    await page.waitForURL(/[?&]tz=America%2FNew_York/);
    await page.goto("/");
    const href = await page.getByRole("link", { name: SERVICE }).getAttribute("href");
    const html = await (await page.context().request.get(new URL(href!, page.url()).toString())).text();
    expect(html).toContain('value="America/New_York"');
  });

  it("names a zone the way people know it: UTC, not Etc/UTC; Asia/Kolkata, not Asia/Calcutta", async () => {
    for (const [browserZone, shown] of [["Etc/UTC", "UTC"], ["Asia/Kolkata", "Asia/Kolkata"]]) {
      const page = await (await newContext(browser, { timezoneId: browserZone })).newPage();
      await page.goto("/");
      await page.getByRole("link", { name: SERVICE }).click();
      await page.getByTestId("slot").first().waitFor();
      await expect(page.locator('input[name="tz"]').inputValue(), browserZone).resolves.toBe(shown);
      await page.context().close();
    }
  });
});
