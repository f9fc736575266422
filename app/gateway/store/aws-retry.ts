import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { backoffDelay, sleep } from "../../common/backoff.js";
import { StoreUnavailableError } from "./errors.js";

/** How hard to try an AWS call before answering 503. The defaults bound a call to ~4 s of waiting. */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseMs: 100, capMs: 2_000 };

const THROTTLING_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an AWS SDK error, or undefined when the request never got an answer. */
export function awsStatus(err: unknown): number | undefined {
  return (err as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

export function awsErrorCode(err: unknown): string | undefined {
  const e = err as AwsLikeError | undefined;
  return e?.Code ?? e?.code ?? e?.name;
}

/**
 * Worth another try: no HTTP answer at all (refused, reset, DNS, timeout), 5xx, 429, or a
 * throttling code. 4xx answers (denied, missing bucket, failed precondition) are final.
 */
export function isRetryableAwsError(err: unknown): boolean {
  const status = awsStatus(err);
  const code = awsErrorCode(err);
  if (code !== undefined && THROTTLING_CODES.has(code)) return true;
  if (status === undefined) return true;
  return status >= 500 || status === 429;
}

/**
 * Runs `call` with capped exponential backoff and full jitter on retryable errors. `isFinal`
 * lets the caller pass through errors it handles itself (404, 412). Anything else that fails
 * ends as StoreUnavailableError, with the AWS error kept as `cause` for the logs.
 */
export async function withAwsRetries<T>(
  call: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; isFinal?: (err: unknown) => boolean; what?: string } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const message = `${options.what ?? "Key storage"} is unavailable, try again shortly`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (options.isFinal?.(err)) throw err;
      if (!isRetryableAwsError(err) || attempt + 1 >= policy.attempts) {
        throw new StoreUnavailableError(message, { cause: err });
      }
      await sleep(backoffDelay(attempt, policy.baseMs, policy.capMs, policy.random));
    }
  }
}

/** Every page of a ListObjectsV2 listing, each page's request retried as {@link withAwsRetries} does. */
export async function* listObjectPages(
  client: S3Client,
  input: Omit<ListObjectsV2CommandInput, "ContinuationToken">,
  options: { policy?: RetryPolicy; what?: string } = {},
): AsyncGenerator<ListObjectsV2CommandOutput> {
  let token: string | undefined;
  do {
    const page = await withAwsRetries(
      () => client.send(new ListObjectsV2Command({ ...input, ContinuationToken: token })),
      options,
    );
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
