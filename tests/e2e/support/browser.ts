// Launches the machine's Chromium through playwright-core (Playwright's own browser download does not
// work offline), keeps screenshots of the pages the tests visit under test-results/screenshots, and
// signs in with the demo logins the e2e stage seeds.
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { DEMO_PASSWORD } from "../../../db/seed";

const CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
export const SCREENSHOT_DIR = path.resolve("test-results", "screenshots");

export function baseUrl(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error("E2E_BASE_URL is not set: run end-to-end tests through `npm test`.");
  return url;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? CHROMIUM_PATHS.find((p) => fs.existsSync(p));
  if (!executablePath) {
    throw new Error("No Chromium found. Install it with `apt-get install chromium` (the CI script does this).");
  }
  return chromium.launch({
    executablePath,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

let contexts = 0;

/**
 * A new browser profile, as a different customer on a different network: every context sends its own
 * CF-Connecting-IP (wrangler dev keeps a client's own header; Cloudflare sets it in production), since
 * hold and booking limits count per network address and every test browser runs on 127.0.0.1.
 * `ip` pins the address, to put two browsers on one network.
 */
export async function newContext(
  browser: Browser,
  options: { timezoneId?: string; viewport?: { width: number; height: number }; ip?: string } = {},
): Promise<BrowserContext> {
  contexts++;
  const ip = options.ip ?? `198.18.${Math.floor(contexts / 250) % 250}.${(contexts % 250) + 1}`;
  return browser.newContext({
    baseURL: baseUrl(),
    timezoneId: options.timezoneId ?? "Europe/Berlin",
    viewport: options.viewport ?? { width: 1280, height: 900 },
    extraHTTPHeaders: { "cf-connecting-ip": ip },
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Signs in through the form with a demo login (password of db/seed.ts); the caller waits for where it lands. */
export async function signIn(page: Page, email: string, redirectTo: string): Promise<void> {
  await page.goto(`/sign-in?${new URLSearchParams({ redirectTo })}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}
