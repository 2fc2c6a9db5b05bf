// Cron Triggers in development. `wrangler dev` runs a Worker's scheduled handler only when asked
// (`/__scheduled?cron=…` with --test-scheduled), so without this nothing would send reminders, expire
// bookings or pay providers while `npm run dev` runs. This reads the schedules from wrangler.toml
// (`[triggers] crons`, the ones production runs) and fires each on its schedule, in UTC as Cloudflare
// does, through that same endpoint. A run that fails is logged and the next one happens anyway.
import fs from "node:fs";
import { Cron } from "croner";
import { parse } from "smol-toml";

/** The cron expressions of wrangler.toml's [triggers] table, in the order written. */
export function cronsOf(wranglerToml: string): string[] {
  const config = parse(wranglerToml) as { triggers?: { crons?: unknown } };
  const crons = config.triggers?.crons;
  if (crons === undefined) return [];
  if (!Array.isArray(crons) || !crons.every((c): c is string => typeof c === "string")) throw new Error("wrangler.toml: triggers.crons must be a list of strings");
  return crons;
}

/** When `cron` fires next after `after` (UTC), as Cloudflare would schedule it. */
export function nextRun(cron: string, after: Date): Date {
  const next = new Cron(cron, { timezone: "UTC", paused: true }).nextRun(after);
  if (!next) throw new Error(`cron ${cron} never fires`);
  return next;
}

export interface DevCrons {
  crons: string[];
  stop(): void;
}

/**
 * Fires `fire(cron)` for each schedule of the wrangler.toml at `tomlPath`; each run is awaited before
 * that schedule's next one can start (croner's protect), so a slow job is not run twice at once.
 */
export function startDevCrons(tomlPath: string, fire: (cron: string) => Promise<void>, log: (line: string) => void = console.log): DevCrons {
  const crons = cronsOf(fs.readFileSync(tomlPath, "utf8"));
  const jobs = crons.map(
    (cron) =>
      new Cron(cron, { timezone: "UTC", protect: true }, async () => {
        try {
          await fire(cron);
        } catch (error) {
          log(`  cron ${cron} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
  );
  return { crons, stop: () => jobs.forEach((job) => job.stop()) };
}

/** Asks a `wrangler dev --test-scheduled` Worker at `baseUrl` to run its scheduled handler for `cron`. */
export async function fireScheduled(baseUrl: string, cron: string): Promise<void> {
  const response = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent(cron)}`);
  await response.body?.cancel();
  if (!response.ok) throw new Error(`/__scheduled answered ${response.status}`);
}
