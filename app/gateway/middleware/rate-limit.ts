import type { Context, Middleware, Next } from "koa";
import { RateLimiterRes } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import type { LimiterPool } from "../rate-limiters.js";
import type { GatewayMetrics } from "../metrics.js";
import { principalOf } from "./authenticate.js";

/**
 * Per-key rate limit (the key's requests per minute). Every answer carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds); a refusal is 429 with `Retry-After`
 * and `{detail, limit, reset_at}`. The admin is not limited. If the limiter's backend is down
 * the request passes (and is logged): availability over strictness for a usage cap.
 */
export function rateLimitPerKey(
  pool: LimiterPool,
  metrics: GatewayMetrics,
  logger: Logger,
  now: () => number,
): Middleware {
  return async (ctx: Context, next: Next) => {
    const principal = principalOf(ctx);
    if (principal.isAdmin) return next();
    const limit = principal.rateLimit;
    const limiter = pool.get({ keyPrefix: "key-rpm", points: limit, durationSeconds: 60 });
    let res: RateLimiterRes;
    try {
      res = await limiter.consume(principal.keyId, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        logger.warn({ err, key_id: principal.keyId }, "rate limiter unavailable; request allowed");
        return next();
      }
      const reset = resetSeconds(err);
      metrics.rateLimited.inc({ limit: "key" });
      throw new TooManyRequestsError(
        `Rate limit exceeded: ${limit} requests per minute`,
        { limit, reset_at: new Date(now() + reset * 1000).toISOString() },
        { ...headers(limit, 0, reset), "Retry-After": String(reset) },
      );
    }
    for (const [name, value] of Object.entries(headers(limit, res.remainingPoints, resetSeconds(res))))
      ctx.set(name, value);
    await next();
  };
}

function resetSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function headers(limit: number, remaining: number, reset: number): Record<string, string> {
  return {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, remaining)),
    "RateLimit-Reset": String(reset),
    "RateLimit-Policy": `${limit};w=60`,
  };
}
