// Provider directory, availability and the API description. Handlers only parse → call → map;
// paths and methods come from API_OPERATIONS (workers/api/openapi.ts), so each route is documented.
import { findActiveProviderWithServices, listActiveProviders } from "../../db/queries/availability";
import { CancellationPolicySchema, describePolicy } from "../../domain/cancellation-policy";
import { DomainError } from "../../domain/errors";
import { json } from "../http/errors";
import { availabilityFromSchedule } from "../services/schedule-reads";
import { API_OPERATIONS, buildOpenApiDocument, type ApiOperation } from "./openapi";
import { type ApiHandler, route } from "./router";
import { AvailabilityQuerySchema, ProviderListQuerySchema, ProviderParamsSchema } from "./schemas";

function register(operation: ApiOperation, handler: ApiHandler) {
  route(operation.method, operation.path, handler);
}

const query = (url: URL) => Object.fromEntries(url.searchParams);

function providerNotFound(): DomainError {
  return new DomainError("NOT_FOUND", "No such provider");
}

register(API_OPERATIONS.listProviders, async ({ database, url }) => {
  const input = ProviderListQuerySchema.parse(query(url));
  return json({ providers: await listActiveProviders(database.db, { q: input.q || undefined, limit: input.limit, offset: input.offset }) });
});

register(API_OPERATIONS.getProvider, async ({ database, params }) => {
  const { providerId } = ProviderParamsSchema.parse(params);
  const found = await findActiveProviderWithServices(database.db, providerId);
  if (!found) throw providerNotFound();
  return json({
    provider: found.provider,
    services: found.services.map((s) => {
      const policy = CancellationPolicySchema.safeParse(s.cancellationPolicy);
      return {
        id: s.id,
        name: s.name,
        description: s.description,
        category: s.category,
        durationMinutes: s.durationMinutes,
        priceAmount: s.priceAmount,
        currency: s.currency,
        requiresApproval: s.requiresApproval,
        cancellationPolicy: policy.success ? describePolicy(policy.data) : [],
      };
    }),
  });
});

// Answered by the provider's Durable Object from memory (no Postgres connection from this request).
register(API_OPERATIONS.getAvailability, async ({ params, url, env, metrics }) => {
  const { providerId } = ProviderParamsSchema.parse(params);
  const input = AvailabilityQuerySchema.parse(query(url));
  const result = await metrics.withTiming("latency.availability_ms", () =>
    availabilityFromSchedule(env, providerId, { serviceId: input.serviceId, from: input.from, to: input.to, timeZone: input.timeZone }),
  );
  if (input.purpose === "view") metrics.add("funnel.slot_view", { labels: { providerId, serviceId: input.serviceId } });
  return json(result);
});

let openApiDocument: Record<string, unknown> | undefined;

register(API_OPERATIONS.getOpenApi, async () => {
  // Built once per isolate: the schemas do not change while it lives. No `servers`: paths are relative
  // to wherever the document was fetched from.
  openApiDocument ??= buildOpenApiDocument();
  return json(openApiDocument, { headers: { "cache-control": "public, max-age=300" } });
});
