// The Worker inside workerd: Remix pages rendered from Postgres, a loader that calls the provider's
// Durable Object, the JSON API error envelope, and the cron handler writing its job-run log.
import { createScheduledController } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { and, desc, eq } from "drizzle-orm";
import { Temporal } from "@js-temporal/polyfill";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { availabilityRules, jobRuns, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import worker from "../../workers/entry";
import { CRON_HOUSEKEEPING } from "../../workers/cron";
import { loadConfig } from "../../workers/env";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const slug = `workerd-studio-${suffix}`;
const serviceName = `Workerd massage ${suffix}`;
let providerId = "";

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const [user] = await db.insert(users).values({ email: `${slug}@example.test`, name: slug, role: "provider" }).returning();
    const [provider] = await db
      .insert(providers)
      .values({ userId: user!.id, slug, displayName: `Studio ${suffix}`, timeZone: "Asia/Kathmandu" })
      .returning();
    providerId = provider!.id;
    await db.insert(services).values({
      providerId,
      name: serviceName,
      category: "Wellness",
      durationMinutes: 50,
      priceAmount: 4250,
      currency: "usd",
      cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    });
    await db.insert(availabilityRules).values({ providerId, weekday: 1, startTime: "09:00", endTime: "17:00" });
  });
});

const fetchWorker = (path: string, init?: RequestInit) =>
  (exports as unknown as { default: Fetcher }).default.fetch(new Request(`http://example.test${path}`, init));

describe("Remix pages from the Worker", () => {
  it("renders the home page with services read from Postgres", async () => {
    const response = await fetchWorker("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain(serviceName);
    expect(html).toContain("$42.50");
    expect(html).toContain("Asia/Kathmandu");
  });

  it("filters the home page by search text", async () => {
    const html = await (await fetchWorker(`/?q=${encodeURIComponent(suffix)}`)).text();
    expect(html).toContain(serviceName);
    expect(html).toContain("1 service");
  });

  it("searches by date: only services with free times that day, with how many", async () => {
    // The provider works Mondays 09:00–17:00 in Kathmandu; the 50-minute service starts every 30 min.
    const today = Temporal.Now.plainDateISO("Asia/Kathmandu");
    const monday = today.add({ days: ((1 - today.dayOfWeek + 7) % 7) + 7 });
    const onMonday = await (await fetchWorker(`/?q=${suffix}&date=${monday}`)).text();
    expect(onMonday).toContain(serviceName);
    expect(onMonday).toMatch(/data-testid="free-times">15 free times/);
    const onTuesday = await (await fetchWorker(`/?q=${suffix}&date=${monday.add({ days: 1 })}`)).text();
    expect(onTuesday).not.toContain(serviceName);
    expect(onTuesday).toContain("0 services");
  });

  it("renders a provider page whose loader asks the provider's Durable Object for live holds", async () => {
    const response = await fetchWorker(`/providers/${slug}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/data-testid="live-holds">0 slots are being booked right now/);
  });

  it("answers 404 for an unknown provider", async () => {
    const response = await fetchWorker(`/providers/nobody-${suffix}`);
    expect(response.status).toBe(404);
  });
});

describe("JSON API", () => {
  it("lists services", async () => {
    const response = await fetchWorker(`/api/v1/services?q=${suffix}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { services: Array<{ name: string; provider: { id: string } }> };
    expect(body.services.map((s) => s.name)).toEqual([serviceName]);
    expect(body.services[0]!.provider.id).toBe(providerId);
  });

  it("answers unknown API paths with the JSON error envelope", async () => {
    const response = await fetchWorker("/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});

describe("scheduled handler", () => {
  it("runs the housekeeping job and records it in job_runs", async () => {
    const before = new Date();
    const controller = createScheduledController({ scheduledTime: new Date(), cron: CRON_HOUSEKEEPING });
    await worker.scheduled(controller, env as never);
    const [run] = await withDatabase(config, (db) =>
      db.select().from(jobRuns).where(and(eq(jobRuns.job, "housekeeping"))).orderBy(desc(jobRuns.startedAt)).limit(1),
    );
    expect(run).toBeDefined();
    expect(run!.outcome).toBe("ok");
    expect(run!.trigger).toBe(CRON_HOUSEKEEPING);
    expect(run!.startedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(run!.finishedAt!.getTime()).toBeGreaterThanOrEqual(run!.startedAt.getTime());
  });
});
