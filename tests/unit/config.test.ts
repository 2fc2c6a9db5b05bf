// Configuration fails fast naming the variable, and the cron strings in code match wrangler.toml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Temporal } from "@js-temporal/polyfill";
import { CRON_HOUSEKEEPING, CRON_PAYOUTS, jobForCron } from "../../workers/cron";
import { ConfigError, loadConfig } from "../../workers/env";
import { payableAtFor } from "../../workers/payments/escrow";

const valid = {
  DATABASE_URL: "postgres://u:p@localhost:5432/db",
  SESSION_SECRET: "x".repeat(32),
  STRIPE_SECRET_KEY: "sk_test_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
};

describe("loadConfig", () => {
  it("accepts a complete configuration and applies defaults", () => {
    const config = loadConfig({ ...valid });
    expect(config.ESCROW_PERIOD.toString()).toBe("P7D");
    expect(config.HOLD_TTL.toString()).toBe("PT10M");
    expect(config.PENDING_PAYMENT_TTL.toString()).toBe("PT30M");
    expect(config.APPROVAL_TTL.toString()).toBe("PT24H");
    expect(config.PLATFORM_FEE_BPS_GUEST).toBe(1200);
    expect(config.NEON_WS_PROXY).toBeUndefined();
  });

  it.each([
    ["DATABASE_URL", { DATABASE_URL: undefined }, /DATABASE_URL is required/],
    ["DATABASE_URL", { DATABASE_URL: "mysql://nope" }, /DATABASE_URL must be a postgres/],
    ["SESSION_SECRET", { SESSION_SECRET: "short" }, /SESSION_SECRET must be at least 32/],
    ["STRIPE_SECRET_KEY", { STRIPE_SECRET_KEY: "pk_test_1" }, /STRIPE_SECRET_KEY must be a Stripe secret key/],
    ["ESCROW_PERIOD", { ESCROW_PERIOD: "seven" }, /ESCROW_PERIOD must be an ISO-8601 duration such as P7D/],
    ["ESCROW_PERIOD", { ESCROW_PERIOD: "P1DT12H" }, /ESCROW_PERIOD must be whole days or weeks/],
    ["HOLD_TTL", { HOLD_TTL: "600" }, /HOLD_TTL must be an ISO-8601 duration such as PT10M/],
    ["HOLD_TTL", { HOLD_TTL: "PT10S" }, /HOLD_TTL must be between PT30S and PT1H/],
    ["HOLD_TTL", { HOLD_TTL: "PT2H" }, /HOLD_TTL must be between PT30S and PT1H/],
    ["PENDING_PAYMENT_TTL", { PENDING_PAYMENT_TTL: "P1D" }, /PENDING_PAYMENT_TTL must use hours, minutes and seconds only/],
    ["APPROVAL_TTL", { APPROVAL_TTL: "-PT24H" }, /APPROVAL_TTL must be an ISO-8601 duration/],
    ["NEON_WS_PROXY", { NEON_WS_PROXY: "not a proxy" }, /NEON_WS_PROXY/],
  ])("names %s when it is missing or malformed", (_name, override, message) => {
    expect(() => loadConfig({ ...valid, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...override })).toThrow(message);
  });
});

describe("time limits as ISO-8601 durations", () => {
  it("reads other spellings of the same limits", () => {
    const config = loadConfig({ ...valid, ESCROW_PERIOD: "P2W", HOLD_TTL: "PT90S", PENDING_PAYMENT_TTL: "PT1H30M", APPROVAL_TTL: "PT336H" });
    expect(config.ESCROW_PERIOD.toString()).toBe("P14D");
    expect(config.HOLD_TTL.total({ unit: "seconds" })).toBe(90);
    expect(config.PENDING_PAYMENT_TTL.total({ unit: "minutes" })).toBe(90);
    expect(config.APPROVAL_TTL.total({ unit: "hours" })).toBe(336);
  });

  it.each([
    ["ESCROW_DAYS", "7", 'ESCROW_PERIOD="P7D"'],
    ["HOLD_TTL_SECONDS", "600", 'HOLD_TTL="PT10M"'],
    ["PENDING_PAYMENT_TTL_MINUTES", "30", 'PENDING_PAYMENT_TTL="PT30M"'],
    ["APPROVAL_TTL_HOURS", "48", 'APPROVAL_TTL="PT48H"'],
  ])("refuses the retired %s and says what to write instead", (name, value, instead) => {
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(`${name} is no longer read`);
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(instead);
  });

  it("ESCROW_PERIOD counts calendar days in the provider's zone, as ESCROW_DAYS did (not 7 x 24 h)", () => {
    const { ESCROW_PERIOD } = loadConfig({ ...valid });
    // New York springs forward on 2026-03-08: a week after 10:00 on the 5th is 10:00 on the 12th, 167 h later.
    const end = Temporal.ZonedDateTime.from("2026-03-05T10:00[America/New_York]");
    const payable = payableAtFor({ endsAt: new Date(end.epochMilliseconds), providerTimeZone: "America/New_York" }, ESCROW_PERIOD);
    expect(payable.toZonedDateTimeISO("America/New_York").toPlainDateTime().toString()).toBe("2026-03-12T10:00:00");
    expect(end.toInstant().until(payable).total({ unit: "hours" })).toBe(167);
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
