import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EncryptionKey } from "./encryption-key.js";
import { ProtectedBucket } from "./protected-bucket.js";
import type { StackTags } from "./tags.js";

/** Bucket names start with these, so key policies can name the buckets before they exist. */
export const stateBucketPrefix = (env: string) => `codequery-${env}-state`;
export const backupBucketPrefix = (env: string) => `codequery-${env}-backup`;
export const bucketArnPattern = (prefix: string) => `arn:aws:s3:::${prefix}-*`;

export interface BackupReplicationArgs {
  region: string;
  /** provider for the backup region */
  provider: aws.Provider;
  role: aws.iam.Role;
  /** the backup key, created by the program before the storage (its policy names the buckets by prefix) */
  key: EncryptionKey;
  /** the backup region's administrators and the break-glass roles: the only ones who may change the copy */
  controllerRoleArns: string[];
  /** Object Lock retention of every replicated version */
  lock: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number };
  /** S3 Replication Time Control: 99.99% of objects replicated within 15 minutes */
  replicationTimeControl: boolean;
}

/** Changes to the backup copy (or its rules) that only its controllers may make. */
export const BACKUP_CONTROL_ACTIONS = [
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutReplicationConfiguration",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:DeleteBucket",
];
export const BACKUP_OBJECT_ACTIONS = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:BypassGovernanceRetention",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
];

/**
 * Deny statements of the backup bucket: nobody but its controllers writes, deletes or re-rules it.
 * Replication writes with s3:ReplicateObject, which stays open to the replication role's own policy.
 */
export function backupBucketDenies(controllerRoleArns: string[]) {
  const others = { ArnNotLike: { "aws:PrincipalArn": controllerRoleArns } };
  return (arn: string) => [
    {
      Sid: "OnlyBackupControllersChangeTheBucket",
      Effect: "Deny" as const,
      Principal: "*" as const,
      Action: BACKUP_CONTROL_ACTIONS,
      Resource: arn,
      Condition: others,
    },
    {
      Sid: "OnlyBackupControllersWriteOrDeleteObjects",
      Effect: "Deny" as const,
      Principal: "*" as const,
      Action: BACKUP_OBJECT_ACTIONS,
      Resource: `${arn}/*`,
      Condition: others,
    },
  ];
}

export interface StateStorageArgs {
  environment: string;
  region: string;
  kmsKeyArn: pulumi.Input<string>;
  retentionDays: number;
  backup?: BackupReplicationArgs;
  /** keep the buckets through `pulumi destroy` and refuse a replacement (prod) */
  protect: boolean;
  tags: StackTags;
}

/** The Gateway's state bucket and, where configured, its replica in the backup region. */
export class StateStorage extends pulumi.ComponentResource {
  readonly state: ProtectedBucket;
  readonly backup?: ProtectedBucket;
  readonly backupKey?: EncryptionKey;
  /** the replication rule's id, a dimension of the replication metrics */
  static readonly RULE_ID = "state-to-backup-region";

  constructor(name: string, args: StateStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:StateStorage", name, {}, opts);
    this.state = new ProtectedBucket(
      stateBucketPrefix(args.environment),
      {
        kmsKeyArn: args.kmsKeyArn,
        noncurrentRetentionDays: args.retentionDays,
        protect: args.protect,
        tags: args.tags,
      },
      { parent: this },
    );
    if (args.backup) {
      const b = args.backup;
      this.backupKey = b.key;
      this.backup = new ProtectedBucket(
        backupBucketPrefix(args.environment),
        {
          kmsKeyArn: b.key.arn,
          // A version is locked for lock.days from its creation, so it is never noncurrent-expired sooner.
          noncurrentRetentionDays: b.lock.days,
          objectLock: b.lock,
          extraDenies: backupBucketDenies(b.controllerRoleArns),
          protect: args.protect,
          tags: args.tags,
        },
        { parent: this, provider: b.provider },
      );
      this.replicate(name, args, b, this.backup, b.key);
    }
    this.registerOutputs({ stateBucketName: this.state.name, backupBucketName: this.backup?.name });
  }

  private replicate(
    name: string,
    args: StateStorageArgs,
    b: BackupReplicationArgs,
    backup: ProtectedBucket,
    backupKey: EncryptionKey,
  ): void {
    const policy = pulumi
      .all([this.state.arn, backup.arn, args.kmsKeyArn, backupKey.arn])
      .apply(([source, destination, sourceKey, destinationKey]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ReadReplicationConfig",
              Effect: "Allow",
              Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
              Resource: source,
            },
            {
              Sid: "ReadSourceVersions",
              Effect: "Allow",
              Action: [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
              ],
              Resource: `${source}/*`,
            },
            {
              Sid: "WriteReplicas",
              Effect: "Allow",
              Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
              Resource: `${destination}/*`,
            },
            {
              Sid: "DecryptSource",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: sourceKey,
              Condition: {
                StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${source}*` },
              },
            },
            {
              Sid: "EncryptReplicas",
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: destinationKey,
              Condition: {
                StringEquals: { "kms:ViaService": `s3.${b.region}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${destination}*` },
              },
            },
          ],
        }),
      );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-replication`,
      { role: b.role.id, policy },
      { parent: this },
    );
    new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        bucket: this.state.bucket.id,
        role: b.role.arn,
        rules: [
          {
            id: StateStorage.RULE_ID,
            status: "Enabled",
            filter: {},
            // A delete in the primary (a bug, an attacker) must not reach the copy.
            deleteMarkerReplication: { status: "Disabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: backup.arn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: backupKey.arn },
              // Metrics (failed operations, latency) feed the replication alarms; RTC adds the 15-minute SLA.
              metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
              ...(b.replicationTimeControl
                ? { replicationTime: { status: "Enabled", time: { minutes: 15 } } }
                : {}),
            },
          },
        ],
      },
      // Replication needs versioning on both sides first.
      { parent: this, dependsOn: [this.state.versioning, backup.versioning, rolePolicy] },
    );
  }
}
