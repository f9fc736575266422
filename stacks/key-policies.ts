import type { KeyPolicyInput } from "../infra/key-policy.js";
import { secretArnPattern } from "../infra/secrets.js";
import { backupBucketPrefix, bucketArnPattern, stateBucketPrefix } from "../infra/state-storage.js";
import type { StackConfig } from "./config.js";

/** Principals the program creates, resolved. */
export interface KeyPrincipals {
  accountId: string;
  gatewayRoleArn: string;
  replicationRoleArn?: string;
  autoScalingRoleArn?: string;
}

/** SNS topics of the stack are auto-named `codequery-<env>-…`: alarms may publish to those only. */
const topicPattern = (env: string, region: string, accountId: string) =>
  `arn:aws:sns:${region}:${accountId}:codequery-${env}-*`;

/** Who may use the primary key, for which job, through which service and encryption context. */
export function primaryKeyPolicy(config: StackConfig, p: KeyPrincipals): KeyPolicyInput {
  const env = config.environment;
  const stateBuckets = bucketArnPattern(stateBucketPrefix(env));
  const secrets = secretArnPattern(env, config.region, p.accountId);
  return {
    accountId: p.accountId,
    region: config.region,
    adminRoleArns: config.adminRoleArns,
    breakGlassRoleArns: config.breakGlassRoleArns,
    uses: [
      {
        sid: "GatewayUseThroughS3",
        principalArn: p.gatewayRoleArn,
        service: "s3",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        contextKey: "aws:s3:arn",
        contextValues: [stateBuckets],
      },
      {
        sid: "GatewayUseThroughSecretsManager",
        principalArn: p.gatewayRoleArn,
        service: "secretsmanager",
        actions: ["kms:Decrypt"],
        contextKey: "SecretARN",
        contextValues: [secrets],
      },
      {
        sid: "GatewayUseThroughDynamoDB",
        principalArn: p.gatewayRoleArn,
        service: "dynamodb",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        contextKey: "aws:dynamodb:tableName",
        contextValues: [`codequery-${env}-*`],
      },
      // `pulumi up` uploads the release encrypted with the key, in parts: S3 needs Decrypt for a
      // multipart upload as well as GenerateDataKey.
      {
        sid: "DeployerWritesReleasesThroughS3",
        principalArn: config.deployerRoleArn,
        service: "s3",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        contextKey: "aws:s3:arn",
        contextValues: [stateBuckets],
      },
      // Runbooks (restore, rotate-admin-secret) and the first deploy run as break-glass.
      {
        sid: "BreakGlassUseThroughS3",
        principalArn: config.breakGlassRoleArns,
        service: "s3",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        contextKey: "aws:s3:arn",
        contextValues: [stateBuckets],
      },
      {
        sid: "BreakGlassUseThroughSecretsManager",
        principalArn: config.breakGlassRoleArns,
        service: "secretsmanager",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        contextKey: "SecretARN",
        contextValues: [secrets],
      },
      ...(p.replicationRoleArn
        ? [
            {
              sid: "ReplicationReadsThroughS3",
              principalArn: p.replicationRoleArn,
              service: "s3" as const,
              actions: ["kms:Decrypt"],
              contextKey: "aws:s3:arn",
              contextValues: [stateBuckets],
            },
          ]
        : []),
    ],
    describers: [p.gatewayRoleArn, config.deployerRoleArn],
    logGroupArnPattern: `arn:aws:logs:${config.region}:${p.accountId}:log-group:/codequery/${env}/*`,
    alarmTopicArnPattern: topicPattern(env, config.region, p.accountId),
    autoScalingRoleArn: p.autoScalingRoleArn,
    dynamoDbGrantors: [config.deployerRoleArn, ...config.breakGlassRoleArns],
  };
}

/**
 * The backup region's key: administered by the backup administrators, written by replication,
 * readable by break-glass (restore --from-backup, a regional failover) and, for the secret's
 * replica, by the Gateway role.
 */
export function backupKeyPolicy(config: StackConfig, p: KeyPrincipals): KeyPolicyInput {
  const env = config.environment;
  const backupBuckets = bucketArnPattern(backupBucketPrefix(env));
  const replicaSecrets = secretArnPattern(env, config.backupRegion, p.accountId);
  return {
    accountId: p.accountId,
    region: config.backupRegion,
    adminRoleArns: config.backupAdminRoleArns ?? config.adminRoleArns,
    breakGlassRoleArns: config.breakGlassRoleArns,
    uses: [
      ...(p.replicationRoleArn
        ? [
            {
              sid: "ReplicationWritesThroughS3",
              principalArn: p.replicationRoleArn,
              service: "s3" as const,
              actions: ["kms:Encrypt", "kms:GenerateDataKey*"],
              contextKey: "aws:s3:arn",
              contextValues: [backupBuckets],
            },
          ]
        : []),
      // A copy out of the backup bucket into the primary is made by the primary region's S3.
      {
        sid: "BreakGlassRestoresFromBackup",
        principalArn: config.breakGlassRoleArns,
        service: "s3",
        viaRegions: [config.backupRegion, config.region],
        actions: ["kms:Decrypt"],
        contextKey: "aws:s3:arn",
        contextValues: [backupBuckets],
      },
      {
        sid: "BreakGlassWritesSecretReplica",
        principalArn: config.breakGlassRoleArns,
        service: "secretsmanager",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        contextKey: "SecretARN",
        contextValues: [replicaSecrets],
      },
      {
        sid: "GatewayReadsSecretReplica",
        principalArn: p.gatewayRoleArn,
        service: "secretsmanager",
        actions: ["kms:Decrypt"],
        contextKey: "SecretARN",
        contextValues: [replicaSecrets],
      },
    ],
    describers: [p.gatewayRoleArn, config.deployerRoleArn],
    alarmTopicArnPattern: topicPattern(env, config.backupRegion, p.accountId),
  };
}
