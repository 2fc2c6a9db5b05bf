// Configuration fails fast naming the variable, and the cron strings in code match wrangler.toml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CRON_HOUSEKEEPING, CRON_PAYOUTS, jobForCron } from "../../workers/cron";
import { ConfigError, loadConfig } from "../../workers/env";

const valid = {
  DATABASE_URL: "postgres://u:p@localhost:5432/db",
  SESSION_SECRET: "x".repeat(32),
  STRIPE_SECRET_KEY: "sk_test_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
};

describe("loadConfig", () => {
  it("accepts a complete configuration and applies defaults", () => {
    const config = loadConfig({ ...valid });
    expect(config.ESCROW_DAYS).toBe(7);
    expect(config.PLATFORM_FEE_BPS_GUEST).toBe(1200);
    expect(config.NEON_WS_PROXY).toBeUndefined();
  });

  it.each([
    ["DATABASE_URL", { DATABASE_URL: undefined }, /DATABASE_URL is required/],
    ["DATABASE_URL", { DATABASE_URL: "mysql://nope" }, /DATABASE_URL must be a postgres/],
    ["SESSION_SECRET", { SESSION_SECRET: "short" }, /SESSION_SECRET must be at least 32/],
    ["STRIPE_SECRET_KEY", { STRIPE_SECRET_KEY: "pk_test_1" }, /STRIPE_SECRET_KEY must be a Stripe secret key/],
    ["ESCROW_DAYS", { ESCROW_DAYS: "seven" }, /ESCROW_DAYS/],
    ["NEON_WS_PROXY", { NEON_WS_PROXY: "not a proxy" }, /NEON_WS_PROXY/],
  ])("names %s when it is missing or malformed", (_name, override, message) => {
    expect(() => loadConfig({ ...valid, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...override })).toThrow(message);
  });
});

describe("cron triggers", () => {
  it("wrangler.toml schedules exactly the crons the Worker handles", () => {
    const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const crons = JSON.parse(/^crons\s*=\s*(\[.*\])/m.exec(toml)![1]!) as string[];
    expect(crons.sort()).toEqual([CRON_HOUSEKEEPING, CRON_PAYOUTS].sort());
    expect(crons.map(jobForCron)).not.toContain(null);
  });
});
