import type { Middleware } from "koa";
import { requestLogger } from "../../common/http.js";
import type { Logger } from "../../common/logger.js";
import { redactApiKeys } from "../keys/key-format.js";

/**
 * The shared request log line, with API keys removed from the path (the compatible routes
 * `DELETE /api-keys/{key}` and `GET /ngrok-urls/{key}` carry a key in the URL) and the
 * caller's key id added.
 */
export function gatewayRequestLogger(logger: Logger): Middleware {
  return requestLogger(logger, {
    redactPath: redactApiKeys,
    fields: (ctx) => ({ key_id: (ctx.state.principal as { keyId?: string } | undefined)?.keyId }),
  });
}
