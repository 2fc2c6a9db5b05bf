// The versioned JSON API (/api/v1/...). A route is a method, a URL pattern and a handler; handlers parse
// input with zod, call a service, and return JSON. Every error goes through toErrorResponse.
import type { DatabaseHandle } from "../../db/client";
import type { AppConfig, Env } from "../env";
import { errorResponse, toErrorResponse } from "../http/errors";
import { errorKindOf, type MetricBuffer } from "../metrics/record";

export interface ApiContext {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  config: AppConfig;
  database: DatabaseHandle;
  /** Funnel steps, latencies and errors of this request (workers/metrics). */
  metrics: MetricBuffer;
  params: Record<string, string>;
  url: URL;
}

export type ApiHandler = (context: ApiContext) => Promise<Response>;

interface Route {
  method: string;
  pattern: URLPattern;
  handler: ApiHandler;
}

const routes: Route[] = [];

/** Registers a route; `path` uses URLPattern syntax such as /api/v1/bookings/:code. */
export function route(method: string, path: string, handler: ApiHandler) {
  routes.push({ method, pattern: new URLPattern({ pathname: path }), handler });
}

/** Every registered route as "METHOD /path" (the authorization matrix checks it has a row for each). */
export function registeredRoutes(): string[] {
  return routes.map((r) => `${r.method} ${r.pattern.pathname}`);
}

export async function handleApi(context: Omit<ApiContext, "params">): Promise<Response> {
  const { request, url } = context;
  let pathMatched = false;
  for (const candidate of routes) {
    const match = candidate.pattern.exec({ pathname: url.pathname });
    if (!match) continue;
    pathMatched = true;
    if (candidate.method !== request.method && !(candidate.method === "GET" && request.method === "HEAD")) continue;
    const params = Object.fromEntries(
      Object.entries(match.pathname.groups).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    try {
      return await candidate.handler({ ...context, params });
    } catch (error) {
      context.metrics.add("error", { labels: { kind: errorKindOf(error), route: candidate.pattern.pathname } });
      return toErrorResponse(error);
    }
  }
  return pathMatched
    ? errorResponse(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed on ${url.pathname}`)
    : errorResponse(404, "NOT_FOUND", `No API route for ${url.pathname}`);
}
