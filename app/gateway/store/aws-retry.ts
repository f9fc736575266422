import {
  paginateListObjectsV2,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { backoffDelay } from "../../common/backoff.js";
import { StoreUnavailableError } from "./errors.js";

/**
 * How hard an AWS client tries a call before it fails: attempts in all, and the capped
 * exponential backoff with full jitter between them. The defaults bound a call to ~4 s of waiting.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseMs: 100, capMs: 2_000 };

/**
 * Client settings that let the AWS SDK retry: its standard retry strategy decides what is worth
 * another try (no answer at all, 5xx, 429, throttling codes; never 404 or 412) and keeps a retry
 * quota, so a long outage does not multiply every call by `attempts`; `policy` sets the tries and
 * the backoff between them.
 */
export function sdkRetrySettings(policy: RetryPolicy = DEFAULT_RETRY_POLICY): {
  maxAttempts: number;
  retryStrategy: ConfiguredRetryStrategy;
} {
  return {
    maxAttempts: policy.attempts,
    // The strategy counts attempts from 1; the first retry waits up to `baseMs`.
    retryStrategy: new ConfiguredRetryStrategy(policy.attempts, (attempt) =>
      backoffDelay(attempt - 1, policy.baseMs, policy.capMs),
    ),
  };
}

interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** The HTTP status of an AWS SDK error, or undefined when the request never got an answer. */
export function awsStatus(err: unknown): number | undefined {
  return (err as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

export function awsErrorCode(err: unknown): string | undefined {
  const e = err as AwsLikeError | undefined;
  return e?.Code ?? e?.code ?? e?.name;
}

/** How many attempts the SDK made for a call that ended with this result or error. */
export function awsAttempts(resultOrError: unknown): number {
  return (resultOrError as AwsLikeError | undefined)?.$metadata?.attempts ?? 1;
}

/**
 * Runs one AWS SDK call (the client retries it, see {@link sdkRetrySettings}). `isFinal` lets
 * the caller pass through errors it handles itself (404, 412); anything else that fails ends as
 * StoreUnavailableError (503), with the AWS error kept as `cause` for the logs.
 */
export async function callAws<T>(
  call: () => Promise<T>,
  options: { isFinal?: (err: unknown) => boolean; what?: string } = {},
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (options.isFinal?.(err)) throw err;
    throw new StoreUnavailableError(`${options.what ?? "Key storage"} is unavailable, try again shortly`, {
      cause: err,
    });
  }
}

/** Every page of a ListObjectsV2 listing (the SDK's paginator); a failed page as {@link callAws}. */
export async function* listObjectPages(
  client: S3Client,
  input: Omit<ListObjectsV2CommandInput, "ContinuationToken">,
  options: { what?: string } = {},
): AsyncGenerator<ListObjectsV2CommandOutput> {
  const pages = paginateListObjectsV2({ client, pageSize: input.MaxKeys }, input)[Symbol.asyncIterator]();
  for (;;) {
    const next = await callAws(() => pages.next(), options);
    if (next.done) return;
    yield next.value;
  }
}
