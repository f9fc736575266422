import type { Context } from "koa";
import type { Logger } from "../../common/logger.js";
import { CallerGoneError } from "../proxy/proxy-errors.js";

/**
 * A caller that closed its connection mid-request (mid-body, or while its Core answered): what
 * failed because of it is not a server error (errorHandler's `callerGone` option answers 499 and
 * logs it at debug level). (req.destroyed alone says nothing: a request is destroyed once its
 * body was read.)
 */
export function callerHasGone(err: unknown, ctx: Context): boolean {
  return err instanceof CallerGoneError || ctx.res.destroyed || ctx.req.socket?.destroyed === true;
}

/** Socket-level failures of a caller that went away (a body cut short, a reset connection). */
const CALLER_GONE_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/**
 * Koa's "error" event: failures after the answer started or outside the middleware (a socket
 * that broke, a stream cut on purpose). Replaces Koa's default, which prints stacks to stderr:
 * a caller that left is a debug line, anything else one warning without the stack.
 */
export function reportStrayError(logger: Logger): (err: unknown, ctx?: Context) => void {
  return (err, ctx) => {
    const e = err as { code?: unknown; message?: unknown; expose?: unknown };
    const code = typeof e?.code === "string" ? e.code : undefined;
    const fields = { req_id: ctx?.state.requestId, code, err_message: String(e?.message ?? err) };
    const callerLeft =
      (code !== undefined && (CALLER_GONE_CODES.has(code) || code.startsWith("HPE_"))) ||
      ctx?.res.destroyed === true ||
      e?.expose === true;
    if (callerLeft) logger.debug(fields, "caller left");
    else logger.warn(fields, "error outside the request pipeline");
  };
}
