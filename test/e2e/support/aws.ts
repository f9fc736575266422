import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { listVersionPages } from "../../../runbooks/lib/s3-versions.js";
import { awsTestEnv } from "../../support/moto.js";

/** A versioned bucket and a KMS key with unique names on moto_server, as the Gateway has in AWS. */
export interface TestAws {
  bucket: string;
  kmsKeyId: string;
  s3: S3Client;
  env: Record<string, string>;
  /** true when the object exists as a current version */
  exists(key: string): Promise<boolean>;
  /** every object version and delete marker in the bucket */
  countVersions(): Promise<number>;
  /** empties the bucket (all versions), deletes it and schedules the key for deletion; idempotent */
  destroy(): Promise<void>;
  /** true while the bucket exists */
  bucketExists(): Promise<boolean>;
}

export async function createTestAws(prefix: string): Promise<TestAws> {
  const env = awsTestEnv();
  const suffix = randomBytes(5).toString("hex");
  const bucket = `${prefix}-${suffix}`;
  const s3 = new S3Client({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true });
  const kms = new KMSClient({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const key = await kms.send(new CreateKeyCommand({ Description: `${bucket} state key` }));
  const kmsKeyId = key.KeyMetadata!.KeyId!;
  await kms.send(new CreateAliasCommand({ AliasName: `alias/${bucket}`, TargetKeyId: kmsKeyId }));

  const listVersions = async () => {
    const out: Array<{ Key: string; VersionId?: string }> = [];
    for await (const res of listVersionPages(s3, bucket, "", 100))
      for (const v of [...(res.Versions ?? []), ...(res.DeleteMarkers ?? [])])
        out.push({ Key: v.Key!, VersionId: v.VersionId });
    return out;
  };

  let destroyed = false;
  return {
    bucket,
    kmsKeyId,
    s3,
    env: { ...env, STORE: "s3", S3_BUCKET: bucket, KMS_KEY_ID: kmsKeyId },
    async exists(objectKey) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
        return true;
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) return false;
        throw err;
      }
    },
    async countVersions() {
      return (await listVersions()).length;
    },
    async bucketExists() {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
      } catch {
        return false;
      }
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const versions = await listVersions();
      for (let i = 0; i < versions.length; i += 1000) {
        await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: versions.slice(i, i + 1000) } }),
        );
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: kmsKeyId, PendingWindowInDays: 7 }));
      kms.destroy();
    },
  };
}
