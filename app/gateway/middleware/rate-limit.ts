import type { Context, Middleware, Next } from "koa";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import type { GatewayMetrics } from "../metrics.js";
import { principalOf } from "./authenticate.js";

export const RATE_WINDOW_SECONDS = 60;

/**
 * Per-key rate limit (the key's requests per minute). `counter` counts every request of a key in
 * the window with no budget of its own; each request is compared with its key's limit, so one
 * limiter (one DynamoDB table) serves every limit. Every answer carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds); a refusal is 429 with `Retry-After`
 * and `{detail, limit, reset_at}`. The admin is not limited. If the counter's backend fails the
 * request passes (and is logged): availability over strictness for a usage cap.
 */
export function rateLimitPerKey(
  counter: RateLimiterAbstract,
  metrics: GatewayMetrics,
  logger: Logger,
  now: () => number,
): Middleware {
  return async (ctx: Context, next: Next) => {
    const principal = principalOf(ctx);
    if (principal.isAdmin) return next();
    const limit = principal.rateLimit;
    let res: RateLimiterRes;
    try {
      res = await counter.consume(principal.keyId, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        logger.warn({ err, key_id: principal.keyId }, "rate limiter unavailable; request allowed");
        return next();
      }
      res = err;
    }
    const reset = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    const remaining = Math.max(0, limit - res.consumedPoints);
    const headers = {
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(remaining),
      "RateLimit-Reset": String(reset),
      "RateLimit-Policy": `${limit};w=${RATE_WINDOW_SECONDS}`,
    };
    if (res.consumedPoints > limit) {
      metrics.rateLimited.inc({ limit: "key" });
      throw new TooManyRequestsError(
        `Rate limit exceeded: ${limit} requests per minute`,
        { limit, reset_at: new Date(now() + reset * 1000).toISOString() },
        { ...headers, "Retry-After": String(reset) },
      );
    }
    for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
    await next();
  };
}
