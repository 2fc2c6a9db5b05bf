/// <reference types="@cloudflare/vitest-plugin/types" />
// Denial of inventory: holder tokens are free to mint, so a client must not be able to hide a
// provider's week from everyone. The server decides the TTL; a new pick for the same service replaces
// the holder's previous one; live holds are capped per provider (per token and per network address)
// and across providers (ClientBudget); a page's release loses to a newer view of the same hold.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HOLD_MAX_LIFETIME_TTLS } from "../../domain/holds";
import { connectDirect, holdInput, newProvider, testEnv } from "./provider-schedule.helpers";

function budget(name = `client-${crypto.randomUUID()}`) {
  return { name, stub: testEnv.CLIENT_BUDGET.get(testEnv.CLIENT_BUDGET.idFromName(name)) };
}

const ATTEMPTS = { purpose: "hold", limit: 1000, windowSeconds: 600 };

describe("the provider's object", () => {
  it("an indecisive customer (pick, go back, pick another, 20 times) holds one time, and every abandoned time is free again", async () => {
    const { stub } = await newProvider();
    const feed = await connectDirect(stub, "provider");
    await feed.take(1); // snapshot
    let previous: string | null = null;
    for (let i = 0; i < 20; i++) {
      const r = await stub.hold({ ...holdInput("browser-1", i * 60), clientKey: "net-a" });
      expect(r.ok, `pick ${i + 1}`).toBe(true);
      if (!r.ok) return;
      expect(r.replacedHoldIds).toEqual(previous ? [previous] : []);
      previous = r.hold.id;
    }
    expect(await stub.liveHoldCount()).toBe(1);
    // Every earlier pick is free for someone else at once, and the feed said so.
    for (let i = 0; i < 19; i++) expect((await stub.hold(holdInput(`other-${i}`, i * 60))).ok).toBe(true);
    const frames = await feed.rest(200);
    expect(frames.filter((f) => f.type === "slot.released" && f.reason === "replaced")).toHaveLength(19);
    feed.close();
  });

  it("caps live holds per network address at 3, whatever tokens it mints", async () => {
    const { stub } = await newProvider();
    for (let i = 0; i < 3; i++) expect((await stub.hold({ ...holdInput(`token-${i}`, i * 60, { serviceId: `svc-${i}` }), clientKey: "net-b" })).ok).toBe(true);
    const fourth = await stub.hold({ ...holdInput("token-3", 600), clientKey: "net-b" });
    expect(fourth).toMatchObject({ ok: false, reason: "LIMIT" });
    expect(!fourth.ok && fourth.message).toMatch(/from your network/);
    expect((await stub.hold({ ...holdInput("token-3", 600), clientKey: "net-c" })).ok).toBe(true);
  });

  it("never lets a client lengthen a hold: the server's TTL, and at most two of them however often it is extended", async () => {
    const { stub } = await newProvider();
    const before = Date.now();
    const r = await stub.hold(holdInput("a", 60, { ttl: 3600 }));
    if (!r.ok) throw new Error("hold refused");
    expect(Date.parse(r.hold.expiresAt) - before).toBeLessThanOrEqual(601_000);
    // Pretend it was granted 15 minutes ago and ends in a minute: extending reaches only 20 minutes after the grant.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET created_at_ms = created_at_ms - ?, expires_at_ms = ?", 15 * 60_000, Date.now() + 60_000);
    });
    const extended = await stub.extend(r.hold.id, "a", 3600);
    if (!extended.ok) throw new Error("extend refused");
    const created = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ c: number }>("SELECT created_at_ms AS c FROM holds").one().c);
    expect(Date.parse(extended.hold.expiresAt)).toBe(created + HOLD_MAX_LIFETIME_TTLS * 600_000);
  });

  it("a page's release loses to a newer view of the same hold (a reload's beacon arriving late)", async () => {
    const { stub } = await newProvider();
    const r = await stub.hold(holdInput("a", 60));
    if (!r.ok) throw new Error("hold refused");
    const oldPageShownAt = Date.now() - 5_000;
    expect(await stub.showHold(r.hold.id, "a")).toMatchObject({ ok: true, hold: { id: r.hold.id } });
    expect(await stub.release(r.hold.id, "a", oldPageShownAt)).toEqual({ ok: true, kept: true });
    expect(await stub.liveHoldCount()).toBe(1);
    expect(await stub.showHold(r.hold.id, "b")).toMatchObject({ ok: false, reason: "NOT_OWNER" });
    expect(await stub.release(r.hold.id, "a", Date.now() + 1)).toEqual({ ok: true });
    expect(await stub.liveHoldCount()).toBe(0);
  });
});

describe("ClientBudget", () => {
  it("caps live holds across providers at 10 per client, and frees a place when one is released or replaced", async () => {
    const client = budget();
    const providers = await Promise.all(Array.from({ length: 11 }, () => newProvider()));
    const results = [];
    for (const [i, provider] of providers.entries()) {
      results.push(await client.stub.hold({ ...holdInput("browser", 60), providerId: provider.id, serviceId: `svc-${i}` }, ATTEMPTS));
    }
    expect(results.slice(0, 10).every((r) => r.ok)).toBe(true);
    expect(results[10]).toMatchObject({ ok: false, reason: "LIMIT" });
    expect(await client.stub.liveHoldCount()).toBe(10);
    // Replacing the pick at one provider does not count twice.
    expect((await client.stub.hold({ ...holdInput("browser", 180), providerId: providers[0]!.id, serviceId: "svc-0" }, ATTEMPTS)).ok).toBe(true);
    expect(await client.stub.liveHoldCount()).toBe(10);
    // A release at the provider tells the budget.
    const first = results[1]!;
    if (!first.ok) throw new Error("hold refused");
    expect(await providers[1]!.stub.release(first.hold.id, "browser")).toEqual({ ok: true });
    await expect.poll(() => client.stub.liveHoldCount()).toBe(9);
    expect((await client.stub.hold({ ...holdInput("browser", 60), providerId: providers[10]!.id, serviceId: "svc-10" }, ATTEMPTS)).ok).toBe(true);
  });

  it("holds the cap exactly under concurrent attempts", async () => {
    const client = budget();
    const providers = await Promise.all(Array.from({ length: 15 }, () => newProvider()));
    const results = await Promise.all(
      providers.map((provider, i) => client.stub.hold({ ...holdInput(`t${i}`, 60), providerId: provider.id, serviceId: "svc" }, ATTEMPTS)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok && r.reason === "LIMIT")).toHaveLength(5);
  });

  it("counts attempts in a sliding window, refused ones included, and says when to retry", async () => {
    const client = budget();
    const rule = { purpose: "booking", limit: 3, windowSeconds: 60 };
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await client.stub.attempt(rule));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    expect(verdicts[4]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(verdicts[4]!.retryAfterSeconds).toBeLessThanOrEqual(120);
    // Another purpose has its own budget.
    expect((await client.stub.attempt({ ...rule, purpose: "hold" })).allowed).toBe(true);
  });
});
