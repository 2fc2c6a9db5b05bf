// Telling "Postgres cannot be reached" apart from every other failure, and describing a failure for
// the logs without the query's parameters (drizzle puts them, customer data included, in its message).
//
// Unreachable means the request could succeed a few seconds later unchanged, so callers answer 503
// with Retry-After instead of 500: the connection was refused, dropped or timed out, or Postgres
// said it is shutting down, starting up or out of connections.

/** SQLSTATE classes and codes that mean "not now" rather than "not like this". */
const UNREACHABLE_CODES = [/^08/, /^57P0[1-3]$/, /^53300$/];
const UNREACHABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated|connection lost|Network connection lost|WebSocket|socket hang up|timeout exceeded when trying to connect|Can't call WebSocket send\(\) after close|the database system is (starting up|shutting down)|terminating connection/i;

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8; ) {
    chain.push(current);
    current = typeof current === "object" && "cause" in current ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null && "code" in error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

function ownMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message?: unknown }).message);
  return String(error);
}

export function isDatabaseUnreachable(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = codeOf(e);
    if (code && UNREACHABLE_CODES.some((pattern) => pattern.test(code))) return true;
    // drizzle's wrapper repeats the SQL; only the driver's own words say what happened.
    if (ownMessage(e).startsWith("Failed query:")) return false;
    return UNREACHABLE_MESSAGES.test(ownMessage(e));
  });
}

/** Name, SQLSTATE and message of the innermost cause; never the SQL text or its parameters. */
export function describeFailure(error: unknown): { name: string; code?: string; message: string } {
  const chain = causes(error);
  const innermost = chain[chain.length - 1];
  const message = ownMessage(innermost).replace(/\nparams:[\s\S]*$/, "").replace(/^Failed query:[\s\S]*$/, "query failed");
  const code = chain.map(codeOf).find((c) => c !== undefined);
  return { name: innermost instanceof Error ? innermost.name : typeof innermost, ...(code ? { code } : {}), message };
}
