// Postgres errors reach us wrapped (drizzle wraps the driver's error in `cause`); the services only
// care about the SQLSTATE and the constraint/index that fired.

export interface PgErrorInfo {
  code: string;
  constraint?: string;
}

export const EXCLUSION_VIOLATION = "23P01";
export const UNIQUE_VIOLATION = "23505";

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
