import type { Context, Middleware, Next } from "koa";
import type { Logger } from "../../common/logger.js";
import { redactApiKeys } from "../keys/key-format.js";

/**
 * One log line per request, like app/common/http.ts requestLogger, but with API keys removed
 * from the path: the compatible routes `DELETE /api-keys/{key}` and `GET /ngrok-urls/{key}`
 * carry a key in the URL.
 */
export function gatewayRequestLogger(logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const line = {
        req_id: ctx.state.requestId as string | undefined,
        method: ctx.method,
        path: redactApiKeys(ctx.path),
        status: ctx.status,
        ms: Math.round(ms * 100) / 100,
        key_id: (ctx.state.principal as { keyId?: string } | undefined)?.keyId,
      };
      if (ctx.status >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    }
  };
}
