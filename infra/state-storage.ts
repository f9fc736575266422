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
  accountId: pulumi.Input<string>;
  adminRoleArns: string[];
  breakGlassRoleArn: string;
  rotationPeriodDays: number;
  deletionWindowDays: number;
  /** S3 Replication Time Control: 99.99% of objects replicated within 15 minutes */
  replicationTimeControl: boolean;
}

export interface StateStorageArgs {
  environment: string;
  region: string;
  kmsKeyArn: pulumi.Input<string>;
  retentionDays: number;
  backup?: BackupReplicationArgs;
  tags: StackTags;
}

/** The Gateway's state bucket and, where configured, its replica in the backup region. */
export class StateStorage extends pulumi.ComponentResource {
  readonly state: ProtectedBucket;
  readonly backup?: ProtectedBucket;
  readonly backupKey?: EncryptionKey;

  constructor(name: string, args: StateStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:StateStorage", name, {}, opts);
    this.state = new ProtectedBucket(
      stateBucketPrefix(args.environment),
      { kmsKeyArn: args.kmsKeyArn, noncurrentRetentionDays: args.retentionDays, tags: args.tags },
      { parent: this },
    );
    if (args.backup) {
      const b = args.backup;
      const backupOpts = { parent: this, provider: b.provider };
      const backupPrefix = backupBucketPrefix(args.environment);
      this.backupKey = new EncryptionKey(
        `codequery-${args.environment}-backup`,
        {
          description: `CodeQuery ${args.environment} state backups (${b.region})`,
          accountId: b.accountId,
          region: b.region,
          adminRoleArns: b.adminRoleArns,
          breakGlassRoleArn: b.breakGlassRoleArn,
          rotationPeriodDays: b.rotationPeriodDays,
          deletionWindowDays: b.deletionWindowDays,
          uses: [
            {
              sid: "ReplicationWritesThroughS3",
              principalArn: b.role.arn,
              service: "s3",
              actions: ["kms:Encrypt", "kms:GenerateDataKey*"],
              contextKey: "aws:s3:arn",
              contextValues: [bucketArnPattern(backupPrefix)],
            },
          ],
          tags: args.tags,
        },
        backupOpts,
      );
      this.backup = new ProtectedBucket(
        backupPrefix,
        { kmsKeyArn: this.backupKey.arn, noncurrentRetentionDays: args.retentionDays, tags: args.tags },
        backupOpts,
      );
      this.replicate(name, args, b, this.backup, this.backupKey);
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
              ],
              Resource: `${source}/*`,
            },
            {
              Sid: "WriteReplicas",
              Effect: "Allow",
              Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
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
            id: "state-to-backup-region",
            status: "Enabled",
            filter: {},
            deleteMarkerReplication: { status: "Enabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: backup.arn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: backupKey.arn },
              ...(b.replicationTimeControl
                ? {
                    replicationTime: { status: "Enabled", time: { minutes: 15 } },
                    metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                  }
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
