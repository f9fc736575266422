import { STATUS_CODES } from "node:http";
import type { Context, Middleware, Next } from "koa";
import { AppError } from "./errors.js";
import type { Logger } from "./logger.js";

/** RFC 9457's media type for error bodies. */
export const PROBLEM_JSON = "application/problem+json";

/**
 * An error body as RFC 9457 describes it. `error` repeats `detail` because the Core's clients
 * of the earlier system read `error`; the Gateway's read `detail`. Extra members (`limit`,
 * `files`, ...) sit beside them.
 */
export interface ProblemDetails {
  type: "about:blank";
  title: string;
  status: number;
  detail: string;
  error: string;
  [member: string]: unknown;
}

const RESERVED = new Set(["type", "title", "status", "detail", "error"]);

export function problemDetails(
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemDetails {
  const members = Object.fromEntries(Object.entries(extra).filter(([name]) => !RESERVED.has(name)));
  return {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    ...members,
    error: detail,
  };
}

/** Answers the request with a problem body. */
export function sendProblem(
  ctx: Context,
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  ctx.status = status;
  ctx.body = problemDetails(status, detail, extra);
  ctx.type = PROBLEM_JSON;
}

export interface ErrorHandlerOptions {
  /**
   * Whether a failure only happened because the caller went away (closed its connection
   * mid-body, or while the answer was being made): such a request is not a server error. It is
   * answered 499 (which nobody reads), logged at debug level, never a 5xx with a stack trace.
   */
  callerGone?: (err: unknown, ctx: Context) => boolean;
}

/**
 * The one error middleware of both services. Thrown `AppError`s (and Koa's exposed client
 * errors) become problem bodies with their status and headers; anything else is a 500 whose
 * details go to the log only. An error status left without a body (the router's 405) gets a
 * problem body too, so every error a client sees has the same shape.
 */
export function errorHandler(logger: Logger, options: ErrorHandlerOptions = {}): Middleware {
  const { callerGone } = options;
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (!callerGone?.(err, ctx)) return answerError(ctx, err, logger);
      logger.debug({ req_id: ctx.state.requestId, err_message: (err as Error)?.message }, "caller left");
      // Body first: Koa turns an empty body's status into 204 otherwise.
      ctx.body = null;
      ctx.status = 499;
    }
    if (ctx.status >= 400 && (ctx.body === undefined || ctx.body === null) && ctx.respond !== false) {
      sendProblem(ctx, ctx.status, bodylessDetail(ctx));
    }
  };
}

/** A thrown error as the caller's answer: its problem body, or a 500 whose details are logged. */
function answerError(ctx: Context, err: unknown, logger: Logger): void {
  const appError = toAppError(err);
  if (appError) {
    for (const [name, value] of Object.entries(appError.headers)) ctx.set(name, value);
    sendProblem(ctx, appError.status, appError.message, appError.extra);
    return;
  }
  logger.error({ err, req_id: ctx.state.requestId }, "unhandled error");
  sendProblem(ctx, 500, "Internal server error", { request_id: ctx.state.requestId });
}

function bodylessDetail(ctx: Context): string {
  if (ctx.status === 405) {
    return `Method ${ctx.method} is not allowed here; allowed: ${ctx.response.get("Allow")}`;
  }
  return STATUS_CODES[ctx.status] ?? "Error";
}

function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  // Errors raised by Koa's ctx.throw / http-errors carry an `expose`d status.
  const e = err as { status?: number; expose?: boolean; message?: string };
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500 && e.expose) {
    return new AppError(e.status, e.message ?? "Bad request");
  }
  return undefined;
}
