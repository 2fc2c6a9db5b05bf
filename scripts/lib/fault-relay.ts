// A TCP relay in front of the test Postgres that the fault suite (tests/workers/faults.test.ts) can
// cut and restore over HTTP, as a Postgres restart or a network partition looks to a client: cutting
// resets every open connection and refuses new ones until restored. Loopback only; tests only.
import http from "node:http";
import net from "node:net";

export interface FaultRelay {
  /** The relay's port: use it in place of Postgres's in a connection URL. */
  port: number;
  /** POST {controlUrl}/cut, POST {controlUrl}/restore, GET {controlUrl}/state. */
  controlUrl: string;
  close(): Promise<void>;
}

export async function startFaultRelay(target: { host: string; port: number }): Promise<FaultRelay> {
  let cut = false;
  const open = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target);
    open.add(client).add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  const control = http.createServer((request, response) => {
    const path = request.url ?? "/";
    if (request.method === "POST" && path === "/cut") {
      cut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    } else if (request.method === "POST" && path === "/restore") {
      cut = false;
    } else if (!(request.method === "GET" && path === "/state")) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ cut, open: open.size / 2 }));
  });
  const listen = (server: net.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(relay);
  const controlPort = await listen(control);
  return {
    port,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    async close() {
      for (const socket of open) socket.destroy();
      await Promise.all([relay, control].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
