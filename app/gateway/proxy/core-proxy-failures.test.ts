import { request } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/moto.js";
import type { HostResolver } from "../tunnels/resolve-host.js";
import {
  listen,
  send,
  startFakeCore,
  startProxyHarness,
  TOKEN,
  type ProxyHarness,
} from "./testing/harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gatewayFor(
  url: string,
  overrides: Parameters<typeof startProxyHarness>[1] = {},
): Promise<ProxyHarness> {
  const gateway = await startProxyHarness({ url, token: TOKEN }, overrides);
  cleanups.push(gateway.close);
  return gateway;
}

/** A TCP server that accepts connections and then does whatever `onSocket` says (often nothing). */
async function startRawServer(onSocket: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    onSocket(socket);
  });
  const port = await listen(server as unknown as import("node:http").Server);
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return port;
}

const fixed =
  (answer: string[]): HostResolver =>
  async () =>
    answer;

const TIMEOUT_BODY = { detail: "The Core did not answer in time" };

describe("createCoreProxy: a Core that does not answer", () => {
  it("answers 504 when the Core accepts the request but never responds", async () => {
    const port = await startRawServer(() => undefined);
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`, { responseTimeoutMs: 300 });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(504);
    expect(JSON.parse(reply.body)).toMatchObject(TIMEOUT_BODY);
    expect(gateway.errors).toEqual(["timeout"]);
  });

  it("answers 504 when the Core sends its headers and then stalls", async () => {
    const core = await startFakeCore((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial":');
    });
    cleanups.push(core.close);
    const gateway = await gatewayFor(core.url, { responseTimeoutMs: 300 });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(504);
    expect(JSON.parse(reply.body)).toMatchObject(TIMEOUT_BODY);
  });

  it("answers 504 when resolving the Core's host does not finish within the connect timeout", async () => {
    const hanging: HostResolver = () => new Promise(() => {});
    const gateway = await gatewayFor("http://slow-dns.test:8000", {
      connectTimeoutMs: 200,
      resolve: hanging,
    });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(504);
    expect(JSON.parse(reply.body)).toMatchObject(TIMEOUT_BODY);
  });
});

describe("createCoreProxy: a caller that goes away", () => {
  it("stops waiting for the Core when the caller closes its connection", async () => {
    let coreSocketClosed = false;
    let requestArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    const port = await startRawServer((socket) => {
      socket.once("data", () => requestArrived());
      socket.once("close", () => (coreSocketClosed = true));
    });
    // A response timeout far beyond the test's: only the caller's departure can end the wait.
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`, { responseTimeoutMs: 600_000 });
    const req = request(`${gateway.url}/files/structure`, { agent: false });
    req.on("error", () => undefined);
    req.end();
    await arrived;
    req.destroy();
    await expect.poll(() => coreSocketClosed, { timeout: 10_000 }).toBe(true);
    expect(gateway.errors).toEqual([]);
  });
});

describe("createCoreProxy: a Core that cannot be reached", () => {
  it("answers 502 when the Core's port refuses the connection", async () => {
    const port = await freePort();
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`);
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({
      detail: "The Core refused the connection; is it running?",
    });
    expect(gateway.errors).toEqual(["connection_refused"]);
  });

  it("answers 502 when the Core's host does not resolve", async () => {
    const nxdomain: HostResolver = async (host) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    };
    const gateway = await gatewayFor("https://gone.ngrok-free.app", { resolve: nxdomain });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).detail).toMatch(/could not be resolved/);
    expect(gateway.errors).toEqual(["dns"]);
  });

  it("answers 502 when the TLS handshake fails, without library details", async () => {
    // A plain HTTP server where the Gateway expects TLS: the handshake cannot succeed.
    const core = await startFakeCore((_req, res) => res.end("plain"));
    cleanups.push(core.close);
    const gateway = await gatewayFor(`https://127.0.0.1:${core.port}`);
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({ detail: "The TLS handshake with the Core failed" });
    expect(gateway.errors).toEqual(["tls"]);
  });

  it("answers 502 when the Core drops the connection mid-response", async () => {
    const port = await startRawServer((socket) => {
      socket.once("data", () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":');
        socket.destroy();
      });
    });
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`);
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({ detail: "The connection to the Core failed" });
  });
});

describe("createCoreProxy: address checks at connect time", () => {
  it("refuses a registered host that now resolves to loopback (DNS rebinding)", async () => {
    const core = await startFakeCore((_req, res) => res.end("{}"));
    cleanups.push(core.close);
    const gateway = await gatewayFor(`https://rebound.ngrok-free.app:${core.port}`, {
      allowInsecure: false,
      resolve: fixed(["127.0.0.1"]),
    });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).detail).toMatch(/resolves to an address the Gateway may not reach/);
    expect(core.received).toHaveLength(0);
    expect(gateway.errors).toEqual(["forbidden_address"]);
  });

  it.each([["::ffff:127.0.0.1"], ["10.0.0.8"], ["169.254.169.254"], ["fd00:ec2::254"]])(
    "refuses a host resolving to %s when insecure tunnels are off",
    async (address) => {
      const gateway = await gatewayFor("https://rebound.ngrok-free.app", {
        allowInsecure: false,
        resolve: fixed([address]),
      });
      const reply = await send(`${gateway.url}/files/structure`);
      expect(reply.status).toBe(502);
      expect(gateway.errors).toEqual(["forbidden_address"]);
    },
  );

  it("refuses a host when one of several addresses is forbidden", async () => {
    const gateway = await gatewayFor("https://mixed.ngrok-free.app", {
      allowInsecure: false,
      resolve: fixed(["3.125.102.39", "127.0.0.1"]),
    });
    expect((await send(`${gateway.url}/files/structure`)).status).toBe(502);
    expect(gateway.errors).toEqual(["forbidden_address"]);
  });

  it("refuses an http Core when insecure tunnels are off", async () => {
    const gateway = await gatewayFor("http://plain.ngrok-free.app", {
      allowInsecure: false,
      resolve: fixed(["3.125.102.39"]),
    });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).detail).toMatch(/not https/);
    expect(gateway.errors).toEqual(["insecure_target"]);
  });

  it("connects to the address resolved at connect time and keeps the host name in Host", async () => {
    const core = await startFakeCore((_req, res) => res.end("{}"));
    cleanups.push(core.close);
    const gateway = await gatewayFor(`http://dev-core.test:${core.port}`, { resolve: fixed(["127.0.0.1"]) });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(200);
    expect(core.received[0]!.headers.host).toBe(`dev-core.test:${core.port}`);
  });

  it("refuses the metadata service even with insecure tunnels on", async () => {
    const gateway = await gatewayFor("http://imds.test", {
      allowInsecure: true,
      resolve: fixed(["169.254.169.254"]),
    });
    const reply = await send(`${gateway.url}/latest/meta-data/`);
    expect(reply.status).toBe(502);
    expect(gateway.errors).toEqual(["forbidden_address"]);
  });
});
