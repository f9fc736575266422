import type { DynamoDB } from "@aws-sdk/client-dynamodb";
import { OneTripDynamoLimiter } from "./one-trip-dynamo.js";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface RateLimiterOptions {
  /** RATE_LIMIT_STORE: memory (one process) or dynamodb (shared by every Gateway instance) */
  store: "memory" | "dynamodb";
  /** requests allowed per window */
  points: number;
  /** window length in seconds */
  duration: number;
  /** separates limiters sharing a table, e.g. "key" (per API key) and "ip" (per source IP) */
  keyPrefix: string;
  /** RATE_LIMIT_TABLE, for dynamodb; create it with ensureRateLimitTable */
  table?: string;
  /** the aggregated `DynamoDB` client (not `DynamoDBClient`): rate-limiter-flexible calls its methods */
  dynamoClient?: DynamoDB;
}

/**
 * A rate-limiter-flexible limiter over the chosen store. The DynamoDB limiter counts with one
 * atomic update per call (one-trip-dynamo.ts), so instances sharing the table share the limit. If DynamoDB
 * fails, an in-memory insurance limiter with the same settings answers instead: limits then
 * hold per instance rather than failing every request.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract {
  const common = { points: options.points, duration: options.duration, keyPrefix: options.keyPrefix };
  if (options.store === "memory") return new RateLimiterMemory(common);
  if (!options.dynamoClient || !options.table) {
    throw new Error("RATE_LIMIT_STORE=dynamodb needs RATE_LIMIT_TABLE and a DynamoDB client");
  }
  return new OneTripDynamoLimiter({
    ...common,
    storeClient: options.dynamoClient,
    tableName: options.table,
    // The table and its TTL are provisioned ahead (ensureRateLimitTable or the infrastructure):
    // otherwise the library creates them itself, asynchronously, with unhandled failures.
    tableCreated: true,
    ttlSet: true,
    insuranceLimiter: new RateLimiterMemory(common),
  });
}

/** Builds a rate limiter over the configured store (RATE_LIMIT_STORE), chosen once at start-up. */
export type LimiterFactory = (options: {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}) => RateLimiterAbstract;

export function limiterFactoryFor(
  store: Omit<RateLimiterOptions, "points" | "duration" | "keyPrefix">,
): LimiterFactory {
  return ({ keyPrefix, points, durationSeconds }) =>
    createRateLimiter({ ...store, keyPrefix, points, duration: durationSeconds });
}

export const memoryLimiterFactory: LimiterFactory = limiterFactoryFor({ store: "memory" });

export interface RateLimitDecision {
  allowed: boolean;
  /** the limit applied to this call */
  limit: number;
  remaining: number;
  /** ms until the current window ends */
  msBeforeReset: number;
}

export interface KeyRateLimiter {
  /** counts one request for `key` and decides it against `limit` requests per window */
  consume(key: string, limit: number): Promise<RateLimitDecision>;
}

/**
 * Per-key limits (each API key has its own requests_per_minute): one limiter counts every key's
 * requests in the window with an unbounded point budget, and each call compares the count with
 * the limit it passes. The count survives a change of a key's limit mid-window, and one table
 * and one memory map serve every limit. Refused requests count too, so hammering a key past its
 * limit keeps it limited until the window ends. One store round trip per call.
 */
export function createKeyRateLimiter(
  factory: LimiterFactory,
  options: { keyPrefix: string; durationSeconds: number },
): KeyRateLimiter {
  const limiter = factory({ ...options, points: Number.MAX_SAFE_INTEGER });
  return {
    consume(key, limit) {
      const decide = (result: RateLimiterRes): RateLimitDecision => {
        const consumed = result.consumedPoints;
        return {
          allowed: consumed <= limit,
          limit,
          remaining: Math.max(0, limit - consumed),
          msBeforeReset: Math.max(0, result.msBeforeNext),
        };
      };
      // One promise per request on the hot path: the limiter's own, continued once.
      return limiter.consume(key).then(decide, (err: unknown) => {
        if (err instanceof RateLimiterRes) return decide(err);
        throw err;
      });
    },
  };
}
