import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Context } from "koa";
import { Agent, type Dispatcher } from "undici";
import { BadGatewayError, PayloadTooLargeError, ServiceUnavailableError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { systemResolver, type HostResolver } from "../tunnels/resolve-host.js";
import { byteLimit, readRequestBody } from "./body-limits.js";
import { createGuardedConnector } from "./guarded-connector.js";
import {
  headersForCore,
  isCoreContentType,
  isReturnedToCaller,
  mediaTypeOf,
  PROXIED_SECURITY_HEADERS,
} from "./headers.js";
import { bufferWithinBudget, declaredLength, discard } from "./core-answer-body.js";
import { CoreCall, type CoreAnswer } from "./core-call.js";
import { MemoryBudget } from "./memory-budget.js";
import { isEventStream } from "./event-stream.js";
import {
  CallerGoneError,
  classifyProxyFailure,
  DeadlineError,
  ResponseTooLargeError,
  StreamCutError,
  type ProxyErrorKind,
} from "./proxy-errors.js";

export interface CoreProxyOptions {
  /** DNS resolution, then TCP + TLS handshake (each bounded by this) */
  connectTimeoutMs: number;
  /** waiting for the Core's response headers, and between two chunks of its body */
  responseTimeoutMs: number;
  /** the whole exchange, first byte sent to last byte relayed; past it → 504, or the stream is cut */
  totalTimeoutMs: number;
  /** caller's request body; larger → 413 */
  maxRequestBytes: number;
  /** Core's response body; larger → 502 (before the status went out) or the stream is cut */
  maxResponseBytes: number;
  /** bytes of Core answers buffered at once across requests; beyond it answers stream */
  memoryBudgetBytes: number;
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
   * unreachable, TLS, forbidden address, response too large, content type, Core rejected the
   * token), 503 (memory budget) and 504 (`The Core did not answer in time`).
   */
  forward(ctx: Context, target: CoreProxyTarget, path: string, options?: ForwardOptions): Promise<void>;
  /** Closes pooled connections (waits briefly for requests in flight). */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;
/**
 * Answers up to this size are buffered (cheaper than piping a stream for the small JSON most
 * routes return, and an oversized one can still be refused with a clean 502); anything larger
 * streams, holding only the stream's buffers however large it is.
 */
const BUFFER_UP_TO_BYTES = 256 * 1024;

/** A proxy to users' Cores over one pooled keep-alive undici Agent. */
export function createCoreProxy(options: CoreProxyOptions): CoreProxy {
  const { logger } = options;
  const budget = new MemoryBudget(options.memoryBudgetBytes);
  const bufferLimit = Math.min(BUFFER_UP_TO_BYTES, options.maxResponseBytes);
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

  /** The error for the caller; a caller that already left gets none worth reporting. */
  const failure = (err: unknown, ctx: Context, exchange: Exchange): Error => {
    if (exchange.callerGone) return new CallerGoneError();
    const { kind, error } = classifyProxyFailure(exchange.expired ? new DeadlineError() : err);
    report(kind, err, ctx);
    return error;
  };

  async function forward(
    ctx: Context,
    target: CoreProxyTarget,
    path: string,
    forwardOptions: ForwardOptions = {},
  ) {
    const base = parsedTargets.get(target) ?? parseTarget(target);
    if (base instanceof Error) {
      report("connection_failed", base, ctx);
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
      const reading = readRequestBody(ctx.req, options.maxRequestBytes);
      if (reading) body = await reading;
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        options.onError?.("request_too_large");
        ctx.set("Connection", "close"); // don't read an oversized body any further
      }
      throw err;
    }

    const headers = headersForCore(ctx.req.headers, target.token, ctx.state.requestId as string | undefined);
    if (forwardOptions.rewriteJson) headers["accept-encoding"] = "identity";
    const rewriting = forwardOptions.rewriteJson !== undefined;
    const call = new CoreCall({
      // What the checks below let through to the caller as it is, and may hold whole in memory.
      buffer: (statusCode, coreHeaders) =>
        statusCode !== 401 &&
        isCoreContentType(coreHeaders["content-type"]) &&
        !isEventStream(coreHeaders) &&
        !((declaredLength(coreHeaders) ?? 0) > bufferLimit) &&
        !(rewriting && statusCode >= 200 && statusCode < 300),
      bufferUpToBytes: bufferLimit,
      budget,
    });
    const exchange = new Exchange(ctx, options.totalTimeoutMs, call);
    agent.dispatch(
      {
        origin: base.origin,
        path: corePath(base.prefix, path, ctx.querystring),
        method: ctx.method as Dispatcher.HttpMethod,
        headers,
        body,
      },
      call,
    );

    let answer: CoreAnswer;
    try {
      answer = await call.answer;
    } catch (err) {
      exchange.end();
      throw failure(err, ctx, exchange);
    }

    const { statusCode, headers: coreHeaders, rest: coreBody } = answer;
    exchange.onEnd(() => budget.give(answer.reserved));
    try {
      if (coreBody === undefined) {
        // The usual case: short JSON, read whole.
        ctx.compress = false;
        ctx.status = statusCode;
        setCallerHeaders(ctx, coreHeaders);
        ctx.body = answer.chunks.length === 1 ? answer.chunks[0] : Buffer.concat(answer.chunks, answer.size);
        exchange.endWithResponse();
        return;
      }
      if (answer.chunks.length > 0) {
        // Longer than the buffer (or the memory budget): the rest streams, within the cap.
        if (answer.size > options.maxResponseBytes) {
          discard(coreBody);
          throw failure(new ResponseTooLargeError(options.maxResponseBytes), ctx, exchange);
        }
        ctx.compress = false;
        relay(ctx, statusCode, coreHeaders, coreBody, answer.chunks, declaredLength(coreHeaders), exchange);
        return;
      }
      // The caller's key was valid, so a 401 means the Core no longer knows the Gateway's token.
      if (statusCode === 401) {
        discard(coreBody);
        report("core_unauthorized", new Error("Core answered 401"), ctx);
        throw new BadGatewayError(
          "The Core refused the Gateway's credentials; restart the Core so it registers again",
        );
      }
      if (!isCoreContentType(coreHeaders["content-type"])) {
        discard(coreBody);
        report("content_type", new Error(`Core answered ${String(coreHeaders["content-type"])}`), ctx);
        throw new BadGatewayError(
          `The Core answered with content type ${describeType(coreHeaders["content-type"])}, which the Gateway does not pass on`,
        );
      }
      const declared = declaredLength(coreHeaders);
      if (declared !== undefined && declared > options.maxResponseBytes) {
        discard(coreBody);
        throw failure(new ResponseTooLargeError(options.maxResponseBytes), ctx, exchange);
      }
      if (rewriting && statusCode >= 200 && statusCode < 300) {
        const doc = await bufferWithinBudget(coreBody, options.maxResponseBytes, budget, exchange).catch(
          (err: unknown) => {
            throw err instanceof ServiceUnavailableError ? err : failure(err, ctx, exchange);
          },
        );
        exchange.end();
        ctx.status = statusCode;
        setCallerHeaders(ctx, coreHeaders);
        ctx.body = rewriteJsonPayload(doc, forwardOptions.rewriteJson!);
        return;
      }
      // The Core's bytes go out as they are (compressed or not): the Gateway never re-encodes them.
      ctx.compress = false;
      relay(ctx, statusCode, coreHeaders, coreBody, [], declared, exchange);
    } catch (err) {
      exchange.end();
      throw err;
    }
  }

  /** Streams the Core's body to the caller as it arrives, within the size cap and the deadline. */
  function relay(
    ctx: Context,
    status: number,
    coreHeaders: IncomingHttpHeaders,
    coreBody: Readable,
    head: Buffer[],
    declared: number | undefined,
    exchange: Exchange,
  ): void {
    const limited = byteLimit(options.maxResponseBytes);
    for (const chunk of head) limited.write(chunk);
    let settled = false;
    // A failure mid-stream destroys the relay; Koa's pipeline then drops the caller's
    // connection, the only honest signal once the status line has gone out.
    const cut = (err: unknown) => {
      if (settled) return;
      settled = true;
      if (!exchange.callerGone) {
        const { kind } = classifyProxyFailure(exchange.expired ? new DeadlineError() : err);
        report(kind, err, ctx);
      }
      if (!limited.destroyed) limited.destroy(new StreamCutError(err));
      coreBody.destroy();
    };
    coreBody.on("error", cut);
    limited.on("error", (err) => {
      if (!(err instanceof StreamCutError)) cut(err); // the size cap, raised inside the relay
    });
    limited.on("close", () => {
      settled = true; // finished, or the caller went away (Koa destroys the body then)
      coreBody.destroy();
      exchange.end();
    });
    exchange.onExpire(() => cut(new DeadlineError()));
    coreBody.pipe(limited);
    ctx.status = status;
    setCallerHeaders(ctx, coreHeaders);
    ctx.body = limited;
    if (declared !== undefined) ctx.length = declared;
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

/**
 * One proxied exchange: ends the call to the Core when the caller leaves or the total deadline
 * passes, and runs the clean-ups once the exchange is over.
 */
class Exchange {
  callerGone = false;
  expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly cleanups: Array<() => void> = [];
  private expiryListener: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly ctx: Context,
    totalTimeoutMs: number,
    private readonly call: CoreCall,
  ) {
    this.timer = setTimeout(() => this.expire(), totalTimeoutMs);
    ctx.res.once("close", this.onCallerClose);
  }

  private readonly onCallerClose = () => {
    if (!this.ctx.res.writableFinished) {
      this.callerGone = true;
      this.call.abort(new CallerGoneError());
    }
    this.end();
  };

  private expire(): void {
    this.expired = true;
    this.call.abort(new DeadlineError());
    this.expiryListener?.();
  }

  onExpire(listener: () => void): void {
    this.expiryListener = listener;
  }

  onEnd(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Over when the caller's response is: the buffered body is held until it has been written. */
  endWithResponse(): void {
    clearTimeout(this.timer);
  }

  end(): void {
    clearTimeout(this.timer);
    if (this.ended) return;
    this.ended = true;
    this.ctx.res.off("close", this.onCallerClose);
    for (const cleanup of this.cleanups) cleanup();
  }
}

const SECURITY_HEADERS = Object.entries(PROXIED_SECURITY_HEADERS);

function setCallerHeaders(ctx: Context, coreHeaders: IncomingHttpHeaders): void {
  const res = ctx.res;
  for (const name in coreHeaders) {
    const value = coreHeaders[name];
    if (value === undefined || !isReturnedToCaller(name)) continue;
    // A single value the way Koa's ctx.set would set it, without its per-call arrays.
    if (typeof value === "string") res.setHeader(name, value);
    else ctx.set(name, value);
  }
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
}

function describeType(contentType: string | string[] | undefined): string {
  const type = mediaTypeOf(Array.isArray(contentType) ? (contentType[0] ?? "") : (contentType ?? ""));
  return /^[a-z0-9.+-]{1,64}\/[a-z0-9.+-]{1,64}$/.test(type) ? type : "(unrecognised)";
}

/** A registered Core URL, parsed once per cached target rather than once per request. */
interface ParsedTarget {
  protocol: string;
  origin: string;
  /** the URL's path without trailing slashes ("" for none) */
  prefix: string;
}

const parsedTargets = new WeakMap<CoreProxyTarget, ParsedTarget | Error>();

function parseTarget(target: CoreProxyTarget): ParsedTarget | Error {
  let parsed: ParsedTarget | Error;
  try {
    const url = new URL(target.url);
    parsed = { protocol: url.protocol, origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") };
  } catch (err) {
    parsed = err instanceof Error ? err : new Error(String(err));
  }
  parsedTargets.set(target, parsed);
  return parsed;
}

/** The request target on the Core: its URL's path prefix, then `path`, then the caller's query. */
function corePath(prefix: string, path: string, querystring: string): string {
  if (!path.startsWith("/") || path.startsWith("//"))
    throw new Error(`Core path must start with one "/": ${path}`);
  const query = querystring && !path.includes("?") ? `?${querystring}` : "";
  return `${prefix}${path}${query}`;
}

function rewriteJsonPayload(payload: Buffer, rewrite: (doc: unknown) => unknown): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new BadGatewayError("The Core answered with a document that is not valid JSON");
  }
  return rewrite(doc);
}
