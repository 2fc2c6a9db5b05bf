// One instance per provider (addressed by idFromName(providerId)): decides contention for that
// provider's time (slot holds) and fans out availability changes to open pages.
// NOTE: skeleton; holds, alarms and live feeds are built out in the Durable Object work.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env";

export class ProviderSchedule extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS holds (
      id TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      service_id TEXT NOT NULL,
      starts_at TEXT NOT NULL,
      occupied_from_ms INTEGER NOT NULL,
      occupied_until_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL
    )`);
  }

  /** Number of holds that have not expired yet. */
  async liveHoldCount(): Promise<number> {
    const row = this.ctx.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM holds WHERE expires_at_ms > ?", Date.now())
      .one();
    return row.n;
  }
}
