import { describe, expect, it } from "vitest";
import { DEADLOCK_DETECTED, EXCLUSION_VIOLATION, retryOnDeadlock } from "../../workers/services/pg-errors";

// drizzle wraps the driver's error: the SQLSTATE sits in `cause`.
const pgFailure = (code: string) => Object.assign(new Error("Failed query"), { cause: Object.assign(new Error("driver"), { code }) });

describe("retryOnDeadlock", () => {
  it("runs a deadlock victim again and tells it that it is a retry, so it can queue behind the provider's lock", async () => {
    const calls: boolean[] = [];
    const result = await retryOnDeadlock(async (retry) => {
      calls.push(retry);
      if (calls.length < 3) throw pgFailure(DEADLOCK_DETECTED);
      return "committed";
    });
    expect(result).toBe("committed");
    expect(calls).toEqual([false, true, true]);
  });

  it("gives up after its attempts and rethrows other errors at once", async () => {
    let deadlocks = 0;
    await expect(retryOnDeadlock(async () => { deadlocks++; throw pgFailure(DEADLOCK_DETECTED); }, 3)).rejects.toThrow("Failed query");
    expect(deadlocks).toBe(3);
    let overlaps = 0;
    await expect(retryOnDeadlock(async () => { overlaps++; throw pgFailure(EXCLUSION_VIOLATION); })).rejects.toThrow("Failed query");
    expect(overlaps).toBe(1);
  });
});
