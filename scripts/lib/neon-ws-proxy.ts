// A WebSocket-to-TCP proxy so the Neon serverless driver (which speaks Postgres over a WebSocket) can
// reach a plain local Postgres. Neon runs the same kind of proxy in front of its databases; locally we
// run this one. Only for development and tests: it forwards to whatever `address` the client names,
// so it listens on loopback and refuses anything but 127.0.0.1/localhost targets.
import net from "node:net";
import { WebSocketServer } from "ws";

export interface WsProxy {
  /** Value for NEON_WS_PROXY, e.g. "127.0.0.1:54330/v1". */
  proxyAddress: string;
  port: number;
  close(): Promise<void>;
}

const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startNeonWsProxy(port = 0): Promise<WsProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });

  server.on("connection", (socket, request) => {
    const address = new URL(request.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const separator = address.lastIndexOf(":");
    const host = address.slice(0, separator);
    const targetPort = Number(address.slice(separator + 1));
    if (!ALLOWED_HOSTS.has(host) || !Number.isInteger(targetPort)) {
      socket.close(1008, "address must be a loopback host:port");
      return;
    }
    const tcp = net.connect({ host, port: targetPort });
    tcp.setNoDelay(true);
    // Postgres speaks first only after the client does, so buffering is unnecessary: pipe both ways.
    socket.on("message", (data) => tcp.write(data as Buffer));
    tcp.on("data", (data) => socket.readyState === socket.OPEN && socket.send(data));
    const closeBoth = () => {
      tcp.destroy();
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close();
    };
    tcp.on("error", closeBoth);
    tcp.on("close", closeBoth);
    socket.on("close", closeBoth);
    socket.on("error", closeBoth);
  });

  const actualPort = (server.address() as net.AddressInfo).port;
  return {
    port: actualPort,
    proxyAddress: `127.0.0.1:${actualPort}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
