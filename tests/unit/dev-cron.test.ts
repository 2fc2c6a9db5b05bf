// `npm run dev` fires the Cron Triggers of wrangler.toml by itself (scripts/lib/dev-cron.ts): the
// schedules come from the same file production uses, and each fires when Cloudflare's would (UTC).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cronsOf, nextRun } from "../../scripts/lib/dev-cron";
import { CRON_PAYOUTS, jobForCron } from "../../workers/cron";

describe("dev cron triggers", () => {
  const toml = fs.readFileSync(path.resolve("wrangler.toml"), "utf8");

  it("reads the schedules production runs from wrangler.toml, and the Worker has a job for each", () => {
    const crons = cronsOf(toml);
    expect(crons).toContain(CRON_PAYOUTS);
    expect(crons).toContain("* * * * *");
    for (const cron of crons) expect(jobForCron(cron)).not.toBeNull();
  });

  it("fires each schedule when Cloudflare would, in UTC", () => {
    const at = new Date("2026-03-08T06:59:30Z"); // New York's spring-forward morning: UTC does not care
    expect(nextRun("* * * * *", at).toISOString()).toBe("2026-03-08T07:00:00.000Z");
    expect(nextRun(CRON_PAYOUTS, at).toISOString()).toBe("2026-03-08T07:00:00.000Z");
    expect(nextRun(CRON_PAYOUTS, new Date("2026-03-08T07:00:00Z")).toISOString()).toBe("2026-03-08T07:15:00.000Z");
  });

  it("reads no schedules from a file without triggers, and refuses a malformed list", () => {
    expect(cronsOf('name = "x"\n')).toEqual([]);
    expect(() => cronsOf("[triggers]\ncrons = [1, 2]\n")).toThrow(/list of strings/);
  });
});
