import { S3Client } from "@aws-sdk/client-s3";

export interface S3ClientOptions {
  region?: string;
  /** AWS_ENDPOINT_URL (moto_server, MinIO): path-style addressing is then required */
  endpoint?: string;
}

/**
 * An S3 client for the stores. The SDK's own retries are off (maxAttempts 1) because the stores
 * retry with their own bounded backoff (aws-retry.ts); two layers would multiply the wait.
 * Timeouts keep a hung endpoint from holding a request forever.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}
