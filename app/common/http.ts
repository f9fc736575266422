import { randomUUID, timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Context, Middleware, Next } from "koa";
import { BadRequestError, PayloadTooLargeError } from "./errors.js";
import type { Logger } from "./logger.js";

/** Constant-time string comparison. Hashing first makes the comparison length-independent. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Takes a well-formed `X-Request-Id` from the caller or makes one; echoes it on the response. */
export function requestId(): Middleware {
  return async (ctx: Context, next: Next) => {
    assignRequestId(ctx);
    await next();
  };
}

/** What `requestId()` does, for a pipeline step that does more: sets `ctx.state.requestId`. */
export function assignRequestId(ctx: Context): string {
  const incoming = ctx.get("x-request-id");
  const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  ctx.res.setHeader("X-Request-Id", id);
  return id;
}

export interface RequestLogOptions {
  /** rewrites the path before it is logged (the Gateway removes API keys carried in a path) */
  redactPath?: (path: string) => string;
  /** extra fields for the line, read after the request was handled (e.g. the caller's key id) */
  fields?: (ctx: Context) => Record<string, unknown>;
}

/**
 * One log line per request: method, path (no query string: it may carry search terms),
 * status, latency, request id. Never bodies, keys or file contents.
 */
export function requestLogger(logger: Logger, options: RequestLogOptions = {}): Middleware {
  return async (ctx: Context, next: Next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const status = ctx.status;
      const line = {
        req_id: ctx.state.requestId as string | undefined,
        method: ctx.method,
        path: options.redactPath ? options.redactPath(ctx.path) : ctx.path,
        status,
        ms: Math.round(ms * 100) / 100,
        ...options.fields?.(ctx),
      };
      if (status >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    }
  };
}

/**
 * A request's body, at most `limitBytes`. Past the limit it stops keeping the body but lets the
 * rest drain, so the connection can still carry the 413, and rejects with `tooLarge()`; a caller
 * that goes away mid-body rejects too.
 */
export function readRequestBytes(
  req: IncomingMessage,
  limitBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () =>
      onError(new Error("the caller closed the connection before sending the whole body"));
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * Reads and parses a JSON request body of at most `limitBytes`. Empty body → `undefined`.
 * Too large → 413; not JSON → 400. Stops reading as soon as the limit is passed.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const tooLarge = () => new PayloadTooLargeError(`Request body is larger than ${limitBytes} bytes`);
  if (Number(ctx.get("content-length") || "0") > limitBytes) throw tooLarge();
  let body: Buffer;
  try {
    body = await readRequestBytes(ctx.req, limitBytes, tooLarge);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) ctx.set("Connection", "close");
    throw err;
  }
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError("Request body is not valid JSON");
  }
}

/**
 * Closes an HTTP server gracefully: stop accepting, let in-flight requests finish, then
 * drop idle keep-alive sockets; after `timeoutMs` close whatever is left.
 */
export async function closeServer(server: Server, timeoutMs = 10_000): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Runs `shutdown` once on SIGTERM or SIGINT, then exits. */
export function onShutdownSignal(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    shutdown()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.once("SIGTERM", () => handler("SIGTERM"));
  process.once("SIGINT", () => handler("SIGINT"));
}
