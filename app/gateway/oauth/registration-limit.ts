import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../../common/errors.js";

/**
 * Dynamic registration is open (RFC 7591) and every client is a stored record, so each address
 * may register only so many per window → 429 with Retry-After.
 */
export async function limitRegistration(limiter: RateLimiterAbstract, ip: string): Promise<void> {
  try {
    await limiter.consume(ip);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw new TooManyRequestsError(
      "Too many client registrations from this address; try again later",
      { retry_after: retryAfter },
      { "Retry-After": String(retryAfter) },
    );
  }
}
