/// <reference types="@cloudflare/vitest-plugin/types" />
// The live feed of the provider Durable Object: ordering and seq, replay with `since`, snapshots,
// SSE parity, audience separation (asserted on raw frames), filters, bad client messages, hibernation.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AUDIENCE_HEADER, ProviderMessage, PublicMessage } from "../../durable-objects/live-messages";
import { EVENT_LOG_SIZE } from "../../durable-objects/schedule-store";
import {
  SECRET,
  SseReader,
  at,
  bookingChange,
  connectDirect,
  eventually,
  holdInput,
  newProvider,
  sleep,
} from "./provider-schedule.helpers";

const HOLDER = "holder-token-SECRET-0123456789";

/** hold, book, reschedule, cancel, release, schedule change: one of every event type. */
async function produceEveryEvent(stub: Awaited<ReturnType<typeof newProvider>>["stub"]): Promise<void> {
  const held = await stub.hold(holdInput(HOLDER, 60));
  if (!held.ok) throw new Error("hold refused");
  await stub.claimForBooking({ holder: HOLDER, holdId: held.hold.id, occupiedFrom: held.hold.occupiedFrom, occupiedUntil: held.hold.occupiedUntil, bookingId: "bk-77" });
  await stub.bookingChanged(bookingChange("booked", "bk-77", 60, { status: "pending" }));
  await stub.bookingChanged(bookingChange("rescheduled", "bk-77", 180, { previousStart: 60 }));
  await stub.bookingChanged(bookingChange("cancelled", "bk-77", 180));
  const again = await stub.hold(holdInput(HOLDER, 300));
  if (again.ok) await stub.release(again.hold.id, HOLDER);
  await stub.scheduleChanged();
}

describe("WebSocket feed", () => {
  it("two subscribers receive the same deltas in order with increasing seq", async () => {
    const { stub } = await newProvider();
    const a = await connectDirect(stub, "public");
    const b = await connectDirect(stub, "provider");
    const [snapA] = await a.take(1);
    const [snapB] = await b.take(1);
    expect(snapA).toMatchObject({ type: "snapshot", seq: 0, items: [] });
    expect(snapB).toMatchObject({ type: "snapshot", seq: 0 });

    await produceEveryEvent(stub);
    const expectedTypes = ["slot.held", "slot.released", "slot.booked", "slot.rescheduled", "slot.cancelled", "slot.held", "slot.released", "schedule.changed"];
    const gotA = await a.take(expectedTypes.length);
    const gotB = await b.take(expectedTypes.length);
    expect(gotA.map((m) => m.type)).toEqual(expectedTypes);
    expect(gotB.map((m) => m.type)).toEqual(expectedTypes);
    expect(gotA.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(gotB.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const m of gotA) expect(PublicMessage.safeParse(m).success).toBe(true);
    for (const m of gotB) expect(ProviderMessage.safeParse(m).success).toBe(true);
    expect(gotB[1]).toMatchObject({ type: "slot.released", reason: "claimed" });
    expect(gotB[3]).toMatchObject({ interval: { start: at(180) }, previousInterval: { start: at(60) }, booking: { bookingId: "bk-77" } });
    expect(await a.rest()).toEqual([]);
    a.close();
    b.close();
  });

  it("a reconnect with since receives exactly what it missed", async () => {
    const { stub } = await newProvider();
    const first = await connectDirect(stub, "public");
    await first.take(1);
    await stub.scheduleChanged();
    await stub.bookingChanged(bookingChange("booked", "bk-1", 0));
    const seen = await first.take(2);
    const lastSeen = seen[1].seq;
    first.close();

    await stub.bookingChanged(bookingChange("booked", "bk-2", 120));
    await stub.hold(holdInput("h", 240));
    await stub.scheduleChanged();

    const again = await connectDirect(stub, "public", { since: lastSeen });
    const missed = await again.take(3);
    expect(missed.map((m) => [m.type, m.seq])).toEqual([
      ["slot.booked", lastSeen + 1],
      ["slot.held", lastSeen + 2],
      ["schedule.changed", lastSeen + 3],
    ]);
    expect(await again.rest()).toEqual([]); // no snapshot, no duplicates
    // Live events continue after the replay without a gap.
    await stub.scheduleChanged();
    expect((await again.take(1))[0]).toMatchObject({ type: "schedule.changed", seq: lastSeen + 4 });

    // Up to date: nothing at all is sent.
    const current = await connectDirect(stub, "public", { since: lastSeen + 4 });
    expect(await current.rest()).toEqual([]);
    again.close();
    current.close();
  });

  it("a since older than the log (or from the future) gets a snapshot instead", async () => {
    const { stub } = await newProvider();
    await stub.bookingChanged(bookingChange("booked", "bk-1", 60));
    await stub.hold(holdInput("h", 240, { after: 30 }));
    for (let i = 0; i < EVENT_LOG_SIZE + 5; i++) await stub.scheduleChanged();
    const lastSeq = EVENT_LOG_SIZE + 7;

    const stale = await connectDirect(stub, "public", { since: 1 });
    const [snapshot] = await stale.take(1);
    expect(snapshot).toMatchObject({ type: "snapshot", seq: lastSeq, from: null, to: null });
    expect(snapshot.items).toEqual([
      { kind: "booking", interval: { start: at(60), end: at(120), occupiedFrom: at(60), occupiedUntil: at(120) } },
      { kind: "hold", interval: { start: at(240), end: at(300), occupiedFrom: at(240), occupiedUntil: at(330) } },
    ]);
    expect(await stale.rest()).toEqual([]);

    const future = await connectDirect(stub, "public", { since: lastSeq + 100 });
    expect((await future.take(1))[0]).toMatchObject({ type: "snapshot", seq: lastSeq });

    // The newest EVENT_LOG_SIZE events are still replayable.
    const edge = await connectDirect(stub, "public", { since: lastSeq - EVENT_LOG_SIZE });
    const replayed = await edge.take(EVENT_LOG_SIZE);
    expect(replayed[0].seq).toBe(lastSeq - EVENT_LOG_SIZE + 1);
    expect(replayed.at(-1).seq).toBe(lastSeq);
    stale.close();
    future.close();
    edge.close();
  });

  it("only sends events intersecting the subscriber's window; schedule.changed goes to everyone", async () => {
    const { stub } = await newProvider();
    const windowed = await connectDirect(stub, "public", { from: at(0), to: at(120) });
    const [snap] = await windowed.take(1);
    expect(snap).toMatchObject({ type: "snapshot", from: at(0), to: at(120) });

    await stub.bookingChanged(bookingChange("booked", "inside", 60)); // 10:00-11:00: inside
    await stub.bookingChanged(bookingChange("booked", "touching", 120)); // starts at `to`: outside (half-open)
    await stub.bookingChanged(bookingChange("rescheduled", "moved-in", 30, { previousStart: 600 })); // moved into the window
    await stub.bookingChanged(bookingChange("booked", "far", 900));
    await stub.scheduleChanged();
    const got = await windowed.take(3);
    expect(got.map((m) => [m.type, m.seq])).toEqual([
      ["slot.booked", 1],
      ["slot.rescheduled", 3],
      ["schedule.changed", 5],
    ]);
    expect(await windowed.rest()).toEqual([]);

    // Changing the window answers with a snapshot of the new window, then filters by it.
    windowed.send({ type: "subscribe", from: at(800), to: at(1000) });
    const [resnap] = await windowed.take(1);
    expect(resnap).toMatchObject({ type: "snapshot", seq: 5, from: at(800), to: at(1000) });
    expect(resnap.items).toHaveLength(1);
    await stub.bookingChanged(bookingChange("cancelled", "far", 900));
    await stub.bookingChanged(bookingChange("cancelled", "inside", 60));
    expect((await windowed.take(1))[0]).toMatchObject({ type: "slot.cancelled", seq: 6 });
    expect(await windowed.rest()).toEqual([]);
    windowed.close();
  });

  it("keeps the public audience free of personal data (raw frames), the provider audience gets details", async () => {
    const { stub } = await newProvider();
    const pub = await connectDirect(stub, "public");
    const prov = await connectDirect(stub, "provider");
    const sse = new SseReader(await stub.fetch("https://provider-schedule/sse", { headers: { [AUDIENCE_HEADER]: "public" } }));
    await Promise.all([pub.take(1), prov.take(1), sse.take(1)]);
    await produceEveryEvent(stub);
    await stub.bookingChanged(bookingChange("booked", "bk-88", 600));
    await Promise.all([pub.take(9), prov.take(9), sse.take(9)]);
    // Reconnect both audiences without since: snapshots now contain a hold and a booking.
    await stub.hold(holdInput(HOLDER, 800));
    const pubSnap = await connectDirect(stub, "public");
    const provSnap = await connectDirect(stub, "provider");
    const [ps] = await pubSnap.take(1);
    const [vs] = await provSnap.take(1);
    expect(ps.items.map((i: { kind: string }) => i.kind)).toEqual(["booking", "hold"]);
    expect(vs.items[0].booking).toMatchObject({ bookingId: "bk-88", customerName: SECRET.customerName });
    expect(vs.items[1].hold.holdId).toBeTruthy();

    const publicRaw = [...pub.raw, ...pubSnap.raw, ...sse.rawText].join("\n");
    for (const secret of [SECRET.customerName, SECRET.confirmationCode, SECRET.serviceName, SECRET.email, HOLDER, "bk-77", "bk-88", "svc-1"]) {
      expect(publicRaw).not.toContain(secret);
    }
    for (const key of ["customerName", "confirmationCode", "email", "holder", "holdId", "bookingId", "serviceId", "booking", "notes", "reason", "change"]) {
      expect(publicRaw).not.toContain(`"${key}":`);
    }
    for (const raw of [...pub.raw, ...pubSnap.raw]) expect(PublicMessage.safeParse(JSON.parse(raw)).success).toBe(true);

    const providerRaw = [...prov.raw, ...provSnap.raw].join("\n");
    expect(providerRaw).toContain(SECRET.customerName);
    expect(providerRaw).toContain(SECRET.confirmationCode);
    // Even the provider never sees holder tokens: they authorize releasing a hold.
    expect(providerRaw).not.toContain(HOLDER);
    for (const c of [pub, prov, pubSnap, provSnap]) c.close();
    await sse.cancel();
  });

  it("answers bad client messages with an error frame and keeps working", async () => {
    const { stub } = await newProvider();
    const ws = await connectDirect(stub, "public");
    await ws.take(1);
    ws.send("this is not json");
    ws.send({ type: "shout", text: "hi" });
    ws.send({ type: "subscribe", from: "yesterday" });
    ws.send({ type: "subscribe", from: at(100), to: at(50) });
    ws.send({ type: "ping", extra: true });
    ws.send(JSON.stringify({ type: "subscribe", pad: "x".repeat(5000) }));
    ws.send(new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer);
    const errors = await ws.take(7);
    expect(errors.every((m) => m.type === "error" && typeof m.message === "string")).toBe(true);
    expect(errors[0].message).toMatch(/JSON/);
    expect(errors[2].message).toMatch(/from/);
    expect(errors[3].message).toMatch(/to/);
    expect(errors[5].message).toMatch(/too large/);
    expect(errors[6].message).toMatch(/[Bb]inary/);

    ws.send({ type: "ping" });
    expect((await ws.take(1))[0]).toEqual({ type: "pong" });
    ws.send("ping"); // answered by the runtime's auto-response, without waking the object
    expect((await ws.take(1))[0]).toBe("pong");
    expect((await stub.hold(holdInput("a", 60))).ok).toBe(true);
    expect((await ws.take(1))[0]).toMatchObject({ type: "slot.held", seq: 1 });
    ws.close();
  });

  it("reciprocates a client's close and forgets the socket", async () => {
    const { stub } = await newProvider();
    const ws = await connectDirect(stub, "public");
    await ws.take(1);
    expect((await stub.liveSubscriberCount()).webSockets).toBe(1);
    ws.close(4000);
    await eventually(() => ws.closeEvent !== undefined);
    expect(ws.closeEvent?.code).toBe(4000);
    await eventually(async () => (await stub.liveSubscriberCount()).webSockets === 0);
  });

  it("sockets survive eviction (hibernation) and keep their audience and window", async () => {
    const { stub } = await newProvider();
    const pub = await connectDirect(stub, "public", { from: at(0), to: at(600) });
    const prov = await connectDirect(stub, "provider");
    await Promise.all([pub.take(1), prov.take(1)]);
    await evictDurableObject(stub);
    await stub.bookingChanged(bookingChange("booked", "bk-1", 60));
    await stub.bookingChanged(bookingChange("booked", "bk-2", 900)); // outside pub's window
    const [p] = await pub.take(1);
    expect(p).toMatchObject({ type: "slot.booked", seq: 1 });
    expect(p.booking).toBeUndefined();
    const v = await prov.take(2);
    expect(v[0].booking.customerName).toBe(SECRET.customerName);
    expect(await pub.rest()).toEqual([]);
    pub.close();
    prov.close();
  });
});

describe("SSE feed", () => {
  it("delivers the same events as the WebSocket, with id/event fields, and resumes with Last-Event-ID", async () => {
    const { stub } = await newProvider();
    const ws = await connectDirect(stub, "provider");
    const sse = new SseReader(await stub.fetch("https://provider-schedule/sse", { headers: { [AUDIENCE_HEADER]: "provider" } }));
    await ws.take(1);
    const [snap] = await sse.take(1);
    expect(snap._sse).toEqual({ id: "0", event: "snapshot" });

    await produceEveryEvent(stub);
    const viaWs = await ws.take(8);
    const viaSse = await sse.take(8);
    expect(viaSse.map(({ _sse, ...m }) => m)).toEqual(viaWs);
    expect(viaSse.map((m) => m._sse)).toEqual(viaWs.map((m) => ({ id: String(m.seq), event: m.type })));
    expect((await stub.liveSubscriberCount()).sse).toBe(1);

    // Client goes away: the object drops the writer.
    await sse.cancel();
    await eventually(async () => (await stub.liveSubscriberCount()).sse === 0);

    await stub.scheduleChanged();
    // EventSource reconnects to the same URL (an old ?since) and adds Last-Event-ID: the header wins.
    const resumed = new SseReader(
      await stub.fetch("https://provider-schedule/sse?since=1", { headers: { [AUDIENCE_HEADER]: "provider", "last-event-id": "8" } }),
    );
    const [missed] = await resumed.take(1);
    expect(missed).toMatchObject({ type: "schedule.changed", seq: 9 });
    await sleep(50);
    expect(resumed.events).toHaveLength(1);
    await resumed.cancel();
    ws.close();
  });
});
