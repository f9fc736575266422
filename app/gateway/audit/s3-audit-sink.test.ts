import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createTestBucket, createTestKmsKey, testS3Client } from "../store/testing/aws-test-support.js";
import { auditSinkContract, CONTRACT_ADMIN_KEY } from "./testing/audit-sink.contract.js";
import { S3AuditSink } from "./s3-audit-sink.js";

const client = testS3Client();

auditSinkContract("s3", async () => {
  const bucket = await createTestBucket(client, "cq-audit");
  const kmsKeyId = await createTestKmsKey("audit contract");
  return {
    sink: new S3AuditSink({ client, bucket, prefix: "gw", kmsKeyId, secrets: () => [CONTRACT_ADMIN_KEY] }),
    async cleanup() {},
  };
});

describe("S3AuditSink", () => {
  const base = {
    request_id: null,
    actor: "admin",
    target: null,
    source_ip: null,
    outcome: "success" as const,
  };

  it("writes one SSE-KMS object per record under <prefix>audit/YYYY/MM/DD/<iso time>-<uuid>.json", async () => {
    const bucket = await createTestBucket(client, "cq-audit");
    const kmsKeyId = await createTestKmsKey("audit layout");
    const sink = new S3AuditSink({ client, bucket, prefix: "gw/", kmsKeyId });
    await sink.write({ ...base, time: "2026-02-03T04:05:06.789Z", action: "key.purge" });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const key = listed.Contents![0]!.Key!;
    expect(key).toMatch(/^gw\/audit\/2026\/02\/03\/2026-02-03T04:05:06\.789Z-[0-9a-f-]{36}\.json$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toContain(kmsKeyId);
  });

  it("reads at most maxScan objects per query, newest first", async () => {
    const bucket = await createTestBucket(client, "cq-audit");
    const sink = new S3AuditSink({ client, bucket, maxScan: 3 });
    for (let i = 0; i < 6; i++)
      await sink.write({ ...base, time: `2026-05-0${i + 1}T00:00:00.000Z`, action: `step.${i}` });
    const found = await sink.query({ action: "step.0" });
    expect(found).toEqual([]);
    expect((await sink.query({ limit: 10 })).map((r) => r.action)).toEqual(["step.5", "step.4", "step.3"]);
  });
});
