import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

export interface ProtectedBucketArgs {
  /** KMS key every object is encrypted with (bucket key on) */
  kmsKeyArn: pulumi.Input<string>;
  /** days a replaced or deleted version is kept before it expires */
  noncurrentRetentionDays: number;
  /** a destroy must not take the state with it unless the operator empties the bucket first */
  forceDestroy?: boolean;
  /** write-once retention of every version (only settable when the bucket is created) */
  objectLock?: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number };
  /** more Deny statements for the bucket policy, given the bucket's ARN */
  extraDenies?: pulumi.Input<(bucketArn: string) => BucketStatement[]>;
  /** keep the bucket through `pulumi destroy` and refuse a replacement (prod) */
  protect?: boolean;
  tags: StackTags;
}

export interface BucketStatement {
  Sid: string;
  Effect: "Deny";
  Principal: "*";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Blocks every kind of public access to `bucket` and turns ACLs off (BucketOwnerEnforced).
 * Returns the public access block, which a bucket policy must wait for.
 */
export function lockDownBucket(
  name: string,
  bucket: aws.s3.Bucket,
  opts: pulumi.CustomResourceOptions,
): aws.s3.BucketPublicAccessBlock {
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  return publicAccess;
}

/**
 * An S3 bucket with every protection the state needs: versioning, default SSE-KMS with a bucket
 * key, all public access blocked, BucketOwnerEnforced, a policy denying plain HTTP and uploads
 * that ask for another encryption or key, and a lifecycle that expires old versions.
 */
export class ProtectedBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly versioning: aws.s3.BucketVersioning;
  readonly policy: aws.s3.BucketPolicy;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ProtectedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:ProtectedBucket", name, {}, opts);
    const child = { parent: this };
    const protect = args.protect ?? false;
    this.bucket = new aws.s3.Bucket(
      name,
      {
        bucketPrefix: `${name}-`,
        forceDestroy: args.forceDestroy ?? false,
        objectLockEnabled: args.objectLock ? true : undefined,
        tags: tagsFor(args.tags, name),
      },
      { parent: this, protect, retainOnDelete: protect },
    );
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      child,
    );
    const publicAccess = lockDownBucket(name, this.bucket, child);
    const settings: pulumi.Resource[] = [publicAccess, this.versioning];
    if (args.objectLock) {
      settings.push(
        new aws.s3.BucketObjectLockConfiguration(
          `${name}-object-lock`,
          {
            bucket: this.bucket.id,
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
          },
          { parent: this, dependsOn: [this.versioning] },
        ),
      );
    }
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentRetentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
          {
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
          },
        ],
      },
      { parent: this, dependsOn: [this.versioning] },
    );
    // Last: a policy may deny the very settings above to everyone but a few roles.
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: this.bucket.id,
        policy: pulumi
          .all([this.bucket.arn, args.kmsKeyArn, args.extraDenies])
          .apply(([arn, keyArn, extraDenies]) => {
            const policy = protectedBucketPolicy(arn, keyArn);
            return JSON.stringify({
              ...policy,
              Statement: [...policy.Statement, ...(extraDenies ? extraDenies(arn) : [])],
            });
          }),
      },
      { parent: this, dependsOn: [...settings, lifecycle] },
    );
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}

/**
 * Deny statements only, so the wildcard principal grants nothing: who may read and write is
 * decided by IAM (and the key policy); this document only says how.
 */
export function protectedBucketPolicy(bucketArn: string, kmsKeyArn: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      },
      {
        Sid: "DenyOtherKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: {
          StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn },
        },
      },
    ],
  };
}
