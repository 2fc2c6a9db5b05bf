// An automated accessibility audit (axe-core, WCAG 2.1 A and AA rules) of the pages people use most:
// the customer's three steps, sign-in and sign-up, the provider's calendar and editors, the admin
// pages. Axe finds what a machine can (names, roles, contrast, structure, ARIA); keyboard use and
// focus handling are covered by the flow tests.
import { demoConfirmationCode } from "../../db/seed";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newContext, signIn } from "./support/browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Axe's violations on the page as it is now, one readable line each (empty when it passes). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations.map(
    (v) => `${new URL(page.url()).pathname}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`,
  );
}

async function audit(page: Page, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const response = await page.goto(path);
    // An error page would pass for the page it replaced.
    if (response?.status() !== 200) found.push(`${path}: answered ${response?.status()}, not the page`);
    await page.waitForLoadState("networkidle");
    found.push(...(await violations(page)));
  }
  return found;
}

describe("accessibility (axe, WCAG 2.1 AA)", () => {
  it("public pages and the customer's booking steps", async () => {
    const page = await (await newContext(browser)).newPage();
    const found = await audit(page, ["/", "/?q=yoga", "/providers/himalaya-yoga", "/sign-in", "/sign-up"]);
    await page.goto("/");
    await page.getByRole("link", { name: "Book Private yoga session with Himalaya Yoga" }).click();
    await page.waitForURL(/\/book\/[0-9a-f-]+/);
    await page.getByTestId("slot").first().waitFor();
    await page.waitForLoadState("networkidle");
    found.push(...(await violations(page)));
    await page.getByTestId("slot").nth(5).click();
    await page.waitForURL(/\/details\?/);
    found.push(...(await violations(page)));
    // A form with errors (submitted empty, past the browser's own checks, as a script-less client
    // could): the server's error summary and the invalid fields must stay accessible too.
    const bookingForm = page.locator("form[method=post]").filter({ has: page.getByRole("button", { name: /Continue to payment/ }) });
    await bookingForm.evaluate((form) => ((form as HTMLFormElement).noValidate = true));
    await page.getByRole("button", { name: /Continue to payment/ }).click();
    await page.getByText("Please check the highlighted fields.").waitFor();
    found.push(...(await violations(page)));
    expect(found).toEqual([]);
  });

  it("the provider's area", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "sita@example.com", "/provider");
    await page.waitForURL(/\/provider$/);
    const found = await audit(page, ["/provider", "/provider?view=day", "/provider/calendar", "/provider/schedule", "/provider/services", "/provider/services/new", "/provider/earnings"]);
    expect(found).toEqual([]);
  });

  it("the admin area", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "admin@example.com", "/admin");
    await page.waitForURL(/\/admin$/);
    // One booking's full history too (a demo booking seeded for every provider).
    const history = `/admin/bookings/${demoConfirmationCode("ana-hair-studio", 2)}`;
    const found = await audit(page, ["/admin", "/admin/bookings", history, "/admin/payouts", "/admin/metrics"]);
    expect(found).toEqual([]);
  });

  it("the account's sign-in and security page, also with a refused password change", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, "admin@example.com", "/account");
    await page.waitForURL(/\/account$/);
    await page.getByRole("link", { name: "Sign-in and security" }).click();
    await page.getByRole("heading", { name: "Signed-in devices" }).waitFor();
    expect(await page.getByTestId("security-device").filter({ hasText: "(this device)" }).count()).toBe(1);
    const found = await violations(page);
    await page.getByLabel("Current password", { exact: true }).fill("not-the-password-1");
    await page.getByLabel("New password", { exact: true }).fill("another-secret-77");
    await page.getByLabel("Repeat the new password").fill("another-secret-77");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Current password is incorrect.").waitFor();
    // The error is tied to its field and the field has focus.
    expect(await page.getByLabel("Current password", { exact: true }).evaluate((input) => input === document.activeElement)).toBe(true);
    found.push(...(await violations(page)));
    expect(found).toEqual([]);
  });
});
