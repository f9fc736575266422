import { S3Client } from "@aws-sdk/client-s3";
import { sdkRetrySettings, type RetryPolicy } from "./aws-retry.js";

export interface S3ClientOptions {
  region?: string;
  /** AWS_ENDPOINT_URL (moto_server, MinIO): path-style addressing is then required */
  endpoint?: string;
  /** how hard the SDK retries a call (default DEFAULT_RETRY_POLICY); tests wait less */
  retry?: RetryPolicy;
}

/**
 * An S3 client for the stores, retrying with the SDK's standard strategy (aws-retry.ts).
 * Timeouts keep a hung endpoint from holding a request forever.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...sdkRetrySettings(options.retry),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}
