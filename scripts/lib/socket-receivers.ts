// WebSocket receivers for bench:live, spread over worker threads: one Node thread parsing 1,000
// sockets' frames queues them behind each other, so its own backlog would show up as fan-out latency.
// Each thread opens its share of the sockets and stamps every arrival with wall-clock time at
// sub-millisecond resolution (performance.timeOrigin + performance.now(), comparable across threads).
//
// Used from the main thread through SocketReceivers; the same file is the thread's code.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";

/** "await": answer once every socket of the thread has event `seq`, or after `timeoutMs`. */
type ToThread = { type: "await"; seq: number; timeoutMs: number } | { type: "close" };
type FromThread =
  | { type: "open"; count: number }
  | { type: "error"; message: string }
  | { type: "arrivals"; seq: number; times: number[] };

/** Wall-clock milliseconds with sub-millisecond resolution, the same clock in every thread. */
export const wallNow = () => performance.timeOrigin + performance.now();

async function runThread(url: string, count: number): Promise<void> {
  const arrivals = new Map<number, number[]>();
  const sockets: WebSocket[] = [];
  const waiting = new Map<number, ReturnType<typeof setTimeout>>();
  const answer = (seq: number) => {
    const timer = waiting.get(seq);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(seq);
    parentPort!.postMessage({ type: "arrivals", seq, times: arrivals.get(seq) ?? [] } satisfies FromThread);
  };
  const openOne = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      let gotSnapshot = false;
      ws.on("message", (data) => {
        const now = wallNow();
        if (!gotSnapshot) {
          gotSnapshot = true;
          resolve(ws);
          return;
        }
        const seq = (JSON.parse(data.toString()) as { seq: number }).seq;
        let list = arrivals.get(seq);
        if (!list) arrivals.set(seq, (list = []));
        list.push(now);
        if (list.length === sockets.length) answer(seq);
      });
      ws.on("error", reject);
      ws.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  const port = parentPort!;
  try {
    for (let i = 0; i < count; i += 50) sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, openOne))));
  } catch (error) {
    port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) } satisfies FromThread);
    return;
  }
  port.postMessage({ type: "open", count: sockets.length } satisfies FromThread);
  port.on("message", (message: ToThread) => {
    if (message.type === "close") {
      for (const ws of sockets) ws.terminate();
      port.close();
      return;
    }
    waiting.set(message.seq, setTimeout(() => answer(message.seq), message.timeoutMs));
    if ((arrivals.get(message.seq)?.length ?? 0) === sockets.length) answer(message.seq);
  });
}

if (!isMainThread && (workerData as { socketReceivers?: boolean })?.socketReceivers) {
  const { url, count } = workerData as { url: string; count: number };
  void runThread(url, count);
}

/** `sockets` WebSockets to `url`, opened and read by `threads` worker threads. */
export class SocketReceivers {
  private constructor(private readonly workers: Worker[]) {}

  static async open(url: string, sockets: number, threads: number): Promise<SocketReceivers> {
    const n = Math.max(1, Math.min(threads, sockets));
    const workers = Array.from({ length: n }, (_, i) => {
      const count = Math.floor(sockets / n) + (i < sockets % n ? 1 : 0);
      return new Worker(new URL(import.meta.url), { workerData: { socketReceivers: true, url, count } });
    });
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once("error", reject);
            w.once("message", (m: FromThread) => (m.type === "open" ? resolve() : reject(new Error(m.type === "error" ? m.message : "unexpected message"))));
          }),
      ),
    );
    return new SocketReceivers(workers);
  }

  /** Arrival times (wallNow) of event `seq`: once every socket has it, or what arrived within `timeoutMs`. */
  async arrivals(seq: number, timeoutMs: number): Promise<number[]> {
    const parts = await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<number[]>((resolve) => {
            const onMessage = (m: FromThread) => {
              if (m.type !== "arrivals" || m.seq !== seq) return;
              w.off("message", onMessage);
              resolve(m.times);
            };
            w.on("message", onMessage);
            w.postMessage({ type: "await", seq, timeoutMs } satisfies ToThread);
          }),
      ),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => void w.terminate(), 2_000);
            w.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            w.postMessage({ type: "close" } satisfies ToThread);
          }),
      ),
    );
  }
}
