// The provider object's answer memo: identical questions share one computation while nothing has
// changed, a change or a second of age forgets it, failures are not kept, and callers' keys cannot
// grow it without bound.
import { describe, expect, it } from "vitest";
import { AnswerMemo, MEMO_MAX_AGE_MS } from "../../durable-objects/answer-memo";

function counting<T>(value: T) {
  const calls = { n: 0 };
  return { calls, compute: async () => (calls.n++, value) };
}

describe("AnswerMemo", () => {
  it("shares one computation between identical keys, also while it is still running", async () => {
    const memo = new AnswerMemo();
    const { calls, compute } = counting("slots");
    const [a, b] = await Promise.all([memo.get("k", compute, 0), memo.get("k", compute, 10)]);
    expect([a, b]).toEqual(["slots", "slots"]);
    expect(calls.n).toBe(1);
    await memo.get("other", compute, 20);
    expect(calls.n).toBe(2);
  });

  it("recomputes once the answer is a second old, because notice and window move with the clock", async () => {
    const memo = new AnswerMemo();
    const { calls, compute } = counting(1);
    await memo.get("k", compute, 0);
    await memo.get("k", compute, MEMO_MAX_AGE_MS - 1);
    expect(calls.n).toBe(1);
    await memo.get("k", compute, MEMO_MAX_AGE_MS);
    expect(calls.n).toBe(2);
  });

  it("forgets everything on clear (an announced change)", async () => {
    const memo = new AnswerMemo();
    const { calls, compute } = counting(1);
    await memo.get("k", compute, 0);
    memo.clear();
    await memo.get("k", compute, 1);
    expect(calls.n).toBe(2);
  });

  it("does not keep a failed computation", async () => {
    const memo = new AnswerMemo();
    await expect(memo.get("k", () => Promise.reject(new Error("Postgres down")), 0)).rejects.toThrow("Postgres down");
    await expect(memo.get("k", async () => "ok", 1)).resolves.toBe("ok");
  });

  it("stays bounded whatever keys it is asked", async () => {
    const memo = new AnswerMemo();
    const { calls, compute } = counting(1);
    for (let i = 0; i < 1_000; i++) await memo.get(`k${i}`, compute, 0);
    expect(calls.n).toBe(1_000);
    expect((memo as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(256);
  });
});
