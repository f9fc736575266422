/**
 * Test helpers for the stores' AWS tests on moto_server (imported by *.test.ts only).
 * Every test file gets its own bucket and KMS key with a random suffix: one moto serves the run.
 */
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { awsTestEnv } from "../../../../test/support/moto.js";
import type { RetryPolicy } from "../aws-retry.js";
import { createS3Client } from "../s3-client.js";

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

export function motoEndpoint(): string {
  return awsTestEnv().AWS_ENDPOINT_URL!;
}

export function testS3Client(endpoint = motoEndpoint(), retry?: RetryPolicy): S3Client {
  return createS3Client({ endpoint, region: "us-east-1", retry });
}

export function testKmsClient(endpoint = motoEndpoint()): KMSClient {
  return new KMSClient({ endpoint, region: "us-east-1" });
}

export async function createTestBucket(client: S3Client, prefix = "cq-test"): Promise<string> {
  const bucket = uniqueName(prefix);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A fresh symmetric KMS key; returns its key id. */
export async function createTestKmsKey(description: string, endpoint = motoEndpoint()): Promise<string> {
  const kms = testKmsClient(endpoint);
  try {
    const created = await kms.send(new CreateKeyCommand({ Description: description }));
    return created.KeyMetadata!.KeyId!;
  } finally {
    kms.destroy();
  }
}
