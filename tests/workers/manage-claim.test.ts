// A guest books through the JSON API, later signs in with an account of the same email and adds the
// booking to the account from the manage link (holding the mailed link proves the address).
import { Temporal } from "@js-temporal/polyfill";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, bookings, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { loadConfig } from "../../workers/env";
import { signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const guestEmail = `claim-guest-${suffix}@example.test`;
const ZONE = "Europe/London";
const origin = "http://example.test";
const worker = () => (exports as unknown as { default: Fetcher }).default;

let providerId = "";
let serviceId = "";
let code = "";
let manageToken = "";
const accounts: Record<"owner" | "stranger", { id: string; cookie: string; csrf: string }> = {
  owner: { id: "", cookie: "", csrf: "" },
  stranger: { id: "", cookie: "", csrf: "" },
};

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const [providerUser] = await db.insert(users).values({ email: `claim-provider-${suffix}@example.test`, name: "P", role: "provider" }).returning();
    const [provider] = await db.insert(providers).values({ userId: providerUser!.id, slug: `claim-${suffix}`, displayName: `Claim ${suffix}`, timeZone: ZONE }).returning();
    providerId = provider!.id;
    const [service] = await db
      .insert(services)
      .values({ providerId, name: `Claim service ${suffix}`, category: "Testing", durationMinutes: 60, priceAmount: 4000, currency: "gbp", minNoticeMinutes: 0, cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    serviceId = service!.id;
    await db.insert(availabilityRules).values([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ providerId, weekday, startTime: "09:00", endTime: "17:00" })));
    for (const [name, email] of [["owner", guestEmail], ["stranger", `claim-other-${suffix}@example.test`]] as const) {
      const [user] = await db.insert(users).values({ email, name, role: "customer" }).returning();
      const csrf = `csrf-${name}-${suffix}-0123456789`;
      accounts[name] = { id: user!.id, cookie: await signedInCookie({ userId: user!.id, role: "customer", name, csrf }, config), csrf };
    }
  });
  const start = Temporal.Now.zonedDateTimeISO(ZONE).toPlainDate().add({ days: 5 }).toZonedDateTime({ timeZone: ZONE, plainTime: "10:00" }).toInstant();
  const response = await worker().fetch(
    new Request(`${origin}/api/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `claim-${suffix}` },
      body: JSON.stringify({ serviceId, providerId, start: start.toString(), timeZone: ZONE, customer: { name: "Guest", email: guestEmail } }),
    }),
  );
  expect(response.status).toBe(201);
  const body = (await response.json()) as { booking: { code: string }; manageToken: string };
  code = body.booking.code;
  manageToken = body.manageToken;
});

const managePage = (who: "owner" | "stranger") =>
  worker().fetch(new Request(`${origin}/manage/${code}?token=${manageToken}`, { headers: { cookie: accounts[who].cookie } }));

describe("claiming a guest booking from its manage link", () => {
  it("offers the claim only to a signed-in customer with the booking's email", async () => {
    expect(await (await managePage("owner")).text()).toContain("Add my guest bookings to my account");
    expect(await (await managePage("stranger")).text()).not.toContain("Add my guest bookings to my account");
  });

  it("refuses a claim from another account and changes nothing", async () => {
    const form = new URLSearchParams({ intent: "claim", csrf: accounts.stranger.csrf });
    const response = await worker().fetch(
      new Request(`${origin}/manage/${code}?token=${manageToken}`, {
        method: "POST",
        headers: { cookie: accounts.stranger.cookie, origin, host: "example.test", "content-type": "application/x-www-form-urlencoded" },
        body: form,
      }),
    );
    expect(response.status).toBe(403);
    const [row] = await withDatabase(config, (db) => db.select().from(bookings).where(eq(bookings.confirmationCode, code)));
    expect(row!.customerId).toBeNull();
  });

  it("moves the booking to the owner's account", async () => {
    const form = new URLSearchParams({ intent: "claim", csrf: accounts.owner.csrf });
    const response = await worker().fetch(
      new Request(`${origin}/manage/${code}?token=${manageToken}`, {
        method: "POST",
        headers: { cookie: accounts.owner.cookie, origin, host: "example.test", "content-type": "application/x-www-form-urlencoded" },
        body: form,
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Added 1 booking to your account.");
    const [row] = await withDatabase(config, (db) => db.select().from(bookings).where(eq(bookings.confirmationCode, code)));
    expect(row!.customerId).toBe(accounts.owner.id);
  });
});
