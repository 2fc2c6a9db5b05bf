// The per-isolate memory of live sessions: trusted only for its window, per user, bounded, forgettable.
import { describe, expect, it } from "vitest";
import { LiveSessionMemory } from "../../workers/auth/session-store";

describe("LiveSessionMemory", () => {
  it("trusts a session for the asked window only, and only for the user it was seen with", () => {
    let now = 1_000_000;
    const memory = new LiveSessionMemory(() => now);
    memory.remember("s1", "u1");
    expect(memory.seenWithin("s1", "u1", 30_000)).toBe(true);
    expect(memory.seenWithin("s1", "u2", 30_000)).toBe(false);
    now += 30_000;
    expect(memory.seenWithin("s1", "u1", 30_000)).toBe(false);
    expect(memory.seenWithin("s1", "u1", 15 * 60_000)).toBe(true);
  });

  it("forgets one session, or all of a user's but the one kept", () => {
    const memory = new LiveSessionMemory(() => 0);
    for (const sid of ["a", "b", "c"]) memory.remember(sid, "u1");
    memory.remember("d", "u2");
    memory.forget("a");
    expect(memory.seenWithin("a", "u1", 1)).toBe(false);
    memory.forgetUser("u1", "c");
    expect(memory.seenWithin("b", "u1", 1)).toBe(false);
    expect(memory.seenWithin("c", "u1", 1)).toBe(true);
    expect(memory.seenWithin("d", "u2", 1)).toBe(true);
  });

  it("stays bounded, dropping the longest-unseen session first", () => {
    const memory = new LiveSessionMemory(() => 0);
    for (let i = 0; i <= 10_000; i++) memory.remember(`s${i}`, "u");
    expect(memory.seenWithin("s0", "u", 1)).toBe(false);
    expect(memory.seenWithin("s1", "u", 1)).toBe(true);
    expect(memory.seenWithin("s10000", "u", 1)).toBe(true);
  });
});
