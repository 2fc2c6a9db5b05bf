// Postgres errors reach us wrapped (drizzle wraps the driver's error in `cause`); the services only
// care about the SQLSTATE and the constraint/index that fired.

export interface PgErrorInfo {
  code: string;
  constraint?: string;
}

export const EXCLUSION_VIOLATION = "23P01";
export const UNIQUE_VIOLATION = "23505";
/**
 * Concurrent inserts that conflict on an exclusion constraint can wait on each other (each sees the
 * other's uncommitted row) and Postgres breaks the cycle by aborting one with 40P01. The victim did
 * nothing wrong: running it again either succeeds or meets the winner's committed row as 23P01.
 */
export const DEADLOCK_DETECTED = "40P01";

/**
 * Runs `fn` (a whole transaction) again when Postgres picked it as a deadlock victim. `fn` is told
 * when it is a retry: it should then queue behind the provider's lock (queueForProviderBookingWrites)
 * first, since a victim that simply rejoins the race can keep forming new cycles under load.
 */
export async function retryOnDeadlock<T>(fn: (retry: boolean) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt > 1);
    } catch (error) {
      if (attempt >= attempts || !isPgError(error, DEADLOCK_DETECTED)) throw error;
    }
  }
}

export function pgError(error: unknown): PgErrorInfo | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 8; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        constraint: typeof candidate.constraint === "string" ? candidate.constraint : undefined,
      };
    }
    current = candidate.cause;
  }
  return undefined;
}

export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  const info = pgError(error);
  return info !== undefined && info.code === code && (constraint === undefined || info.constraint === constraint);
}
