import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { closeServer, requestId } from "../../../common/http.js";
import { errorHandler } from "../../../common/problem-details.js";
import { silentLogger } from "../../../common/logger.js";
import {
  createCoreProxy,
  type CoreProxy,
  type CoreProxyOptions,
  type CoreProxyTarget,
  type ForwardOptions,
} from "../core-proxy.js";
import { callerHasGone } from "../../middleware/caller-gone.js";
import type { ProxyErrorKind } from "../proxy-errors.js";

/** What the stand-in Core saw of one request. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  socketPort: number;
}

export interface FakeCore {
  url: string;
  port: number;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A plain node HTTP server on loopback standing in for a Core (an external service to the
 * Gateway). `handle` answers each request after its body was read and recorded.
 */
export async function startFakeCore(
  handle: (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => void,
): Promise<FakeCore> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        socketPort: req.socket.remotePort ?? 0,
      };
      received.push(entry);
      handle(req, res, entry);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, received, close: () => closeServer(server, 1_000) };
}

export interface ProxyHarness {
  url: string;
  proxy: CoreProxy;
  errors: ProxyErrorKind[];
  close(): Promise<void>;
}

/** A small Koa app whose every request is forwarded to `target` at the same path. */
export async function startProxyHarness(
  target: CoreProxyTarget,
  overrides: Partial<CoreProxyOptions> = {},
  forwardOptions?: ForwardOptions,
): Promise<ProxyHarness> {
  const errors: ProxyErrorKind[] = [];
  const proxy = createCoreProxy({
    connectTimeoutMs: 10_000,
    responseTimeoutMs: 10_000,
    totalTimeoutMs: 40_000,
    maxRequestBytes: 64 * 1024,
    maxResponseBytes: 256 * 1024,
    memoryBudgetBytes: 64 * 1024 * 1024,
    allowInsecure: true,
    logger: silentLogger(),
    onError: (kind) => errors.push(kind),
    ...overrides,
  });
  const app = new Koa();
  app.silent = true;
  app.use(requestId());
  app.use(errorHandler(silentLogger(), { callerGone: callerHasGone }));
  app.use(async (ctx) => {
    await proxy.forward(ctx, target, ctx.path, forwardOptions);
  });
  const server = createServer(app.callback());
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    proxy,
    errors,
    close: async () => {
      await closeServer(server, 1_000);
      await proxy.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with full control over headers (fetch would drop hop-by-hop ones). */
export function send(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    chunked?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (init.body !== undefined && init.chunked) {
      const body = Buffer.from(init.body);
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else {
      req.end(init.body);
    }
  });
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

export const TOKEN = "core-token-0123456789abcdefghijkl";
