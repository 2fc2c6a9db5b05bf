// What the provider object keeps in memory about the provider besides booked time: the provider row
// (zone, active), its services (timing, active), weekly rules and date overrides from yesterday on.
// Loaded from Postgres on first use (four reads on the object's warm connection), dropped when
// scheduleChanged announces an edit, and re-read after SNAPSHOT_TTL_MS in any case, so a lost
// announcement shows old hours for at most that long. Time passing needs no invalidation: the engine
// applies notice and booking window to `now` at read time.
import { Temporal } from "@js-temporal/polyfill";
import { asc, eq } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { findProviderById, loadOverrides, loadWeeklyRules, type ProviderRow, type ServiceRow } from "../db/queries/availability";
import { services } from "../db/schema";
import type { DateOverride, WeeklyRule } from "../domain/availability";

export const SNAPSHOT_TTL_MS = 30_000;

export interface ScheduleSnapshot {
  provider: ProviderRow;
  services: ServiceRow[];
  weekly: WeeklyRule[];
  /** Overrides from two days before the load on (earlier dates cannot hold a future slot). */
  overrides: DateOverride[];
}

/** The provider's schedule, or null when there is no such provider. */
export async function loadScheduleSnapshot(db: Queryable, providerId: string, now: Temporal.Instant): Promise<ScheduleSnapshot | null> {
  // Local dates differ from UTC dates by at most a day; two days of margin cover every zone.
  const firstDate = now.toZonedDateTimeISO("UTC").toPlainDate().subtract({ days: 2 }).toString();
  const [provider, offered, weekly, overrides] = await Promise.all([
    findProviderById(db, providerId),
    db.select().from(services).where(eq(services.providerId, providerId)).orderBy(asc(services.name)),
    loadWeeklyRules(db, providerId),
    loadOverrides(db, providerId, firstDate, "9999-12-31"),
  ]);
  return provider ? { provider, services: offered, weekly, overrides } : null;
}

export type SnapshotRead = { snapshot: ScheduleSnapshot | null; stale: boolean };

/**
 * The snapshot with its age policy. Concurrent readers share one load; an announcement during a load
 * makes that load's result unusable for caching (it may predate the edit).
 */
export class ScheduleCache {
  private current: { snapshot: ScheduleSnapshot | null; loadedAtMs: number } | undefined;
  /** The last snapshot loaded, kept through invalidation: what a stale answer shows while Postgres is down. */
  private lastKnown: ScheduleSnapshot | null | undefined;
  private loading: Promise<SnapshotRead> | undefined;
  private generation = 0;

  constructor(private readonly load: () => Promise<ScheduleSnapshot | null>) {}

  invalidate(): void {
    this.current = undefined;
    this.loading = undefined;
    this.generation++;
  }

  /**
   * A snapshot at most SNAPSHOT_TTL_MS old, or, when Postgres cannot be read, the last one marked
   * stale. Throws when Postgres cannot be read and there is nothing to fall back on.
   */
  async read(nowMs = Date.now()): Promise<SnapshotRead> {
    const current = this.current;
    if (current && nowMs - current.loadedAtMs < SNAPSHOT_TTL_MS) return { snapshot: current.snapshot, stale: false };
    this.loading ??= this.reload();
    return this.loading;
  }

  private async reload(): Promise<SnapshotRead> {
    const generation = this.generation;
    const startedMs = Date.now();
    try {
      const snapshot = await this.load();
      if (generation === this.generation) this.current = { snapshot, loadedAtMs: startedMs };
      this.lastKnown = snapshot;
      return { snapshot, stale: false };
    } catch (error) {
      console.warn(JSON.stringify({ eventName: "schedule.snapshot_load_failed", message: error instanceof Error ? error.message : String(error) }));
      if (this.lastKnown === undefined) throw error;
      return { snapshot: this.lastKnown, stale: true };
    } finally {
      if (generation === this.generation) this.loading = undefined;
    }
  }
}
