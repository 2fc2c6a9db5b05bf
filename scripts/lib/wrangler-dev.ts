// Runs the real Worker (Remix build + Durable Object + cron) under `wrangler dev`, with variables
// passed on the command line, and resolves once it serves requests. Used by `npm run dev` and by the
// end-to-end stage of `npm test`.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

export interface RunningWorker {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function startWranglerDev(options: {
  root: string;
  port: number;
  vars: Record<string, string>;
  /** Durable Object / cache state folder; tests pass a fresh temp folder. */
  persistTo?: string;
  /** Where wrangler's output goes; dev mirrors it to the terminal. */
  onOutput?: (text: string) => void;
  timeoutMs?: number;
}): Promise<RunningWorker> {
  const varArgs = Object.entries(options.vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  const child = spawn(
    path.join(options.root, "node_modules", ".bin", "wrangler"),
    [
      "dev",
      "--test-scheduled",
      "--ip", "127.0.0.1",
      "--port", String(options.port),
      "--show-interactive-dev-session=false",
      ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
      ...varArgs,
    ],
    {
      cwd: options.root,
      stdio: ["ignore", "pipe", "pipe"],
      // No Request.cf download from workers.cloudflare.com (the dev stack is offline by design; the
      // lookup failed with a stack trace on every start and fell back to placeholder data anyway).
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false", CI: process.env.CI ?? "" },
      detached: false,
    },
  );
  const url = `http://127.0.0.1:${options.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });

  await new Promise<void>((resolve, reject) => {
    let output = "";
    // Not ready in time: stop it, so a failed start never leaves a server running.
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`wrangler dev did not become ready in time:\n${output.slice(-2000)}`));
    }, options.timeoutMs ?? 90_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      options.onOutput?.(text);
      if (/Ready on/i.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
  return { url, process: child, stop };
}
