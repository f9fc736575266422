import type { Context, Middleware, Next } from "koa";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ForbiddenError, TooManyRequestsError } from "../../common/errors.js";
import type { GatewayMetrics } from "../metrics.js";
import { readCredential } from "./authenticate.js";
import { clientAddress } from "./client-address.js";

/**
 * Who may call `POST /api-keys/generate`: the admin always; anyone else only when
 * PUBLIC_KEY_GENERATION=true, and then a few keys per source address per hour.
 */
export function keyGenerationGuard(options: {
  authenticated: Middleware[];
  publicGeneration: boolean;
  limiter: RateLimiterAbstract;
  metrics: GatewayMetrics;
}): Middleware[] {
  const anonymousAllowance: Middleware = async (ctx: Context, next: Next) => {
    if (ctx.state.principal?.isAdmin) return next();
    if (!options.publicGeneration) throw new ForbiddenError("Generating API keys requires the admin key");
    try {
      await options.limiter.consume(clientAddress(ctx), 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      options.metrics.rateLimited.inc({ limit: "public_generation" });
      throw new TooManyRequestsError(
        `At most ${options.limiter.points} API keys per hour may be generated from one address`,
        { limit: options.limiter.points, retry_after: retryAfter },
        { "Retry-After": String(retryAfter) },
      );
    }
    await next();
  };
  const [authenticateCaller] = options.authenticated;
  const identifyIfCredentials: Middleware = async (ctx: Context, next: Next) => {
    // Without credentials and without public generation, authenticate answers (and audits) 401.
    if (readCredential(ctx) !== undefined || !options.publicGeneration) return authenticateCaller!(ctx, next);
    return next();
  };
  return [identifyIfCredentials, anonymousAllowance];
}
