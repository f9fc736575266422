import type { RateLimiterAbstract } from "rate-limiter-flexible";
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
 * reservation is in memory and synchronous (a fixed window per address). Request pipelines reserve
 * right before a synchronous check and settle right after it, so there a reservation never spans
 * an await and honest parallel traffic from one address never sees one; the OAuth consent form
 * (submitted by a person) holds its reservation across the key lookup.
 */
export class AuthAttemptLimiter {
  /** per address: failures plus checks in progress, in the current fixed window */
  private readonly windows = new Map<string, { used: number; resetAt: number }>();
  private readonly windowMs: number;

  constructor(private readonly options: AuthAttemptLimiterOptions) {
    this.windowMs = options.durationSeconds * 1000;
  }

  /** Takes one failure from `ip`'s budget; 429 with Retry-After once none is left. */
  reserve(ip: string): AuthAttempt {
    const now = Date.now();
    let window = this.windows.get(ip);
    if (window === undefined || window.resetAt <= now) {
      if (this.windows.size >= MAX_TRACKED_ADDRESSES) this.dropExpired(now);
      window = { used: 0, resetAt: now + this.windowMs };
      this.windows.set(ip, window);
    }
    if (window.used >= this.options.points) {
      this.options.onRefused?.();
      throw tooManyFailures(window.resetAt - now);
    }
    window.used += 1;
    const reserved = window;
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        reserved.used = Math.max(0, reserved.used - 1);
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
      if (res.consumedPoints >= shared.points) this.block(ip, res.msBeforeNext);
    } catch (err) {
      this.options.logger.warn(
        { err },
        "shared auth-failure counter unavailable; counted on this instance only",
      );
    }
  }

  /** The shared count says this address used up its budget (on any instance): refuse it here too. */
  private block(ip: string, ms: number): void {
    this.windows.set(ip, { used: this.options.points, resetAt: Date.now() + Math.max(1000, ms) });
  }

  private dropExpired(now: number): void {
    for (const [ip, window] of this.windows) if (window.resetAt <= now) this.windows.delete(ip);
    // Still full of live windows (a flood from many addresses): forget the oldest.
    while (this.windows.size >= MAX_TRACKED_ADDRESSES) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}

/** Bounds the memory a flood from many addresses can take. */
const MAX_TRACKED_ADDRESSES = 100_000;

function tooManyFailures(msBeforeNext: number): TooManyRequestsError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new TooManyRequestsError(
    "Too many failed authentication attempts from this address; try again later",
    { retry_after: retryAfter },
    { "Retry-After": String(retryAfter) },
  );
}
