import type { Context, Middleware, Next } from "koa";
import { assignRequestId } from "../../common/http.js";
import type { Logger } from "../../common/logger.js";
import type { GatewayMetrics } from "../metrics.js";
import { loggablePath } from "./log-path.js";

/**
 * The pipeline's first step, around everything else: gives the request its id (the caller's
 * well-formed `X-Request-Id`, or a new one, echoed on the answer), and once the request has been
 * answered — errors included, as the caller saw them — counts it and observes its latency by
 * route pattern (never the raw path: it may hold a key), and writes its one log line: method,
 * path (no query string, and no secret whatever its encoding: see loggablePath), status,
 * latency, request id and the caller's key id. 5xx at error level; a caller that left before its
 * answer (499) at debug level; everything else at info. One step, timed once, for what every
 * request needs on its way in and out.
 */
export function recordRequests(logger: Logger, metrics: GatewayMetrics): Middleware {
  // Every field of the line is built here from values that cannot hold a secret (the path goes
  // through loggablePath), so pino's redaction pass, a cost on every request, is skipped.
  const requestLog = logger.child({}, { redact: { paths: [], censor: "[redacted]" } });
  return async (ctx: Context, next: Next) => {
    const start = performance.now();
    const id = assignRequestId(ctx);
    try {
      await next();
    } finally {
      const ms = performance.now() - start;
      const status = ctx.status;
      const method = ctx.method;
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      metrics.requests.inc({ route, method, status: String(status) });
      metrics.latency.observe({ route, method }, ms / 1000);
      const level = status >= 500 ? "error" : status === 499 ? "debug" : "info";
      if (requestLog.isLevelEnabled(level)) {
        requestLog[level](
          {
            req_id: id,
            method,
            path: loggablePath(ctx),
            status,
            ms: Math.round(ms * 100) / 100,
            key_id: (ctx.state.principal as { keyId?: string } | undefined)?.keyId,
          },
          "request",
        );
      }
    }
  };
}
