import type { Context, Middleware, Next } from "koa";
import type { Logger } from "../../common/logger.js";
import { loggablePath } from "./log-path.js";

/**
 * One log line per request: method, path (no query string, and no secret whatever its encoding:
 * see loggablePath), status, latency, request id and the caller's key id. 5xx at error level; a
 * caller that left before its answer (499) at debug level; everything else at info.
 */
export function gatewayRequestLogger(logger: Logger): Middleware {
  // Every field of the line is built here from values that cannot hold a secret (the path goes
  // through loggablePath), so pino's redaction pass, a cost on every request, is skipped.
  const requestLog = logger.child({}, { redact: { paths: [], censor: "[redacted]" } });
  return async (ctx: Context, next: Next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.status;
      const level = status >= 500 ? "error" : status === 499 ? "debug" : "info";
      if (requestLog.isLevelEnabled(level)) {
        requestLog[level](
          {
            req_id: ctx.state.requestId as string | undefined,
            method: ctx.method,
            path: loggablePath(ctx),
            status,
            ms: Math.round((performance.now() - start) * 100) / 100,
            key_id: (ctx.state.principal as { keyId?: string } | undefined)?.keyId,
          },
          "request",
        );
      }
    }
  };
}
