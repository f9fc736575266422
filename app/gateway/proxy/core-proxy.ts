import { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import type { Context } from "koa";
import { Agent, type Dispatcher } from "undici";
import { BadGatewayError, PayloadTooLargeError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { systemResolver, type HostResolver } from "../tunnels/resolve-host.js";
import { readCappedBody, readRequestBody } from "./body-limits.js";
import { createGuardedConnector } from "./guarded-connector.js";
import { headersForCaller, headersForCore } from "./headers.js";
import { classifyProxyFailure, ResponseTooLargeError, type ProxyErrorKind } from "./proxy-errors.js";
import { isEventStream, relayEventStream } from "./stream-relay.js";

export interface CoreProxyOptions {
  /** DNS resolution, then TCP + TLS handshake (each bounded by this) */
  connectTimeoutMs: number;
  /** waiting for the Core's response headers, and between two chunks of its body */
  responseTimeoutMs: number;
  /** caller's request body; larger → 413 */
  maxRequestBytes: number;
  /** Core's response body; larger → 502 (buffered) or the stream is cut (event streams) */
  maxResponseBytes: number;
  /** ALLOW_INSECURE_TUNNELS (development): http Cores and loopback/private addresses allowed */
  allowInsecure: boolean;
  logger: Logger;
  /** metrics hook, called once per failed proxied request */
  onError?: (kind: ProxyErrorKind) => void;
  /** DNS used at connect time; default: the system resolver */
  resolve?: HostResolver;
}

/** Where the caller's Core is: its registered tunnel URL and registration token. */
export interface CoreProxyTarget {
  url: string;
  token: string;
}

export interface ForwardOptions {
  /**
   * Rewrites a successful JSON answer before it goes to the caller (used for `/openapi.json`,
   * see `rewriteOpenApiForGateway`). The Core is then asked for an uncompressed body.
   */
  rewriteJson?: (doc: unknown) => unknown;
}

export interface CoreProxy {
  /**
   * Sends the caller's request (method, end-to-end headers, body, query string) to `path` on
   * the Core at `target`, authenticated with `Authorization: Bearer <target.token>`, and writes
   * the Core's answer to `ctx`. Reads the raw request body from `ctx.req`: do not parse it first.
   * Failures throw AppErrors for the error middleware: 413 (request too large), 502 (refused,
   * unreachable, TLS, forbidden address, response too large, Core rejected the token) and 504
   * (`The Core did not answer in time`).
   */
  forward(ctx: Context, target: CoreProxyTarget, path: string, options?: ForwardOptions): Promise<void>;
  /** Closes pooled connections (waits briefly for requests in flight). */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;

/** A proxy to users' Cores over one pooled keep-alive undici Agent. */
export function createCoreProxy(options: CoreProxyOptions): CoreProxy {
  const { logger } = options;
  const agent = new Agent({
    connect: createGuardedConnector({
      connectTimeoutMs: options.connectTimeoutMs,
      allowInsecure: options.allowInsecure,
      resolve: options.resolve ?? systemResolver,
    }),
    headersTimeout: options.responseTimeoutMs,
    bodyTimeout: options.responseTimeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });

  const report = (kind: ProxyErrorKind, err: unknown, ctx: Context) => {
    const code = (err as { code?: unknown })?.code;
    logger.warn(
      { kind, code, err_message: (err as Error)?.message, req_id: ctx.state.requestId },
      "proxy to Core failed",
    );
    options.onError?.(kind);
  };

  const failure = (err: unknown, ctx: Context): Error => {
    const { kind, error } = classifyProxyFailure(err);
    report(kind, err, ctx);
    return error;
  };

  async function forward(
    ctx: Context,
    target: CoreProxyTarget,
    path: string,
    forwardOptions: ForwardOptions = {},
  ) {
    let base: URL;
    try {
      base = new URL(target.url);
    } catch (err) {
      report("connection_failed", err, ctx);
      throw new BadGatewayError(
        "The Core's registered URL is not valid; restart the Core so it registers again",
      );
    }
    if (!options.allowInsecure && base.protocol !== "https:") {
      report("insecure_target", new Error(`registered Core URL uses ${base.protocol}`), ctx);
      throw new BadGatewayError(
        "The Core's registered URL is not https; restart the Core so it registers again",
      );
    }

    let body: Buffer | undefined;
    try {
      body = await readRequestBody(ctx.req, options.maxRequestBytes);
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        options.onError?.("request_too_large");
        ctx.set("Connection", "close"); // don't read an oversized body any further
      }
      throw err;
    }

    const headers = headersForCore(ctx.req.headers, target.token, ctx.state.requestId as string | undefined);
    if (forwardOptions.rewriteJson) headers["accept-encoding"] = "identity";
    // If the caller goes away, stop waiting for the Core. An EventEmitter is undici's cheaper
    // alternative to an AbortSignal on this hot path (a stream is cut by Koa destroying it).
    const abort = new CallerGone();
    ctx.res.once("close", () => {
      if (!ctx.res.writableFinished) abort.fire();
    });

    let response: Dispatcher.ResponseData;
    try {
      response = await agent.request({
        origin: base.origin,
        path: corePath(base, path, ctx.querystring),
        method: ctx.method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: abort,
      });
    } catch (err) {
      if (abort.aborted) throw new BadGatewayError("The caller closed the connection");
      throw failure(err, ctx);
    }

    const { statusCode, headers: coreHeaders, body: coreBody } = response;
    // The caller's key was valid, so a 401 means the Core no longer knows the Gateway's token.
    if (statusCode === 401) {
      await coreBody.dump({ limit: 64 * 1024 }).catch(() => undefined);
      report("core_unauthorized", new Error("Core answered 401"), ctx);
      throw new BadGatewayError(
        "The Core refused the Gateway's credentials; restart the Core so it registers again",
      );
    }
    if (Number(coreHeaders["content-length"] ?? 0) > options.maxResponseBytes) {
      discard(coreBody);
      throw failure(new ResponseTooLargeError(options.maxResponseBytes), ctx);
    }

    if (isEventStream(coreHeaders) && !forwardOptions.rewriteJson) {
      relayEventStream(ctx, statusCode, coreHeaders, coreBody, options.maxResponseBytes, (err) => {
        if (!abort.aborted) report(classifyProxyFailure(err).kind, err, ctx);
      });
      return;
    }

    let payload: Buffer;
    try {
      payload = await readCappedBody(coreBody, options.maxResponseBytes);
    } catch (err) {
      if (abort.aborted) throw new BadGatewayError("The caller closed the connection");
      throw failure(err, ctx);
    }
    if (forwardOptions.rewriteJson && statusCode >= 200 && statusCode < 300) {
      payload = rewriteJsonPayload(payload, forwardOptions.rewriteJson);
    }
    ctx.status = statusCode;
    for (const [name, value] of Object.entries(headersForCaller(coreHeaders))) ctx.set(name, value);
    ctx.body = payload;
  }

  async function close() {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
      timer.unref();
    });
    await Promise.race([agent.close(), grace]);
    clearTimeout(timer);
    if (!agent.closed) await agent.destroy();
  }

  return { forward, close };
}

/** Fires undici's `abort` event once the caller has closed its connection. */
class CallerGone extends EventEmitter {
  aborted = false;
  fire(): void {
    this.aborted = true;
    this.emit("abort");
  }
}

/** The request target on the Core: its URL's path prefix, then `path`, then the caller's query. */
function corePath(base: URL, path: string, querystring: string): string {
  if (!path.startsWith("/") || path.startsWith("//"))
    throw new Error(`Core path must start with one "/": ${path}`);
  const prefix = base.pathname.replace(/\/+$/, "");
  const query = querystring && !path.includes("?") ? `?${querystring}` : "";
  return `${prefix}${path}${query}`;
}

/** Drops a body the caller will not get; the connection closes rather than read it all. */
function discard(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

function rewriteJsonPayload(payload: Buffer, rewrite: (doc: unknown) => unknown): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new BadGatewayError("The Core answered with a document that is not valid JSON");
  }
  return Buffer.from(JSON.stringify(rewrite(doc)));
}
