// The authorization matrix (issue 11): every page route and every JSON API route × guest, customer,
// another customer, provider, another provider and admin, against one booking and one service that
// belong to the customer and the provider. The tables below are the access policy; the route lists
// come from the route files and from the API's router itself, so a new page or API route without an
// entry here fails this suite.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import {
  bookings,
  guestBookingSessions,
  providers,
  services,
  users,
} from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { hashToken, newManageToken } from "../../domain/confirmation-code";
import { ensureFeed } from "../../db/queries/calendar-feeds";
import { registeredRoutes } from "../../workers/api";
import { calendarFeedToken, keyringOf } from "../../workers/auth/keyring";
import { loadConfig } from "../../workers/env";
import { fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);

type Who =
  | "guest"
  | "customer"
  | "otherCustomer"
  | "provider"
  | "otherProvider"
  | "admin";
const WHO: Who[] = [
  "guest",
  "customer",
  "otherCustomer",
  "provider",
  "otherProvider",
  "admin",
];

/** What a visitor gets: the page (200), sent to sign in (302 to /sign-in), elsewhere (302), a request the page cannot read (400), refused (403), or nothing there (404). */
type Outcome = 200 | "sign-in" | "redirect" | 400 | 403 | 404;

interface Entry {
  /** URL with :code (the customer's booking), :guestCode (a guest booking, no token sent), :serviceId, :slug. */
  path: string;
  expect: Record<Who, Outcome>;
}

const everyone = (outcome: Outcome): Record<Who, Outcome> => ({
  guest: outcome,
  customer: outcome,
  otherCustomer: outcome,
  provider: outcome,
  otherProvider: outcome,
  admin: outcome,
});
const signedIn: Record<Who, Outcome> = { ...everyone(200), guest: "sign-in" };
const anonymousOnly: Record<Who, Outcome> = {
  ...everyone("redirect"),
  guest: 200,
};
const adminOnly: Record<Who, Outcome> = {
  guest: "sign-in",
  customer: 403,
  otherCustomer: 403,
  provider: 403,
  otherProvider: 403,
  admin: 200,
};
const providerArea: Record<Who, Outcome> = {
  guest: "sign-in",
  customer: 403,
  otherCustomer: 403,
  provider: 200,
  otherProvider: 200,
  admin: 200,
};
/** A page of the provider's own record: another provider finds nothing there. */
const providersOwn: Record<Who, Outcome> = {
  ...providerArea,
  otherProvider: 404,
};
/** A booking's pages: its customer, its provider and admins see it (`seen` is what they get); nobody else learns it exists. */
const bookingPage = (
  seen: Outcome,
  customer: boolean
): Record<Who, Outcome> => ({
  guest: 404,
  customer: customer ? seen : 404,
  otherCustomer: 404,
  provider: seen,
  otherProvider: 404,
  admin: seen,
});
const bookingPages = (path: string, seen: Outcome = 200): Entry[] => [
  { path, expect: bookingPage(seen, true) },
  {
    path: path.replace(":code", ":guestCode"),
    expect: bookingPage(seen, false),
  },
];

/**
 * The access policy, keyed by route file (app/routes/<key>.tsx). Booking pages are tried with the
 * customer's booking (:code) and with a guest's (:guestCode, no manage token sent); the service editor
 * with the provider's service and another provider's. An admin in the provider area names the
 * provider (?provider=, as the admin's links do). /dev/mailbox answers only outside production.
 */
const POLICY: Record<string, Entry[]> = {
  _index: [{ path: "/", expect: everyone(200) }],
  "providers.$slug": [{ path: "/providers/:slug", expect: everyone(200) }],
  "book.$serviceId._index": [
    { path: "/book/:serviceId", expect: everyone(200) },
  ],
  // Without a held time the details step sends everyone back to the slot page.
  "book.$serviceId.details": [
    { path: "/book/:serviceId/details", expect: everyone("redirect") },
  ],
  "book.$serviceId.release": [
    { path: "/book/:serviceId/release", expect: everyone(400) },
  ],
  "bookings.$code._index": bookingPages("/bookings/:code"),
  "bookings.$code.calendar[.]ics": bookingPages("/bookings/:code/calendar.ics"),
  // A confirmed booking has nothing to pay: those who may see it are sent on to its page.
  "bookings.$code.pay": bookingPages("/bookings/:code/pay", "redirect"),
  "bookings.$code.payment-return": bookingPages(
    "/bookings/:code/payment-return",
    "redirect"
  ),
  "manage.$code": bookingPages("/manage/:code"),
  "dev.mailbox": [{ path: "/dev/mailbox", expect: everyone(200) }],
  "sign-in": [{ path: "/sign-in", expect: anonymousOnly }],
  "sign-up": [{ path: "/sign-up", expect: anonymousOnly }],
  "sign-out": [
    { path: "/sign-out", expect: { ...everyone(200), guest: "redirect" } },
  ],
  "verify-email": [{ path: "/verify-email", expect: everyone(400) }],
  account: [{ path: "/account", expect: signedIn }],
  "account_.security": [{ path: "/account/security", expect: signedIn }],
  provider: [{ path: "/provider", expect: providerArea }],
  "provider._index": [{ path: "/provider", expect: providerArea }],
  "provider.calendar": [{ path: "/provider/calendar", expect: providerArea }],
  "provider.earnings": [{ path: "/provider/earnings", expect: providerArea }],
  "provider.schedule": [{ path: "/provider/schedule", expect: providerArea }],
  "provider.services._index": [
    { path: "/provider/services", expect: providerArea },
  ],
  "provider.services.new": [
    { path: "/provider/services/new", expect: providerArea },
  ],
  "provider.bookings.$code": [
    { path: "/provider/bookings/:code", expect: providersOwn },
    { path: "/provider/bookings/:guestCode", expect: providersOwn },
  ],
  "provider.services.$id": [
    { path: "/provider/services/:serviceId", expect: providersOwn },
    // The admin works on the provider named in ?provider=, which does not own this service.
    {
      path: "/provider/services/:otherServiceId",
      expect: { ...providerArea, provider: 404, admin: 404 },
    },
  ],
  admin: [{ path: "/admin", expect: adminOnly }],
  "admin._index": [{ path: "/admin", expect: adminOnly }],
  "admin.bookings._index": [{ path: "/admin/bookings", expect: adminOnly }],
  "admin.bookings.$code": [
    { path: "/admin/bookings/:code", expect: adminOnly },
    { path: "/admin/bookings/:guestCode", expect: adminOnly },
  ],
  "admin.metrics": [{ path: "/admin/metrics", expect: adminOnly }],
  "admin.payouts": [{ path: "/admin/payouts", expect: adminOnly }],
  // The feed's address is its credential: the right one answers anyone (calendar apps send no
  // cookie), any other token answers nobody, signed in or not.
  "feeds.$feedId.$token.calendar[.]ics": [
    { path: "/feeds/:feedId/:feedToken/calendar.ics", expect: everyone(200) },
    { path: "/feeds/:feedId/:otherFeedToken/calendar.ics", expect: everyone(404) },
  ],
};

const routeFiles = Object.keys(import.meta.glob("../../app/routes/*.tsx")).map(
  (file) => file.replace(/^.*\/app\/routes\//, "").replace(/\.tsx$/, "")
);

const fixture = {
  code: "",
  guestCode: "",
  serviceId: "",
  otherServiceId: "",
  slug: "",
  providerId: "",
  feedId: "",
  feedToken: "",
  otherFeedToken: "",
};
const cookies: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const person = async (
      label: string,
      role: "customer" | "provider" | "admin"
    ) => {
      const [row] = await db
        .insert(users)
        .values({
          email: `matrix-${label}-${suffix}@example.test`,
          name: `Matrix ${label}`,
          role,
        })
        .returning();
      return row!;
    };
    const [customer, otherCustomer, providerUser, otherProviderUser, admin] = [
      await person("customer", "customer"),
      await person("other-customer", "customer"),
      await person("provider", "provider"),
      await person("other-provider", "provider"),
      await person("admin", "admin"),
    ];
    const studio = async (user: typeof providerUser, slug: string) => {
      const [provider] = await db
        .insert(providers)
        .values({
          userId: user.id,
          slug,
          displayName: `Matrix ${slug}`,
          timeZone: "Europe/London",
        })
        .returning();
      const [service] = await db
        .insert(services)
        .values({
          providerId: provider!.id,
          name: `Matrix ${slug}`,
          category: "Testing",
          durationMinutes: 60,
          priceAmount: 5000,
          currency: "usd",
          cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
        })
        .returning();
      return {
        providerId: provider!.id,
        serviceId: service!.id,
        timeZone: "Europe/London",
      };
    };
    const mine = await studio(providerUser, `matrix-${suffix}`);
    const theirs = await studio(otherProviderUser, `matrix-other-${suffix}`);
    fixture.serviceId = mine.serviceId;
    fixture.providerId = mine.providerId;
    fixture.otherServiceId = theirs.serviceId;
    fixture.slug = `matrix-${suffix}`;
    const start = new Date(Date.now() + 5 * 24 * 3600_000);
    fixture.code = `MTRX-${suffix.slice(0, 4).toUpperCase()}`;
    await db.insert(bookings).values(
      pageTestBookingRow(mine, start, 60, {
        confirmationCode: fixture.code,
        idempotencyKey: `matrix-${suffix}`,
        status: "confirmed",
        customerId: customer.id,
        customerName: customer.name,
        customerEmail: customer.email,
      })
    );
    const [guestSession] = await db
      .insert(guestBookingSessions)
      .values({
        email: `matrix-guest-${suffix}@example.test`,
        name: "Guest",
        tokenHash: await hashToken(newManageToken()),
        expiresAt: new Date(Date.now() + 30 * 24 * 3600_000),
      })
      .returning();
    fixture.guestCode = `MTRG-${suffix.slice(0, 4).toUpperCase()}`;
    await db.insert(bookings).values(
      pageTestBookingRow(mine, new Date(start.getTime() + 2 * 3600_000), 60, {
        confirmationCode: fixture.guestCode,
        idempotencyKey: `matrix-guest-${suffix}`,
        status: "confirmed",
        guestSessionId: guestSession!.id,
        customerName: "Guest",
        customerEmail: guestSession!.email,
      })
    );
    const sign = (user: typeof customer) =>
      signedInCookie(
        { userId: user.id, role: user.role, name: user.name },
        config
      );
    const { feed } = await ensureFeed(db, { providerId: mine.providerId }, { replace: true });
    fixture.feedId = feed.id;
    fixture.feedToken = await calendarFeedToken(keyringOf(config), feed.id);
    // A well-formed token of another feed (the other provider's id).
    fixture.otherFeedToken = await calendarFeedToken(keyringOf(config), theirs.providerId);
    cookies.customer = await sign(customer);
    cookies.otherCustomer = await sign(otherCustomer);
    cookies.provider = await sign(providerUser);
    cookies.otherProvider = await sign(otherProviderUser);
    cookies.admin = await sign(admin);
  });
});

function urlOf(path: string): string {
  return path
    .replace(":guestCode", fixture.guestCode)
    .replace(":code", fixture.code)
    .replace(":otherServiceId", fixture.otherServiceId)
    .replace(":serviceId", fixture.serviceId)
    .replace(":slug", fixture.slug)
    .replace(":feedId", fixture.feedId)
    .replace(":feedToken", fixture.feedToken)
    .replace(":otherFeedToken", fixture.otherFeedToken);
}

async function outcomeOf(path: string, who: Who): Promise<Outcome | number> {
  const url =
    who === "admin" && path.startsWith("/provider/")
      ? `${urlOf(path)}?provider=${fixture.providerId}`
      : urlOf(path);
  const response = await fetchWorker(url, {
    headers: who === "guest" ? {} : { cookie: cookies[who]! },
  });
  await response.body?.cancel();
  if (response.status === 302 || response.status === 303)
    return (response.headers.get("location") ?? "").startsWith("/sign-in")
      ? "sign-in"
      : "redirect";
  return response.status;
}

describe("authorization matrix", () => {
  it("has an entry for every page route, and none for a route that does not exist", () => {
    expect(routeFiles.length).toBeGreaterThan(20);
    expect(Object.keys(POLICY).sort()).toEqual([...routeFiles].sort());
  });

  for (const [file, entries] of Object.entries(POLICY)) {
    for (const entry of entries) {
      it(`${file}: ${entry.path}`, async () => {
        const got: Partial<Record<Who, Outcome | number>> = {};
        for (const who of WHO) got[who] = await outcomeOf(entry.path, who);
        expect(got).toEqual(entry.expect);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The JSON API. Requests that would change something are made so that they stop right after the
// access check: a version that is not the booking's (409 STALE_VERSION for whoever may act), a body
// the schema refuses, an unknown hold. So 409/400 below means "let through", 404 "not even told the
// booking exists", 403 "known but not yours to do". Sessions come as cookies, as from the site.

interface ApiEntry {
  /** As for pages, plus :providerId; the query string is part of it. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: Record<Who, number>;
}
/**
 * A booking's API route with the customer's booking and with a guest's: its provider and admins get
 * `seen`, so does its customer unless `providerOnly` (then 403: they know the booking); nobody else
 * learns it exists.
 */
const apiBookingRows = (path: string, body: unknown, seen: number, providerOnly = false): ApiEntry[] =>
  [":code", ":guestCode"].map((code) => ({
    path: path.replace(":code", code),
    body,
    expect: {
      guest: 404,
      customer: code === ":guestCode" ? 404 : providerOnly ? 403 : seen,
      otherCustomer: 404,
      provider: seen,
      otherProvider: 404,
      admin: seen,
    },
  }));
/** The provider audience of the live feed: the provider's owner and admins; 401 without a session. */
const providerAudience = (granted: number): Record<Who, number> => ({ guest: 401, customer: 403, otherCustomer: 403, provider: granted, otherProvider: 403, admin: granted });
const all = (status: number) => everyone(status as Outcome) as Record<Who, number>;
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const STALE = { expectedVersion: 999 };

const API_POLICY: Record<string, ApiEntry[]> = {
  "GET /api/v1/services": [{ path: "/api/v1/services", expect: all(200) }],
  "GET /api/v1/providers": [{ path: "/api/v1/providers", expect: all(200) }],
  "GET /api/v1/providers/:providerId": [{ path: "/api/v1/providers/:providerId", expect: all(200) }],
  "GET /api/v1/providers/:providerId/availability": [
    { path: "/api/v1/providers/:providerId/availability?serviceId=:serviceId&from=:tomorrow&to=:tomorrow", expect: all(200) },
  ],
  "GET /api/v1/openapi.json": [{ path: "/api/v1/openapi.json", expect: all(200) }],
  // Anyone may book; an empty body is refused by its schema for everyone alike.
  "POST /api/v1/bookings": [{ path: "/api/v1/bookings", body: {}, expect: all(400) }],
  "GET /api/v1/bookings/:code": apiBookingRows("/api/v1/bookings/:code", undefined, 200),
  // The booking's live status channel: exactly who may read the booking.
  "GET /api/v1/bookings/:code/events": apiBookingRows("/api/v1/bookings/:code/events", undefined, 200),
  "GET /api/v1/bookings/:code/live": apiBookingRows("/api/v1/bookings/:code/live", undefined, 101).map((entry) => ({ ...entry, headers: { upgrade: "websocket" } })),
  "POST /api/v1/bookings/:code/cancel": apiBookingRows("/api/v1/bookings/:code/cancel", STALE, 409),
  "POST /api/v1/bookings/:code/reschedule": apiBookingRows("/api/v1/bookings/:code/reschedule", { start: "2030-01-07T10:00:00Z", ...STALE }, 409),
  "POST /api/v1/bookings/:code/accept": apiBookingRows("/api/v1/bookings/:code/accept", STALE, 409, true),
  "POST /api/v1/bookings/:code/decline": apiBookingRows("/api/v1/bookings/:code/decline", STALE, 409, true),
  // A confirmed booking has nothing to pay.
  "POST /api/v1/bookings/:code/payment": apiBookingRows("/api/v1/bookings/:code/payment", {}, 409),
  "GET /api/v1/providers/:providerId/live": [
    { path: "/api/v1/providers/:providerId/live", headers: { upgrade: "websocket" }, expect: all(101) },
    { path: "/api/v1/providers/:providerId/live?audience=provider", headers: { upgrade: "websocket" }, expect: providerAudience(101) },
  ],
  "GET /api/v1/providers/:providerId/events": [
    { path: "/api/v1/providers/:providerId/events", expect: all(200) },
    { path: "/api/v1/providers/:providerId/events?audience=provider", expect: providerAudience(200) },
  ],
  // Holds belong to a holder token, not to a session: the same for everyone.
  "GET /api/v1/providers/:providerId/holds": [{ path: "/api/v1/providers/:providerId/holds", expect: all(200) }],
  "POST /api/v1/providers/:providerId/holds": [{ path: "/api/v1/providers/:providerId/holds", body: {}, expect: all(400) }],
  "DELETE /api/v1/providers/:providerId/holds/:holdId": [
    { path: "/api/v1/providers/:providerId/holds/00000000-0000-4000-8000-000000000000", body: { holderToken: "tok_matrix_aaaaaaaaaa" }, expect: all(404) },
  ],
  "POST /api/v1/providers/:providerId/holds/:holdId/extend": [
    { path: "/api/v1/providers/:providerId/holds/00000000-0000-4000-8000-000000000000/extend", body: { holderToken: "tok_matrix_aaaaaaaaaa" }, expect: all(404) },
  ],
  // Only Stripe's signature lets a webhook in.
  "POST /api/v1/webhooks/stripe": [{ path: "/api/v1/webhooks/stripe", body: { id: "evt_1", type: "payment_intent.succeeded" }, expect: all(400) }],
};

async function apiStatusOf(key: string, entry: ApiEntry, who: Who): Promise<number> {
  const method = key.split(" ")[0]!;
  const url = urlOf(entry.path.replaceAll(":providerId", fixture.providerId).replaceAll(":tomorrow", tomorrow()));
  const headers: Record<string, string> = { ...(who === "guest" ? {} : { cookie: cookies[who]! }), ...entry.headers };
  if (entry.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetchWorker(url, { method, headers, body: entry.body === undefined ? undefined : JSON.stringify(entry.body) });
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close();
  } else await response.body?.cancel();
  return response.status;
}

describe("API authorization matrix", () => {
  it("has an entry for every API route, and none for a route that does not exist", () => {
    expect(registeredRoutes().length).toBeGreaterThan(15);
    expect(Object.keys(API_POLICY).sort()).toEqual([...new Set(registeredRoutes())].sort());
  });

  for (const [key, entries] of Object.entries(API_POLICY)) {
    for (const entry of entries) {
      it(`${key}: ${entry.path}`, async () => {
        const got: Partial<Record<Who, number>> = {};
        for (const who of WHO) got[who] = await apiStatusOf(key, entry, who);
        expect(got).toEqual(entry.expect);
      });
    }
  }
});
