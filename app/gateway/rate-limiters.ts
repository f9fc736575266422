import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { createRateLimiter, type RateLimiterOptions } from "./ratelimit-store/rate-limiter.js";

export interface LimiterOptions {
  /** names the counter family, e.g. "key" or "auth-failures" */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

/** Builds a rate limiter: memory by default, DynamoDB when several instances share limits. */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

export function limiterFactoryFor(
  store: Omit<RateLimiterOptions, "points" | "duration" | "keyPrefix">,
): LimiterFactory {
  return ({ keyPrefix, points, durationSeconds }) =>
    createRateLimiter({ ...store, keyPrefix, points, duration: durationSeconds });
}

export const memoryLimiterFactory: LimiterFactory = limiterFactoryFor({ store: "memory" });
