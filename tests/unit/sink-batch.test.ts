import { describe, expect, it } from "vitest";
import type { MetricEvent } from "../../workers/metrics/record";
import { SinkBatcher } from "../../workers/metrics/sink-batch";

const event = (name: string): MetricEvent => ({ name, value: 1, labels: {} });

describe("SinkBatcher", () => {
  it("gathers the events of many requests into one send, started by the first request only", async () => {
    const sent: MetricEvent[][] = [];
    const send = async (events: MetricEvent[]) => void sent.push(events);
    const batcher = new SinkBatcher(20, 100);
    const first = batcher.add([event("a")], send);
    expect(first).toBeInstanceOf(Promise);
    expect(batcher.add([event("b"), event("c")], send)).toBeNull();
    expect(sent).toEqual([]);
    await first;
    expect(sent.map((batch) => batch.map((e) => e.name))).toEqual([["a", "b", "c"]]);
    expect(sent[0]!.every((e) => e.at instanceof Date)).toBe(true);

    // The next request after a send starts a new batch.
    const next = batcher.add([event("d")], send);
    expect(next).toBeInstanceOf(Promise);
    await next;
    expect(sent.map((batch) => batch.map((e) => e.name))).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("sends at once when a batch reaches its maximum, and keeps a stamp the caller set", async () => {
    const sent: MetricEvent[][] = [];
    const send = async (events: MetricEvent[]) => void sent.push(events);
    const batcher = new SinkBatcher(10_000, 3);
    const backfilled = { ...event("old"), at: new Date("2026-01-01T00:00:00Z") };
    void batcher.add([backfilled], send);
    const full = batcher.add([event("x"), event("y")], send);
    await full;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((e) => e.name)).toEqual(["old", "x", "y"]);
    expect(sent[0]![0]!.at).toEqual(new Date("2026-01-01T00:00:00Z"));
  });
});
