// The customer journey in a real Chromium: a guest books and pays in three steps and receives the
// email; a declined card is retried; two browsers race for one slot and the loser is offered
// alternatives; a customer cancels (after confirming the refund) and gets the policy's refund, and
// moves a booking after confirming old → new. Needs the demo data `npm test` seeds.
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

const uniqueEmail = (name: string) => `${name}-${Date.now().toString(36)}@example.test`;

/** Step 1: open the service from the home page, rendered in the browser's zone (Europe/Berlin) remembered by the home page. */
async function openService(page: Page, serviceLabel: string) {
  await page.goto("/");
  await page.getByRole("link", { name: serviceLabel }).click();
  await page.waitForURL(/\/book\/[0-9a-f-]+/);
  await page.locator('input[name="tz"][value="Europe/Berlin"]').waitFor();
  await page.getByTestId("slot").first().waitFor();
}

/** Step 2: details as a guest, then on to the (stand-in) checkout. */
async function enterDetails(page: Page, name: string, email: string) {
  await page.waitForURL(/\/details\?/);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: /Continue to payment/ }).click();
  await page.waitForURL(/\/checkout\/pi_/);
}

async function payWith(page: Page, cardDescription: RegExp) {
  await page.getByLabel(cardDescription).check();
  await page.getByRole("button", { name: /^Pay / }).click();
}

describe("booking flow", () => {
  it("a guest books and pays in three steps, sees both zones, and receives the confirmation email", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(page, "Book Private yoga session with Himalaya Yoga");
    await screenshot(page, "step1-pick-slot");
    await page.getByTestId("slot").nth(2).click();

    const email = uniqueEmail("grace");
    await page.waitForURL(/\/details\?/);
    await expect(page.getByTestId("time-customer").innerText()).resolves.toContain("Europe/Berlin");
    await expect(page.getByTestId("time-provider").innerText()).resolves.toContain("Asia/Kathmandu");
    await expect(page.getByTestId("total").innerText()).resolves.toBe("$30.00");
    await expect(page.getByTestId("hold-countdown").innerText()).resolves.toMatch(/held for you for \d+:\d\d/);
    // Before paying: the refund deadlines in the customer's zone, and what signing in would change.
    const deadlines = await page.getByTestId("policy-deadlines").innerText();
    // The slot is soon (under 24 h ahead, depending on the hour the test runs), so the full refund may have passed.
    expect(deadlines).toMatch(/(Full refund \(\$30\.00\)|50 % refund \(\$15\.00\)) if you cancel until \w{3}, \d{1,2} \w{3} \d{4}, \d\d:\d\d CET/);
    expect(deadlines).toMatch(/No refund after /);
    await expect(page.getByTestId("policy-summary").innerText()).resolves.toContain("Full refund until 24 hours before the start");
    await expect(page.getByTestId("sign-in-fee").innerText()).resolves.toContain("$3.00 (10 %) instead of $3.60 (12 %)");
    await expect(page.getByRole("link", { name: "Sign in for the lower platform fee" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "step2-details");
    await enterDetails(page, "Grace Guest", email);
    await screenshot(page, "checkout-standin");
    await payWith(page, /Succeeds/);

    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await expect(page.getByTestId("headline").innerText()).resolves.toBe("You're booked");
    const code = await page.getByTestId("confirmation-code").innerText();
    await expect(page.getByTestId("ics-link").getAttribute("href")).resolves.toContain(`/bookings/${code}/calendar.ics?token=`);
    await screenshot(page, "step3-confirmation");

    const ics = await page.evaluate(async (href) => (await fetch(href!)).text(), await page.getByTestId("ics-link").getAttribute("href"));
    expect(ics).toContain("BEGIN:VEVENT");
    expect(ics).toMatch(/UID:booking-[0-9a-f-]+@edge-booking/);

    await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
    const mail = page.getByTestId("email").filter({ hasText: `Confirmed: Private yoga session with Himalaya Yoga (${code})` });
    await expect(mail.count()).resolves.toBe(1);
    await expect(mail.innerText()).resolves.toContain("booking.ics");
    await screenshot(page, "mailbox");
  });

  it("a free service is booked in two steps: no payment, confirmed at once", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(page, "Book Free intro call with Himalaya Yoga");
    await page.getByTestId("slot").nth(1).click();
    await page.waitForURL(/\/details\?/);
    await expect(page.getByTestId("total").innerText()).resolves.toBe("Free");
    await page.getByLabel("Name").fill("Fern Free");
    await page.getByLabel("Email").fill(uniqueEmail("fern"));
    await page.getByRole("button", { name: "Confirm booking · free" }).click();
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await expect(page.getByTestId("headline").innerText()).resolves.toBe("You're booked");
    await screenshot(page, "free-booking-confirmed");
  });

  it("a declined card can be retried while the slot is held", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(page, "Book Guided meditation with Himalaya Yoga");
    await page.getByTestId("slot").nth(3).click();
    await page.waitForURL(/\/details\?/);
    // One deadline across the pages (decision 0016): the hold's countdown continues on the pay page.
    const heldUntil = await page.getByTestId("hold-countdown").getAttribute("data-deadline");
    expect(Date.parse(heldUntil!)).toBeGreaterThan(Date.now());
    await enterDetails(page, "Dana Declined", uniqueEmail("dana"));
    await payWith(page, /Declined \(generic decline\)/);

    await page.waitForURL(/\/pay\?token=.*declined=1/);
    await expect(page.getByTestId("declined").innerText()).resolves.toContain("declined");
    await expect(page.getByTestId("hold-countdown").getAttribute("data-deadline")).resolves.toBe(heldUntil);
    await screenshot(page, "payment-declined");
    await page.getByRole("button", { name: "Try again" }).click();
    await page.waitForURL(/\/checkout\/pi_/);
    await payWith(page, /Succeeds/);
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await expect(page.getByTestId("headline").innerText()).resolves.toBe("You're booked");
  });

  it("two browsers race for one slot: one holds it, the other is offered alternatives", async () => {
    const first = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    const second = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await Promise.all([openService(first, "Book Follow-up treatment with Thames Physio"), openService(second, "Book Follow-up treatment with Thames Physio")]);
    const start = await first.getByTestId("slot").nth(4).getAttribute("data-start");
    const button = (page: Page) => page.locator(`[data-testid="slot"][data-start="${start}"]`);
    // Pressed in the pages, both at the same moment: each page is armed with the button and a shared
    // wall-clock deadline, then clicks on its own. (Playwright's click first waits for the button to be
    // stable, and one page after the other lets the winner's hold reach the other page live first.)
    const at = Date.now() + 400;
    await Promise.all(
      [first, second].map((page) =>
        button(page).evaluate(
          (slot, deadline) => void setTimeout(() => (slot as HTMLButtonElement).click(), Math.max(0, deadline - Date.now())),
          at,
        ),
      ),
    );

    // Held (the details step), refused (the error with alternatives), or, on a machine slow enough that
    // the winner's hold reached the page before its click ran, the time already gone from the page.
    // (A page's own hold also takes the time off its page before it moves on, so "gone" is only what
    // is left when neither of the others happens.)
    const outcome = async (page: Page) => {
      try {
        await page.waitForFunction(() => location.pathname.endsWith("/details") || document.querySelector("#hold-error") !== null, undefined, { timeout: 15_000 });
      } catch {
        return "gone";
      }
      return new URL(page.url()).pathname.endsWith("/details") ? "held" : "refused";
    };
    const results = await Promise.all([outcome(first), outcome(second)]);
    expect(results.filter((r) => r === "held")).toHaveLength(1);
    const loser = results[0] === "held" ? second : first;
    if (results.includes("refused")) {
      await expect(loser.locator("#hold-error").innerText()).resolves.toContain("nearest free times");
      await expect(loser.getByTestId("alternative").count()).resolves.toBeGreaterThan(0);
      expect(await loser.getByTestId("alternative").first().getAttribute("data-start")).not.toBe(start);
      await screenshot(loser, "race-loser-alternatives");
    } else {
      // Never held twice: the loser's page took the time away before the click could ask for it.
      await expect(button(loser).count()).resolves.toBe(0);
    }

    // Someone else holds another slot: the loser's page updates live, and keeps the refusal and its
    // alternatives on screen (a revalidation must not wipe them).
    await loser.getByTestId("live-status").and(loser.locator('[data-status="live"]')).waitFor();
    const third = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(third, "Book Follow-up treatment with Thames Physio");
    const other = await third.getByTestId("slot").nth(8).getAttribute("data-start");
    await third.locator(`[data-testid="slot"][data-start="${other}"]`).click();
    await third.waitForURL(/\/details\?/);
    await loser.locator(`[data-testid="slot"][data-start="${other}"]`).waitFor({ state: "detached", timeout: 15_000 });
    if (results.includes("refused")) await expect(loser.locator("#hold-error").innerText()).resolves.toContain("nearest free times");
  });

  it("a slot someone else holds disappears from an open page without a reload", async () => {
    const watcher = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    const taker = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(watcher, "Book Initial assessment with Thames Physio");
    await watcher.getByTestId("live-status").and(watcher.locator('[data-status="live"]')).waitFor();
    await openService(taker, "Book Initial assessment with Thames Physio");
    const start = await taker.getByTestId("slot").nth(1).getAttribute("data-start");
    await taker.locator(`[data-testid="slot"][data-start="${start}"]`).click();
    await taker.waitForURL(/\/details\?/);
    await watcher.locator(`[data-testid="slot"][data-start="${start}"]`).waitFor({ state: "detached", timeout: 15_000 });
  });

  it("a time someone lets go of comes back on an open page, and live events never re-run its loaders", async () => {
    const watcher = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    const taker = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(watcher, "Book Initial assessment with Thames Physio");
    await watcher.getByTestId("live-status").and(watcher.locator('[data-status="live"]')).waitFor();
    // From here on the watcher does nothing: every request it makes is the live machinery's.
    // Route discovery (`/__manifest`, which Remix fetches when links enter the page) is left out: it
    // carries route modules' addresses, never data, and its timing after hydration is the browser's.
    const requests: URL[] = [];
    watcher.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname !== "/__manifest") requests.push(url);
    });
    await openService(taker, "Book Initial assessment with Thames Physio");
    const start = await taker.getByTestId("slot").nth(3).getAttribute("data-start");
    const shown = watcher.locator(`[data-testid="slot"][data-start="${start}"]`);
    await taker.locator(`[data-testid="slot"][data-start="${start}"]`).click();
    await taker.waitForURL(/\/details\?/);
    await shown.waitFor({ state: "detached", timeout: 15_000 });
    // Taken time is hidden from the event itself: no request at all.
    expect(requests.map((url) => url.pathname)).toEqual([]);
    await taker.getByTestId("choose-another").click();
    await taker.waitForURL(/\/book\/[0-9a-f-]+\?/);
    await shown.waitFor({ state: "attached", timeout: 15_000 });
    // Freed time is asked for once, through the JSON route, marked so it is not counted as a view.
    expect(requests.filter((url) => url.pathname.endsWith(".data"))).toEqual([]);
    const refreshes = requests.filter((url) => url.pathname.endsWith("/availability"));
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes.every((url) => url.searchParams.get("purpose") === "live-refresh")).toBe(true);
  });

  it("a customer cancels from the manage page and gets the policy's refund", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(page, "Book Private yoga session with Himalaya Yoga");
    // Far enough ahead for the policy's full refund (more than 24 hours before the start).
    await page.getByRole("link", { name: "Later →" }).click();
    await page.getByTestId("slot").first().waitFor();
    await page.getByTestId("slot").first().click();
    await enterDetails(page, "Carl Cancel", uniqueEmail("carl"));
    await payWith(page, /Succeeds/);
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await page.getByTestId("manage-link").click();
    await expect(page.getByTestId("refund-now").innerText()).resolves.toBe("$30.00");
    await screenshot(page, "manage");
    await page.getByRole("button", { name: "Cancel booking" }).click();
    // Nothing is cancelled yet: the page asks, stating the refund the server computes now.
    const question = page.getByTestId("confirm-cancel");
    await expect(question.innerText()).resolves.toMatch(/Cancel your booking on .+\? You get back \$30\.00 \(full refund\)\./);
    await expect(page.getByTestId("status").innerText()).resolves.toBe("confirmed");
    // The pressed button is gone: focus is on the question, so a screen reader reads it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("confirm-cancel-heading");
    await screenshot(page, "manage-confirm-cancel");
    await page.getByRole("button", { name: "Yes, cancel" }).click();
    await expect(page.getByTestId("manage-done").innerText()).resolves.toBe("Cancelled. Refunded $30.00 (full refund).");
    // The page's loader re-runs after the action: the status follows (refunded once Stripe has
    // processed the full refund the policy gives, which the stand-in does at once).
    await page.getByTestId("status").filter({ hasText: /^(cancelled|refunded)$/ }).waitFor();
  });

  it("a customer reschedules from the manage page after confirming the move, and the booking page says it moved", async () => {
    const page = await (await newContext(browser, { timezoneId: "Europe/Berlin" })).newPage();
    await openService(page, "Book Private yoga session with Himalaya Yoga");
    // Far enough ahead that the policy still allows moving it.
    await page.getByRole("link", { name: "Later →" }).click();
    await page.getByTestId("slot").first().waitFor();
    await page.getByTestId("slot").first().click();
    await enterDetails(page, "Rita Reschedule", uniqueEmail("rita"));
    await payWith(page, /Succeeds/);
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    const oldTime = (await page.getByTestId("time-customer").innerText()).split("–")[0]!;
    await page.getByTestId("manage-link").click();
    // The list pages both ways: later, then back to earlier dates (each time waiting for the page the
    // link leads to, so the slots read below are that page's, not the one being left).
    for (const name of ["Later dates →", "← Earlier dates"]) {
      const link = page.getByRole("link", { name });
      const target = new URL((await link.getAttribute("href"))!, page.url());
      await link.click();
      await page.waitForURL((url) => url.search === target.search);
    }
    await page.getByTestId("reschedule-slot").first().waitFor();
    const newTime = await page.getByTestId("reschedule-slot").first().innerText();
    await page.getByTestId("reschedule-slot").first().click();
    const question = page.getByTestId("confirm-reschedule").getByRole("heading");
    await expect(question.innerText()).resolves.toBe(`Move from ${oldTime} to ${newTime} (Europe/Berlin)?`);
    await screenshot(page, "manage-confirm-reschedule");
    await page.getByRole("button", { name: "Yes, move it" }).click();
    await page.waitForURL(/\/bookings\/[0-9A-Z]{4}-[0-9A-Z]{4}\?token=/);
    await expect(page.getByTestId("moved").innerText()).resolves.toBe(`Moved from ${oldTime} to ${newTime} (Europe/Berlin).`);
    await expect(page.getByTestId("time-customer").innerText()).resolves.toMatch(new RegExp(`^${newTime.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}–`));
    await screenshot(page, "rescheduled-confirmation");
  });
});
