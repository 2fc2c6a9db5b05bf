// Several workerd suites skip themselves without Postgres (or without the fault relay) so that a
// bare `vitest` run still works. Under `npm test` (and so in CI) they must run: this fails if the
// services they need were not handed to workerd, instead of letting them pass by skipping.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bindings = env as unknown as Record<string, string | undefined>;

describe.runIf(bindings.REQUIRE_POSTGRES === "1")("suites that need Postgres", () => {
  it("get a database, its WebSocket proxy and the fault relay", () => {
    expect(bindings.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
    expect(bindings.NEON_WS_PROXY).toBeTruthy();
    expect(bindings.FAULT_DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
    expect(bindings.FAULT_CONTROL_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
