import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";

/**
 * Counts failed authentications per source address. Once an address has failed `points`
 * times within the window, every authenticated request from it is refused with 429 until the
 * window passes: guessing keys stops being worth it.
 */
export class AuthFailureLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly logger: Logger,
  ) {}

  /** Throws 429 when `ip` has used up its failures. */
  async check(ip: string): Promise<void> {
    let consumed = 0;
    let msBeforeNext = 0;
    try {
      const res = await this.limiter.get(ip);
      consumed = res?.consumedPoints ?? 0;
      msBeforeNext = res?.msBeforeNext ?? 0;
    } catch (err) {
      this.logger.warn({ err }, "auth-failure limiter unavailable; allowing the attempt");
      return;
    }
    if (consumed < this.limiter.points) return;
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    throw new TooManyRequestsError(
      "Too many failed authentication attempts from this address; try again later",
      { retry_after: retryAfter },
      { "Retry-After": String(retryAfter) },
    );
  }

  async recordFailure(ip: string): Promise<void> {
    try {
      await this.limiter.penalty(ip, 1);
    } catch (err) {
      this.logger.warn({ err }, "auth-failure limiter unavailable; failure not counted");
    }
  }
}
