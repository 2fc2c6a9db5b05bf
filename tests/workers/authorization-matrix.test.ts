// The authorization matrix (issue 11): every page route × guest, customer, another customer,
// provider, another provider and admin, against one booking and one service that belong to the
// customer and the provider. The table below is the access policy; the route list comes from the
// route files themselves, so a new page without an entry here fails this suite.
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

/**
 * The access policy, keyed by route file (app/routes/<key>.tsx). Booking pages are tried with the
 * customer's booking (:code) and with a guest's (:guestCode, no manage token sent); the service editor
 * with the provider's service and another provider's. An admin in the provider area names the
 * provider (?provider=, as the admin's links do). /dev/mailbox answers only outside production.
 */
const POLICY: Record<string, Entry[]> = {
  _index: [{ path: "/", expect: everyone(200) }],
  account: [
    {
      path: "/account",
      expect: {
        guest: "sign-in",
        customer: 200,
        otherCustomer: 200,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "account_.security": [
    {
      path: "/account/security",
      expect: {
        guest: "sign-in",
        customer: 200,
        otherCustomer: 200,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "admin._index": [
    {
      path: "/admin",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  "admin.bookings.$code": [
    {
      path: "/admin/bookings/:code",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
    {
      path: "/admin/bookings/:guestCode",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  "admin.bookings._index": [
    {
      path: "/admin/bookings",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  "admin.metrics": [
    {
      path: "/admin/metrics",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  "admin.payouts": [
    {
      path: "/admin/payouts",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  admin: [
    {
      path: "/admin",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 403,
        otherProvider: 403,
        admin: 200,
      },
    },
  ],
  "book.$serviceId._index": [
    { path: "/book/:serviceId", expect: everyone(200) },
  ],
  "book.$serviceId.details": [
    { path: "/book/:serviceId/details", expect: everyone("redirect") },
  ],
  "book.$serviceId.release": [
    { path: "/book/:serviceId/release", expect: everyone(400) },
  ],
  "bookings.$code._index": [
    {
      path: "/bookings/:code",
      expect: {
        guest: 404,
        customer: 200,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
    {
      path: "/bookings/:guestCode",
      expect: {
        guest: 404,
        customer: 404,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
  ],
  "bookings.$code.calendar[.]ics": [
    {
      path: "/bookings/:code/calendar.ics",
      expect: {
        guest: 404,
        customer: 200,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
    {
      path: "/bookings/:guestCode/calendar.ics",
      expect: {
        guest: 404,
        customer: 404,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
  ],
  "bookings.$code.pay": [
    {
      path: "/bookings/:code/pay",
      expect: {
        guest: 404,
        customer: "redirect",
        otherCustomer: 404,
        provider: "redirect",
        otherProvider: 404,
        admin: "redirect",
      },
    },
    {
      path: "/bookings/:guestCode/pay",
      expect: {
        guest: 404,
        customer: 404,
        otherCustomer: 404,
        provider: "redirect",
        otherProvider: 404,
        admin: "redirect",
      },
    },
  ],
  "bookings.$code.payment-return": [
    {
      path: "/bookings/:code/payment-return",
      expect: {
        guest: 404,
        customer: "redirect",
        otherCustomer: 404,
        provider: "redirect",
        otherProvider: 404,
        admin: "redirect",
      },
    },
    {
      path: "/bookings/:guestCode/payment-return",
      expect: {
        guest: 404,
        customer: 404,
        otherCustomer: 404,
        provider: "redirect",
        otherProvider: 404,
        admin: "redirect",
      },
    },
  ],
  "dev.mailbox": [{ path: "/dev/mailbox", expect: everyone(200) }],
  "manage.$code": [
    {
      path: "/manage/:code",
      expect: {
        guest: 404,
        customer: 200,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
    {
      path: "/manage/:guestCode",
      expect: {
        guest: 404,
        customer: 404,
        otherCustomer: 404,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
  ],
  "provider._index": [
    {
      path: "/provider",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "provider.bookings.$code": [
    {
      path: "/provider/bookings/:code",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
    {
      path: "/provider/bookings/:guestCode",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
  ],
  "provider.calendar": [
    {
      path: "/provider/calendar",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "provider.earnings": [
    {
      path: "/provider/earnings",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "provider.schedule": [
    {
      path: "/provider/schedule",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "provider.services.$id": [
    {
      path: "/provider/services/:serviceId",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 404,
        admin: 200,
      },
    },
    {
      path: "/provider/services/:otherServiceId",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 404,
        otherProvider: 200,
        admin: 404,
      },
    },
  ],
  "provider.services._index": [
    {
      path: "/provider/services",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "provider.services.new": [
    {
      path: "/provider/services/new",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  provider: [
    {
      path: "/provider",
      expect: {
        guest: "sign-in",
        customer: 403,
        otherCustomer: 403,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "providers.$slug": [{ path: "/providers/:slug", expect: everyone(200) }],
  "sign-in": [
    {
      path: "/sign-in",
      expect: {
        guest: 200,
        customer: "redirect",
        otherCustomer: "redirect",
        provider: "redirect",
        otherProvider: "redirect",
        admin: "redirect",
      },
    },
  ],
  "sign-out": [
    {
      path: "/sign-out",
      expect: {
        guest: "redirect",
        customer: 200,
        otherCustomer: 200,
        provider: 200,
        otherProvider: 200,
        admin: 200,
      },
    },
  ],
  "sign-up": [
    {
      path: "/sign-up",
      expect: {
        guest: 200,
        customer: "redirect",
        otherCustomer: "redirect",
        provider: "redirect",
        otherProvider: "redirect",
        admin: "redirect",
      },
    },
  ],
  "verify-email": [{ path: "/verify-email", expect: everyone(400) }],
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
    await db
      .insert(bookings)
      .values(
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
    .replace(":slug", fixture.slug);
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
