import { RateLimiterMemory, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface LimiterOptions {
  /** names the counter family, e.g. "key-rpm60" or "auth-failures" */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

/** Builds a rate limiter; memory by default, DynamoDB when several instances share limits. */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

export const memoryLimiterFactory: LimiterFactory = ({ keyPrefix, points, durationSeconds }) =>
  new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });

/** Limiters by allowance, built once each: keys with the same rpm share one limiter object. */
export class LimiterPool {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly factory: LimiterFactory) {}

  get(options: LimiterOptions): RateLimiterAbstract {
    const name = `${options.keyPrefix}:${options.points}:${options.durationSeconds}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = this.factory(options);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
