// Sign-in, sign-up, sign-out, CSRF, rate limits and role checks, through the Worker's real fetch
// handler inside workerd, against the test Postgres.
import { env } from "cloudflare:workers";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { bookings, emailOutbox, guestBookingSessions, jobRuns, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { CSRF_MESSAGES } from "../../workers/auth/csrf";
import { hashPassword, verifyPassword } from "../../workers/auth/password";
import { pruneRateLimitBuckets, rateLimit, SIGN_IN_LIMITS } from "../../workers/auth/rate-limit";
import { loadConfig } from "../../workers/env";
import { csrfFrom, fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const PASSWORD = "correct-horse-42";

type Role = "customer" | "provider" | "admin";
type Who = "guest" | Role;

const people = {
  customer: { email: `auth-customer-${suffix}@example.test`, name: `Casey ${suffix}`, role: "customer" as Role, id: "" },
  provider: { email: `auth-provider-${suffix}@example.test`, name: `Pat ${suffix}`, role: "provider" as Role, id: "" },
  admin: { email: `auth-admin-${suffix}@example.test`, name: `Ada ${suffix}`, role: "admin" as Role, id: "" },
  /** Was an admin when the cookie was issued, is a customer now. */
  demoted: { email: `auth-demoted-${suffix}@example.test`, name: `Dee ${suffix}`, role: "customer" as Role, id: "" },
};
const cookies: Record<string, string> = {};
const studio = { providerId: "", serviceId: "" };
const serviceName = `Auth test service ${suffix}`;
const jobName = `auth-test-job-${suffix}`;

function mintCookie(user: { id: string; role: Role; name: string }): Promise<string> {
  return signedInCookie({ userId: user.id, role: user.role, name: user.name }, config);
}

beforeAll(async () => {
  const passwordHash = await hashPassword(PASSWORD);
  await withDatabase(config, async (db) => {
    for (const person of Object.values(people)) {
      const [row] = await db.insert(users).values({ email: person.email, name: person.name, role: person.role, passwordHash }).returning();
      person.id = row!.id;
    }
    const [provider] = await db
      .insert(providers)
      .values({ userId: people.provider.id, slug: `auth-provider-${suffix}`, displayName: `Auth Studio ${suffix}`, timeZone: "Asia/Kathmandu" })
      .returning();
    const [service] = await db
      .insert(services)
      .values({ providerId: provider!.id, name: serviceName, category: "Testing", durationMinutes: 60, priceAmount: 5000, currency: "usd", cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    Object.assign(studio, { providerId: provider!.id, serviceId: service!.id });
    const startsAt = new Date(Date.now() + 2 * 24 * 3600_000);
    await db.insert(bookings).values(
      pageTestBookingRow({ providerId: provider!.id, serviceId: service!.id, timeZone: "Asia/Kathmandu" }, startsAt, 60, {
        confirmationCode: `AUTH-${suffix}`,
        idempotencyKey: `auth-${suffix}`,
        customerId: people.customer.id,
        status: "confirmed",
        customerName: people.customer.name,
        customerEmail: people.customer.email,
      }),
    );
    const started = new Date();
    await db.insert(jobRuns).values({ job: jobName, trigger: "* * * * *", startedAt: started, finishedAt: new Date(started.getTime() + 1500), outcome: "error", details: { error: "boom" } });
  });
  cookies.customer = await mintCookie(people.customer);
  cookies.provider = await mintCookie(people.provider);
  cookies.admin = await mintCookie(people.admin);
  cookies.demoted = await mintCookie({ ...people.demoted, role: "admin" });
});

/** Each test gets its own random client IP so rate-limit buckets never leak between tests or runs. */
function freshIp(): string {
  return `10.${[...crypto.getRandomValues(new Uint8Array(3))].join(".")}`;
}

/** name=value pairs from Set-Cookie headers, ready for a Cookie header. */
function cookiePairs(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(";")[0]!);
}

/** GET a page with a form and return what a browser would submit with it: the token and the cookies. */
async function openForm(path: string, cookie = "", origin?: string, ip = freshIp()) {
  const response = await fetchWorker(path, { headers: { cookie, "cf-connecting-ip": ip }, origin });
  expect(response.status).toBe(200);
  const html = await response.text();
  const jar = [cookie, ...cookiePairs(response)].filter(Boolean).join("; ");
  return { csrf: csrfFrom(html), cookie: jar, html, response };
}

function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}, origin?: string) {
  return fetchWorker(path, {
    method: "POST",
    origin,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("who may open which page", () => {
  // Every protected route, and who gets in. Everyone else: guests are redirected to sign-in,
  // signed-in users with another role get 403.
  const PROTECTED: Array<{ path: string; allowed: Role[]; shows: string }> = [
    { path: "/account", allowed: ["customer", "provider", "admin"], shows: "My bookings" },
    { path: "/account/security", allowed: ["customer", "provider", "admin"], shows: "Signed-in devices" },
    { path: "/provider", allowed: ["provider", "admin"], shows: "Your upcoming bookings" },
    { path: "/admin", allowed: ["admin"], shows: "Recent cron job runs" },
  ];
  const WHO: Who[] = ["guest", "customer", "provider", "admin"];

  for (const route of PROTECTED) {
    for (const who of WHO) {
      const expected = who === "guest" ? 302 : route.allowed.includes(who) ? 200 : 403;
      it(`${route.path} as ${who} → ${expected}`, async () => {
        const response = await fetchWorker(route.path, { headers: who === "guest" ? {} : { cookie: cookies[who]! } });
        expect(response.status).toBe(expected);
        const body = await response.text();
        if (expected === 302) expect(response.headers.get("location")).toBe(`/sign-in?redirectTo=${encodeURIComponent(route.path)}`);
        if (expected === 200) expect(body).toContain(route.shows);
        if (expected === 403) {
          expect(body).toContain("You do not have access to this page.");
          expect(body).not.toContain(route.shows);
        }
      });
    }
  }

  it("a demoted admin's old admin cookie no longer opens /admin or /provider", async () => {
    expect((await fetchWorker("/admin", { headers: { cookie: cookies.demoted! } })).status).toBe(403);
    expect((await fetchWorker("/provider", { headers: { cookie: cookies.demoted! } })).status).toBe(403);
  });

  it("a child route refuses when its data is requested alone (single fetch), not only through the layout", async () => {
    const response = await fetchWorker("/admin.data?_routes=routes%2Fadmin._index", { headers: { cookie: cookies.customer! } });
    const body = await response.text();
    expect(body).not.toContain(jobName);
    expect(body).toContain("You do not have access to this page.");
  });

  it("a session whose account no longer exists is cleared and sent to sign-in", async () => {
    const [gone] = await withDatabase(config, (db) => db.insert(users).values({ email: `ghost-${suffix}@example.test`, name: "Ghost", role: "admin" }).returning());
    const ghost = await mintCookie(gone!);
    await withDatabase(config, (db) => db.delete(users).where(eq(users.id, gone!.id)));
    const response = await fetchWorker("/admin", { headers: { cookie: ghost } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/sign-in?redirectTo=%2Fadmin");
    expect(response.headers.getSetCookie().join("\n")).toMatch(/eb_session=;.*Max-Age=0/);
  });

  it("a tampered cookie counts as a guest", async () => {
    const [payload, signature] = decodeURIComponent(cookies.customer!.split("=")[1]!).split(".");
    const forged = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    forged.role = "admin";
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const response = await fetchWorker("/admin", { headers: { cookie: `eb_session=${forgedPayload}.${signature}` } });
    expect(response.status).toBe(302);
  });

  it("the admin overview shows the counts and the cron job log", async () => {
    const html = await (await fetchWorker("/admin", { headers: { cookie: cookies.admin! } })).text();
    expect(html).toMatch(/data-testid="count-users">\d+/);
    expect(html).toMatch(/data-testid="count-bookings">\d+/);
    expect(html).toContain(jobName);
    expect(html).toContain("1.5 s");
    expect(html).toContain("boom");
  });

  it("the provider sees their upcoming booking in their own zone; the customer sees it in /account", async () => {
    const providerHtml = await (await fetchWorker("/provider", { headers: { cookie: cookies.provider! } })).text();
    expect(providerHtml).toContain(serviceName);
    expect(providerHtml).toContain(people.customer.name);
    expect(providerHtml).toContain("GMT+5:45");
    const accountHtml = await (await fetchWorker("/account", { headers: { cookie: cookies.customer! } })).text();
    expect(accountHtml).toContain(`AUTH-${suffix}`);
    // Listed as upcoming, linking to its own page and its manage page.
    expect(accountHtml).toContain('id="upcoming-heading"');
    expect(accountHtml).toContain(`href="/bookings/AUTH-${suffix}"`);
    expect(accountHtml).toContain(`href="/manage/AUTH-${suffix}"`);
    expect(accountHtml).toContain("$50.00");
    // Somebody else's account page does not list it.
    const otherHtml = await (await fetchWorker("/account", { headers: { cookie: cookies.admin! } })).text();
    expect(otherHtml).not.toContain(`AUTH-${suffix}`);
  });

  it("the nav shows the links for the role and a sign-out form", async () => {
    const guest = await (await fetchWorker("/")).text();
    expect(guest).toContain('href="/sign-in"');
    expect(guest).not.toContain('href="/admin"');
    const admin = await (await fetchWorker("/", { headers: { cookie: cookies.admin! } })).text();
    expect(admin).toContain('href="/admin"');
    expect(admin).toMatch(/<form method="post" action="\/sign-out"/);
    const customer = await (await fetchWorker("/", { headers: { cookie: cookies.customer! } })).text();
    expect(customer).toContain('href="/account"');
    expect(customer).not.toContain('href="/admin"');
  });
});

describe("sign-in through the real form", () => {
  it("signs in with the CSRF token scraped from the page and lands on redirectTo", async () => {
    const form = await openForm("/sign-in?redirectTo=%2Fprovider");
    expect(form.response.headers.getSetCookie().join("\n")).toMatch(/^eb_csrf=[\w-]+; Path=\/; HttpOnly; SameSite=Lax/m);
    expect(form.html).toContain('name="redirectTo" value="/provider"');
    const response = await postForm(
      "/sign-in",
      { csrf: form.csrf, email: people.provider.email.toUpperCase(), password: PASSWORD, redirectTo: "/provider" },
      { cookie: form.cookie, "cf-connecting-ip": freshIp(), origin: "http://example.test" },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/provider");
    const setCookie = response.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/eb_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/m);
    expect(setCookie).not.toContain("Secure");
    const session = cookiePairs(response).find((pair) => pair.startsWith("eb_session="))!;
    const page = await fetchWorker("/provider", { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(serviceName);
  });

  it("over https the cookies are Secure and the CSRF cookie is __Host- prefixed", async () => {
    const origin = "https://example.test";
    const form = await openForm("/sign-in", "", origin);
    expect(form.response.headers.getSetCookie().join("\n")).toMatch(/^__Host-eb_csrf=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure/m);
    const response = await postForm("/sign-in", { csrf: form.csrf, email: people.customer.email, password: PASSWORD }, { cookie: form.cookie, "cf-connecting-ip": freshIp() }, origin);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/account");
    expect(response.headers.getSetCookie().join("\n")).toMatch(/eb_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure/);
  });

  it("ignores an off-site redirectTo and sends the user to their home page", async () => {
    for (const redirectTo of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/.//evil.example", "/a/..//evil.example", "/%2e//evil.example"]) {
      const form = await openForm("/sign-in");
      const response = await postForm("/sign-in", { csrf: form.csrf, email: people.admin.email, password: PASSWORD, redirectTo }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("/admin");
    }
  });

  it("says the same thing for a wrong password and an unknown email", async () => {
    const form = await openForm("/sign-in");
    const wrong = await postForm("/sign-in", { csrf: form.csrf, email: people.customer.email, password: "wrong-password-1" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    const unknown = await postForm("/sign-in", { csrf: form.csrf, email: `nobody-${suffix}@example.test`, password: "wrong-password-1" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain("Email or password is incorrect.");
    expect(await unknown.text()).toContain("Email or password is incorrect.");
    expect(wrong.headers.getSetCookie().some((line) => line.startsWith("eb_session="))).toBe(false);
    // The typed email is kept, the password is not echoed back.
    expect(wrongHtml).toContain(`value="${people.customer.email}"`);
    expect(wrongHtml).not.toContain("wrong-password-1");
  });

  it("ties field errors to their inputs and focuses the first one", async () => {
    const form = await openForm("/sign-in");
    const response = await postForm("/sign-in", { csrf: form.csrf, email: "not-an-email", password: "" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/<input id="field-email" name="email" aria-invalid="true" aria-describedby="field-email-error" autofocus=""/);
    expect(html).toContain('<p id="field-email-error" class="error">Email must be an address like name@example.com.</p>');
    expect(html).toMatch(/<input id="field-password" name="password" aria-invalid="true" aria-describedby="field-password-error"(?! autofocus)/);
    expect(html).toContain('<label for="field-email">');
  });

  it("a signed-in visitor is never sent off-site, whatever the normalised redirectTo becomes", async () => {
    for (const page of ["/sign-in", "/sign-up"]) {
      for (const redirectTo of ["%2F.%2F%2Fevil.example", "%2Fa%2F..%2F%2Fevil.example", "%2F%252e%2F%2Fevil.example"]) {
        const response = await fetchWorker(`${page}?redirectTo=${redirectTo}`, { headers: { cookie: cookies.provider! } });
        expect(response.status, `${page}?redirectTo=${redirectTo}`).toBe(302);
        expect(response.headers.get("location")).toBe("/provider");
      }
    }
    // The form's hidden field carries only a checked value, too (here: none at all).
    const form = await openForm("/sign-in?redirectTo=%2Fa%2F..%2F%2Fevil.example");
    expect(form.html).not.toContain('name="redirectTo"');
  });

  it("a signed-in visitor of /sign-in is sent on", async () => {
    const response = await fetchWorker("/sign-in?redirectTo=%2Faccount", { headers: { cookie: cookies.provider! } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/account");
  });
});

describe("CSRF", () => {
  it("refuses a sign-in without the token, with a wrong token, or without the cookie", async () => {
    const form = await openForm("/sign-in");
    const base = { email: people.customer.email, password: PASSWORD };
    const missing = await postForm("/sign-in", base, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain(CSRF_MESSAGES.badToken);
    const wrong = await postForm("/sign-in", { ...base, csrf: "A".repeat(32) }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(wrong.status).toBe(403);
    const noCookie = await postForm("/sign-in", { ...base, csrf: form.csrf }, { "cf-connecting-ip": freshIp() });
    expect(noCookie.status).toBe(403);
    expect(await noCookie.text()).toContain(CSRF_MESSAGES.noCookie);
  });

  it("refuses a cross-site POST even with a valid token", async () => {
    const form = await openForm("/sign-in");
    const fields = { csrf: form.csrf, email: people.customer.email, password: PASSWORD };
    const evil = await postForm("/sign-in", fields, { cookie: form.cookie, origin: "https://evil.example", "cf-connecting-ip": freshIp() });
    expect(evil.headers.getSetCookie().some((line) => line.startsWith("eb_session="))).toBe(false);
    if (evil.headers.has("content-security-policy")) {
      // The entry is wired (withSecurityHeaders + refuseCrossSitePost): a 403 that says why.
      expect(evil.status).toBe(403);
      expect(await evil.text()).toContain(CSRF_MESSAGES.crossSite);
    } else {
      // Until then Remix's own Origin-vs-Host guard refuses it first, with a bare 500.
      expect([403, 500]).toContain(evil.status);
    }
    const fetchSite = await postForm("/sign-in", fields, { cookie: form.cookie, "sec-fetch-site": "cross-site", "cf-connecting-ip": freshIp() });
    expect(fetchSite.status).toBe(403);
    expect(await fetchSite.text()).toContain(CSRF_MESSAGES.crossSite);
  });

  it("binds signed-in forms to the session: a guest token or another user's token is refused", async () => {
    const guestForm = await openForm("/sign-in");
    const asCustomerWithGuestToken = await postForm("/sign-out", { csrf: guestForm.csrf }, { cookie: `${cookies.customer}; ${guestForm.cookie}` });
    expect(asCustomerWithGuestToken.status).toBe(403);
    const adminPage = await openForm("/sign-out", cookies.admin!);
    const withAdminsToken = await postForm("/sign-out", { csrf: adminPage.csrf }, { cookie: cookies.customer! });
    expect(withAdminsToken.status).toBe(403);
  });
});

describe("sign-out", () => {
  it("GET does not sign out; POST with the session's token clears the cookie and ends the session, so a copy of the cookie is signed out too", async () => {
    const cookie = await mintCookie(people.customer);
    const page = await openForm("/sign-out", cookie);
    expect(page.response.headers.getSetCookie().some((line) => line.startsWith("eb_session="))).toBe(false);
    const response = await postForm("/sign-out", { csrf: page.csrf, scope: "this" }, { cookie, origin: "http://example.test" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.getSetCookie().join("\n")).toMatch(/^eb_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/m);
    const copied = await fetchWorker("/account", { headers: { cookie } });
    expect(copied.status).toBe(302);
    expect(copied.headers.get("location")).toBe("/sign-in?redirectTo=%2Faccount");
    expect(copied.headers.getSetCookie().join("\n")).toMatch(/eb_session=;.*Max-Age=0/);
    // The other sessions of the same person are untouched.
    expect((await fetchWorker("/account", { headers: { cookie: cookies.customer! } })).status).toBe(200);
  });

  it("'Sign out on every device' ends all of the person's sessions", async () => {
    const [laptop, phone] = [await mintCookie(people.provider), await mintCookie(people.provider)];
    expect((await fetchWorker("/provider", { headers: { cookie: phone } })).status).toBe(200);
    const page = await openForm("/sign-out", laptop);
    expect(page.html).toContain("Sign out on every device");
    const response = await postForm("/sign-out", { csrf: page.csrf, scope: "everywhere" }, { cookie: laptop, origin: "http://example.test" });
    expect(response.status).toBe(302);
    for (const cookie of [laptop, phone, cookies.provider!]) expect((await fetchWorker("/provider", { headers: { cookie } })).status).toBe(302);
    cookies.provider = await mintCookie(people.provider); // later tests sign in as the provider again
  });

  it("a guest opening /sign-out goes home", async () => {
    const response = await fetchWorker("/sign-out");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
  });
});

describe("account security: devices and password", () => {
  const ORIGIN = { origin: "http://example.test" };

  async function newAccount(label: string) {
    const email = `auth-${label}-${suffix}@example.test`;
    const id = await withDatabase(config, async (db) => {
      const [row] = await db.insert(users).values({ email, name: `Sec ${label}`, role: "customer", passwordHash: await hashPassword(PASSWORD) }).returning();
      return row!.id;
    });
    return { id, email, role: "customer" as Role, name: `Sec ${label}` };
  }
  const sessionIdsIn = (html: string) => [...html.matchAll(/name="sessionId" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
  const signedIn = async (cookie: string) => (await fetchWorker("/account", { headers: { cookie } })).status === 200;

  it("lists the account's devices, marks this one, and signs out one other device from the list", async () => {
    const person = await newAccount("devices");
    const [laptop, phone, tablet] = [await mintCookie(person), await mintCookie(person), await mintCookie(person)];
    const page = await openForm("/account/security", laptop);
    expect(page.html.match(/data-testid="security-device"/g)).toHaveLength(3);
    expect(page.html).toContain("(this device)");
    const others = sessionIdsIn(page.html);
    expect(others).toHaveLength(2); // this device has a sign-out link instead of a form
    const response = await postForm("/account/security", { csrf: page.csrf, intent: "end-session", sessionId: others[0]! }, { cookie: laptop, ...ORIGIN });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("That device is signed out.");
    const left = await Promise.all([laptop, phone, tablet].map(signedIn));
    expect(left.filter(Boolean)).toHaveLength(2);
    expect(left[0]).toBe(true);
  });

  it("cannot end another person's session, nor its own through the list; a bad id names the field", async () => {
    const [me, victim] = [await newAccount("me"), await newAccount("victim")];
    const [mine, theirs] = [await mintCookie(me), await mintCookie(victim)];
    const theirId = sessionIdsIn((await openForm("/account/security", theirs)).html);
    const victimSecond = await mintCookie(victim);
    const victimIds = sessionIdsIn((await openForm("/account/security", victimSecond)).html);
    expect(theirId).toHaveLength(0);
    const target = victimIds[0]!; // the victim's first session, seen from their second
    const page = await openForm("/account/security", mine);
    const response = await postForm("/account/security", { csrf: page.csrf, intent: "end-session", sessionId: target }, { cookie: mine, ...ORIGIN });
    expect(await response.text()).toContain("That device was already signed out.");
    expect(await signedIn(theirs)).toBe(true);
    const bad = await postForm("/account/security", { csrf: page.csrf, intent: "end-session", sessionId: "not-a-uuid" }, { cookie: mine, ...ORIGIN });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("sessionId must name one of your sessions.");
    const csrfless = await postForm("/account/security", { intent: "end-others" }, { cookie: mine, ...ORIGIN });
    expect(csrfless.status).toBe(403);
  });

  it("'sign out every other device' keeps this one", async () => {
    const person = await newAccount("others");
    const [laptop, phone, tablet] = [await mintCookie(person), await mintCookie(person), await mintCookie(person)];
    const page = await openForm("/account/security", laptop);
    const response = await postForm("/account/security", { csrf: page.csrf, intent: "end-others" }, { cookie: laptop, ...ORIGIN });
    expect(await response.text()).toContain("Signed out 2 other devices.");
    expect(await Promise.all([laptop, phone, tablet].map(signedIn))).toEqual([true, false, false]);
  });

  it("a password change needs the current password, names each bad field, signs out the other devices and replaces the password", async () => {
    const person = await newAccount("password");
    const [laptop, phone] = [await mintCookie(person), await mintCookie(person)];
    const page = await openForm("/account/security", laptop);
    const change = (fields: Record<string, string>) =>
      postForm("/account/security", { csrf: page.csrf, intent: "change-password", ...fields }, { cookie: laptop, ...ORIGIN });

    const mismatch = await change({ currentPassword: PASSWORD, newPassword: "another-secret-77", confirmPassword: "another-secret-78" });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain("The two new passwords do not match.");
    const weak = await change({ currentPassword: PASSWORD, newPassword: "short", confirmPassword: "short" });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain("New password must be at least 10 characters");
    const wrong = await change({ currentPassword: "not-the-password-1", newPassword: "another-secret-77", confirmPassword: "another-secret-77" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Current password is incorrect.");
    expect(await signedIn(phone)).toBe(true); // nothing changed yet

    const changed = await change({ currentPassword: PASSWORD, newPassword: "another-secret-77", confirmPassword: "another-secret-77" });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Your password is changed. 1 other device was signed out.");
    expect(await Promise.all([laptop, phone].map(signedIn))).toEqual([true, false]);
    const stored = await withDatabase(config, (db) => db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, person.id)));
    expect(await verifyPassword("another-secret-77", stored[0]!.hash!)).toBe(true);
    expect(await verifyPassword(PASSWORD, stored[0]!.hash!)).toBe(false);
    const ended = await withDatabase(config, (db) =>
      db.execute(sql`select end_reason from user_sessions where user_id = ${person.id} and ended_at is not null`),
    );
    expect(ended.rows.map((row) => row.end_reason)).toEqual(["password_changed"]);
  });

  it("limits password-change attempts per account (429 with Retry-After), so a stolen session cannot guess the password", async () => {
    const person = await newAccount("guess");
    const cookie = await mintCookie(person);
    const page = await openForm("/account/security", cookie);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await postForm(
        "/account/security",
        { csrf: page.csrf, intent: "change-password", currentPassword: `guess-${i}-abcdef`, newPassword: "another-secret-77", confirmPassword: "another-secret-77" },
        { cookie, ...ORIGIN },
      );
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });
});

describe("sign-up", () => {
  /** Signs up through the form (which signs nobody in), then signs in with the password: the cookies of that browser. */
  async function signUpThenSignIn(name: string, email: string, password: string): Promise<string> {
    const form = await openForm("/sign-up");
    const response = await postForm("/sign-up", { csrf: form.csrf, name, email, password }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('data-testid="sign-up-sent"');
    const signIn = await openForm("/sign-in", form.cookie);
    const signedIn = await postForm("/sign-in", { csrf: signIn.csrf, email, password }, { cookie: signIn.cookie, "cf-connecting-ip": freshIp() });
    expect(signedIn.status).toBe(302);
    return [signIn.cookie, ...cookiePairs(signedIn)].join("; ");
  }

  it("shows every problem next to its field, the password rules naming the field", async () => {
    const form = await openForm("/sign-up");
    const response = await postForm("/sign-up", { csrf: form.csrf, name: " ", email: "nope", password: "shortpass" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Name is required.");
    expect(html).toContain("Email must be an address like name@example.com.");
    expect(html).toContain("Password must be at least 10 characters and must contain letters and digits.");
    expect(html).toMatch(/<input id="field-name" name="name" aria-invalid="true" aria-describedby="field-name-error" autofocus=""/);
    expect(html).toMatch(/<input id="field-password" name="password" aria-invalid="true" aria-describedby="field-password-hint field-password-error"/);
    expect(html).toContain('value="nope"');
  });

  it("answers an address that already has an account (any case) exactly as a new one, and mails its owner instead", async () => {
    const newEmail = `auth-fresh-${suffix}@example.test`;
    const answer = async (email: string) => {
      const form = await openForm("/sign-up");
      const response = await postForm("/sign-up", { csrf: form.csrf, name: "Someone", email, password: "another-pass-123" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
      const html = await response.text();
      return { status: response.status, cookies: cookiePairs(response), page: html.slice(html.indexOf('data-testid="sign-up-sent"'), html.indexOf("</section>")) };
    };
    const taken = await answer(people.customer.email.toUpperCase());
    const fresh = await answer(newEmail.toUpperCase());
    expect(taken.status).toBe(200);
    expect(taken.page).toContain("Check your inbox");
    // Same status, no cookie either way, and the same words but for the address itself.
    expect({ ...taken, page: taken.page.replace(people.customer.email, "ADDRESS") }).toEqual({ ...fresh, page: fresh.page.replace(newEmail, "ADDRESS") });
    expect(taken.cookies.filter((c) => c.startsWith("eb_session="))).toEqual([]);
    await withDatabase(config, async (db) => {
      const owners = await db.select().from(users).where(sql`lower(${users.email}) = ${people.customer.email}`);
      expect(owners).toHaveLength(1);
      expect(await verifyPassword(PASSWORD, owners[0]!.passwordHash!)).toBe(true); // untouched
      const mails = await db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, owners[0]!.email));
      expect(mails.map((m) => m.kind)).toContain("account_exists");
      const note = mails.find((m) => m.kind === "account_exists")!;
      expect(note.textBody).toContain("You already have one, so nothing was changed.");
      expect(note.textBody).toContain("/sign-in");
      const fresh = await db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, newEmail));
      expect(fresh.map((m) => m.kind)).toEqual(["verify_email"]);
    });
  });

  it("creates a customer (whatever role is posted) without signing in; the password then signs them in", async () => {
    const email = `auth-new-${suffix}@example.test`;
    const form = await openForm("/sign-up");
    const response = await postForm(
      "/sign-up",
      { csrf: form.csrf, name: "New Person", email: `  ${email.toUpperCase()} `, password: "fresh-password-2026", role: "admin" },
      { cookie: form.cookie, "cf-connecting-ip": freshIp() },
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`We sent a message to <strong>${email}</strong>`);
    expect(cookiePairs(response).filter((c) => c.startsWith("eb_session="))).toEqual([]);
    const signIn = await openForm("/sign-in");
    const signedIn = await postForm("/sign-in", { csrf: signIn.csrf, email, password: "fresh-password-2026" }, { cookie: signIn.cookie, "cf-connecting-ip": freshIp() });
    expect(signedIn.status).toBe(302);
    const cookie = [signIn.cookie, ...cookiePairs(signedIn)].join("; ");
    expect((await fetchWorker("/account", { headers: { cookie } })).status).toBe(200);
    expect((await fetchWorker("/admin", { headers: { cookie } })).status).toBe(403);
    const [row] = await withDatabase(config, (db) => db.select().from(users).where(eq(users.email, email)));
    expect(row!.role).toBe("customer");
    expect(await verifyPassword("fresh-password-2026", row!.passwordHash!)).toBe(true);
  });
  it("does not hand guest bookings to an unverified sign-up; the mailed link confirms the address and claims them", async () => {
    const email = `auth-guest-${suffix}@example.test`;
    const [guest] = await withDatabase(config, async (db) => {
      const sessions = await db.insert(guestBookingSessions).values({ email, name: "Guest", tokenHash: `hash-${suffix}`, expiresAt: new Date(Date.now() + 3600_000) }).returning();
      const row = pageTestBookingRow({ ...studio, timeZone: "Asia/Kathmandu" }, new Date(Date.now() + 4 * 24 * 3600_000), 60, {
        confirmationCode: `AUTG-${suffix}`,
        idempotencyKey: `auth-guest-${suffix}`,
        guestSessionId: sessions[0]!.id,
        status: "confirmed",
        customerName: "Guest",
        customerEmail: email,
      });
      await db.insert(bookings).values(row);
      return sessions;
    });
    const signedIn = await signUpThenSignIn("Guest Later", email, "guest-pass-2026");
    const { user, mail } = await withDatabase(config, async (db) => {
      const [user] = await db.select().from(users).where(eq(users.email, email));
      const [unclaimed] = await db.select().from(guestBookingSessions).where(eq(guestBookingSessions.id, guest!.id));
      expect(unclaimed!.claimedByUserId).toBeNull();
      expect(user!.emailVerifiedAt).toBeNull();
      const mail = await db.select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.kind, "verify_email")));
      return { user: user!, mail };
    });
    expect(mail).toHaveLength(1);
    expect((await (await fetchWorker("/account", { headers: { cookie: signedIn } })).text())).toContain('data-testid="verify-email-notice"');

    const link = new URL(mail[0]!.textBody.match(/https?:\/\/\S+\/verify-email\?token=\S+/)![0]);
    // A tampered link is refused and changes nothing.
    const tampered = await fetchWorker(`/verify-email?token=${encodeURIComponent(link.searchParams.get("token")!.slice(0, -2) + "xx")}`);
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain("not valid or has expired");
    expect((await fetchWorker("/verify-email")).status).toBe(400);

    const opened = await fetchWorker(`${link.pathname}${link.search}`);
    expect(opened.status).toBe(200);
    const page = await opened.text();
    expect(page).toContain("Email confirmed");
    expect(page).toContain("1 booking you made as a guest with this address is now in your account");
    await withDatabase(config, async (db) => {
      const [claimed] = await db.select().from(guestBookingSessions).where(eq(guestBookingSessions.id, guest!.id));
      expect(claimed!.claimedByUserId).toBe(user.id);
      const [booking] = await db.select().from(bookings).where(eq(bookings.confirmationCode, `AUTG-${suffix}`));
      expect(booking!.customerId).toBe(user.id);
      const [verified] = await db.select().from(users).where(eq(users.id, user.id));
      expect(verified!.emailVerifiedAt).not.toBeNull();
    });
    // Opening it again is harmless; the account page stops asking.
    expect(await (await fetchWorker(`${link.pathname}${link.search}`)).text()).toContain("Your email was already confirmed");
    expect(await (await fetchWorker("/account", { headers: { cookie: signedIn } })).text()).not.toContain('data-testid="verify-email-notice"');
  });

  it("an unconfirmed account can ask for the link again (CSRF-checked, rate-limited)", async () => {
    const email = `auth-resend-${suffix}@example.test`;
    const signedIn = await signUpThenSignIn("Resend Me", email, "resend-pass-2026");
    const account = await openForm("/account", signedIn);
    const ip = freshIp();
    const resend = () => postForm("/account", { csrf: account.csrf }, { cookie: account.cookie, "cf-connecting-ip": ip });
    expect(await (await resend()).text()).toContain(`We sent a new confirmation link to ${email}`);
    expect((await postForm("/account", { csrf: "forged" }, { cookie: account.cookie })).status).toBe(403);
    for (let i = 1; i < 5; i++) expect((await resend()).status).toBe(200);
    const refused = await resend();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("rate limits", () => {
  it("answers the 11th sign-in attempt for one email from one IP with 429 and Retry-After", async () => {
    const ip = freshIp();
    const form = await openForm("/sign-in", "", undefined, ip);
    const attempt = () => postForm("/sign-in", { csrf: form.csrf, email: people.demoted.email, password: "wrong-password-1" }, { cookie: form.cookie, "cf-connecting-ip": ip });
    for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(400);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(2 * 15 * 60); // sliding window: at most to the end of the next one
    expect(await refused.text()).toMatch(/Too many sign-in attempts\. Please wait \d+ (minutes?|seconds?) and try again\./);
    // Even the right password is refused until the window ends (no guessing through the limit).
    const right = await postForm("/sign-in", { csrf: form.csrf, email: people.demoted.email, password: PASSWORD }, { cookie: form.cookie, "cf-connecting-ip": ip });
    expect(right.status).toBe(429);
    // Another IP is not affected.
    const other = await postForm("/sign-in", { csrf: form.csrf, email: people.demoted.email, password: PASSWORD }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    expect(other.status).toBe(302);
  });

  it("limits attempts on one account from many IPs too, known address or not", async () => {
    const form = await openForm("/sign-in");
    const email = `sprayed-${suffix}@example.test`;
    const attempt = () => postForm("/sign-in", { csrf: form.csrf, email, password: "wrong-password-1" }, { cookie: form.cookie, "cf-connecting-ip": freshIp() });
    for (let i = 0; i < SIGN_IN_LIMITS.perEmail.limit; i++) expect((await attempt()).status).toBe(400);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("rateLimit() admits exactly `limit` of many concurrent attempts and states when to retry", async () => {
    const key = `test:concurrent:${suffix}`;
    const now = new Date();
    const results = await withDatabase(config, (db) => Promise.all(Array.from({ length: 15 }, () => rateLimit(db, key, 10, 60, now))));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const toWindowEnd = Math.ceil((Math.ceil((now.getTime() + 1) / 60_000) * 60_000 - now.getTime()) / 1000);
    for (const result of results) {
      if (result.allowed) expect(result.retryAfterSeconds).toBe(0);
      // Refused: the wait reaches into the next window, where this window's attempts still weigh.
      else expect(result.retryAfterSeconds).toBeGreaterThan(toWindowEnd);
    }
  });

  it("slides: the previous window's attempts weigh less as the current one goes on, and fade out", async () => {
    const key = `test:window:${suffix}`;
    const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000); // half-way through a 1-minute window
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    await withDatabase(config, async (db) => {
      expect((await rateLimit(db, key, 2, 60, t0)).allowed).toBe(true);
      expect((await rateLimit(db, key, 2, 60, t0)).allowed).toBe(true);
      const refused = await rateLimit(db, key, 2, 60, t0);
      expect(refused).toMatchObject({ allowed: false, count: 3, remaining: 0 });
      // 30 s to the window's end, then 3 × (60 − t)/60 + 1 ≤ 2 from t = 40 s into the next one.
      expect(refused.retryAfterSeconds).toBe(70);
      // Just after the boundary the 3 attempts still count almost fully: no fresh budget (unlike fixed windows).
      expect((await rateLimit(db, `${key}:b`, 2, 60, t0)).allowed).toBe(true);
      expect((await rateLimit(db, `${key}:b`, 2, 60, t0)).allowed).toBe(true);
      expect((await rateLimit(db, `${key}:b`, 2, 60, at(31))).allowed).toBe(false);
      expect((await rateLimit(db, key, 2, 60, at(70))).allowed).toBe(true);
      const rows = async () => (await db.execute(sql`select count(*)::int as n from rate_limit_buckets where key = ${key}`)).rows[0];
      expect(await rows()).toEqual({ n: 2 });
      // Pruning drops buckets no verdict reads any more and keeps the current and previous ones.
      await rateLimit(db, key, 1, 60, new Date(Date.now() - 3 * 3600_000));
      expect(await rows()).toEqual({ n: 3 });
      expect(await pruneRateLimitBuckets(db)).toBeGreaterThanOrEqual(1);
      expect(await rows()).toEqual({ n: 2 });
    });
  });
});

describe("security headers", () => {
  it("sends a nonce-based CSP whose nonce is on every inline script, and the other headers", async () => {
    const response = await fetchWorker("/", { origin: "https://example.test" });
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("nonce-");
    const html = await response.text();
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce).toBeTruthy();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const plain = await fetchWorker("/");
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    const api = await fetchWorker("/api/v1/services");
    expect(api.headers.get("content-security-policy")).toBeTruthy();
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
