/**
 * A tiny TCP proxy on loopback for outage tests (imported by *.test.ts only): it forwards to a
 * real endpoint (moto_server), or resets every connection, or answers 503 SlowDown, or stops
 * listening so the port is closed — then comes back on the same port.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

/** reset-once: the next connection is reset, then forward; lose-answer-once: the next request reaches the endpoint but its answer is cut, then forward */
export type ProxyMode = "forward" | "reset" | "reset-once" | "slowdown" | "lose-answer-once";

export interface LoopbackProxy {
  url: string;
  mode: ProxyMode;
  /** connections accepted since start */
  connections: number;
  /** switches mode and drops open connections, so the next request sees the new mode */
  setMode(mode: ProxyMode): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const SLOWDOWN =
  "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\nContent-Length: 104\r\n\r\n" +
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Reduce rate</Message></Error>';

export async function startLoopbackProxy(target: string): Promise<LoopbackProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const proxy: LoopbackProxy = {
    url: "",
    mode: "forward",
    connections: 0,
    async setMode(mode) {
      proxy.mode = mode;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
    async restart() {
      await listen();
    },
    async close() {
      await proxy.stop();
    },
  };

  const onConnection = (client: Socket) => {
    proxy.connections++;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    if (proxy.mode === "reset") return void client.resetAndDestroy();
    if (proxy.mode === "reset-once") {
      proxy.mode = "forward";
      return void client.resetAndDestroy();
    }
    if (proxy.mode === "slowdown") {
      client.once("data", () => client.end(SLOWDOWN));
      return;
    }
    const upstream = connect(Number(targetPort), hostname);
    if (proxy.mode === "lose-answer-once") {
      proxy.mode = "forward";
      sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      upstream.once("data", () => {
        client.destroy();
        upstream.destroy();
      });
      client.pipe(upstream);
      return;
    }
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onConnection);
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server!.address();
        port = typeof address === "object" && address ? address.port : port;
        proxy.url = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  await listen();
  return proxy;
}
