import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";

/** One credential check in progress: it ends as a success (refunded) or a failure (kept). */
export interface AuthAttempt {
  succeeded(): void;
  failed(): Promise<void>;
}

export interface AuthAttemptLimiterOptions {
  /** failed authentications allowed per address per window */
  points: number;
  durationSeconds: number;
  /**
   * RATE_LIMIT_STORE=dynamodb: failures are also counted in the shared table, so an address
   * that used up its budget on one instance is refused by the others after its next failure
   * there. Only failures reach it: a good credential costs no shared-store round trip.
   */
  shared?: RateLimiterAbstract;
  logger: Logger;
  onRefused?: () => void;
}

/**
 * Limits failed authentications per source address, on every route that checks a credential
 * (API key, bearer token, admin session, admin sign-in). A check reserves one failure *before*
 * the credential is looked at and refunds it on success, so a burst of parallel guesses cannot
 * all pass a "how many failures so far" check before the first of them is counted. The
 * reservation is in memory and synchronous; a cache-hit verification refunds it before any
 * other request runs, so honest parallel traffic from one address never sees it.
 */
export class AuthAttemptLimiter {
  private readonly local: RateLimiterMemory;

  constructor(private readonly options: AuthAttemptLimiterOptions) {
    this.local = new RateLimiterMemory({
      keyPrefix: "auth-attempts",
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  /** Takes one failure from `ip`'s budget; 429 with Retry-After once none is left. */
  async reserve(ip: string): Promise<AuthAttempt> {
    try {
      await this.local.consume(ip, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.options.onRefused?.();
      throw tooManyFailures(err.msBeforeNext);
    }
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        void this.local.reward(ip, 1);
      },
      failed: async () => {
        if (settled) return;
        settled = true;
        await this.countShared(ip);
      },
    };
  }

  private async countShared(ip: string): Promise<void> {
    const shared = this.options.shared;
    if (!shared) return;
    try {
      const res = await shared.penalty(ip, 1);
      if (res.consumedPoints >= shared.points) {
        await this.local.block(ip, Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
      }
    } catch (err) {
      this.options.logger.warn(
        { err },
        "shared auth-failure counter unavailable; counted on this instance only",
      );
    }
  }
}

function tooManyFailures(msBeforeNext: number): TooManyRequestsError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new TooManyRequestsError(
    "Too many failed authentication attempts from this address; try again later",
    { retry_after: retryAfter },
    { "Retry-After": String(retryAfter) },
  );
}
