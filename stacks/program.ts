import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EncryptionKey } from "../infra/encryption-key.js";
import { GatewayHosts } from "../infra/gateway-hosts.js";
import { GatewayPermissions } from "../infra/gateway-permissions.js";
import { Identities } from "../infra/identities.js";
import { Ingress } from "../infra/ingress.js";
import { Monitoring } from "../infra/monitoring.js";
import { ReleaseArtifact } from "../infra/release-artifact.js";
import { GatewaySecret, secretArnPattern } from "../infra/secrets.js";
import { SecurityEvents } from "../infra/security-events.js";
import { GATEWAY_PORT } from "../infra/user-data.js";
import { StateStorage, bucketArnPattern, stateBucketPrefix } from "../infra/state-storage.js";
import type { StackConfig } from "./config.js";

/** Composes the infra/ components for one environment and returns the stack outputs. */
export function createStack(config: StackConfig) {
  const env = config.environment;
  const prefix = `codequery-${env}`;
  // Default tags reach every taggable resource, including ones a component forgets.
  const provider = new aws.Provider(`${prefix}-${config.region}`, {
    region: config.region as aws.Region,
    defaultTags: { tags: config.tags },
  });
  const opts = { provider };
  const identity = aws.getCallerIdentityOutput({}, opts);
  const accountId = identity.accountId;
  const network = lookupNetwork(config, opts);

  const identities = new Identities(
    prefix,
    { accountId, replication: config.replicationEnabled, tags: config.tags },
    opts,
  );
  const gatewayRoleArn = identities.gatewayRole.arn;
  const stateBuckets = bucketArnPattern(stateBucketPrefix(env));
  const key = new EncryptionKey(
    prefix,
    {
      description: `CodeQuery ${env}: Gateway state, secret, logs, alarms`,
      accountId,
      region: config.region,
      adminRoleArns: config.adminRoleArns,
      breakGlassRoleArn: config.breakGlassRoleArn,
      rotationPeriodDays: config.kmsRotationPeriodDays,
      deletionWindowDays: config.kmsDeletionWindowDays,
      uses: [
        {
          sid: "GatewayUseThroughS3",
          principalArn: gatewayRoleArn,
          service: "s3",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
          contextKey: "aws:s3:arn",
          contextValues: [stateBuckets],
        },
        {
          sid: "GatewayUseThroughSecretsManager",
          principalArn: gatewayRoleArn,
          service: "secretsmanager",
          actions: ["kms:Decrypt", "kms:DescribeKey"],
          contextKey: "SecretARN",
          contextValues: [accountId.apply((a) => secretArnPattern(env, config.region, a))],
        },
        {
          sid: "GatewayUseThroughDynamoDB",
          principalArn: gatewayRoleArn,
          service: "dynamodb",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
          contextKey: "aws:dynamodb:tableName",
          contextValues: [`${prefix}-*`],
        },
        // `pulumi up` uploads the release artifact encrypted with the key: the deployer may only create data keys for it.
        {
          sid: "DeployerWritesReleasesThroughS3",
          principalArn: config.deployerRoleArn,
          service: "s3",
          actions: ["kms:GenerateDataKey"],
          contextKey: "aws:s3:arn",
          contextValues: [stateBuckets],
        },
        // Runbooks (restore, rotate-admin-secret) run as break-glass: they read state and write the secret.
        {
          sid: "BreakGlassUseThroughS3",
          principalArn: config.breakGlassRoleArn,
          service: "s3",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
          contextKey: "aws:s3:arn",
          contextValues: [stateBuckets],
        },
        {
          sid: "BreakGlassUseThroughSecretsManager",
          principalArn: config.breakGlassRoleArn,
          service: "secretsmanager",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
          contextKey: "SecretARN",
          contextValues: [accountId.apply((a) => secretArnPattern(env, config.region, a))],
        },
        ...(identities.replicationRole
          ? [
              {
                sid: "ReplicationReadsThroughS3",
                principalArn: identities.replicationRole.arn,
                service: "s3" as const,
                actions: ["kms:Decrypt"],
                contextKey: "aws:s3:arn",
                contextValues: [stateBuckets],
              },
            ]
          : []),
      ],
      logGroupArnPattern: accountId.apply(
        (a) => `arn:aws:logs:${config.region}:${a}:log-group:/codequery/${env}/*`,
      ),
      allowAlarmPublishing: true,
      allowAutoScalingVolumes: true,
      dynamoDbGrantors: [config.deployerRoleArn],
      tags: config.tags,
    },
    opts,
  );

  const backupProvider = config.replicationEnabled
    ? new aws.Provider(`${prefix}-${config.backupRegion}`, {
        region: config.backupRegion as aws.Region,
        defaultTags: { tags: config.tags },
      })
    : undefined;
  const storage = new StateStorage(
    prefix,
    {
      environment: env,
      region: config.region,
      kmsKeyArn: key.arn,
      retentionDays: config.retentionDays,
      backup:
        backupProvider && identities.replicationRole
          ? {
              region: config.backupRegion,
              provider: backupProvider,
              role: identities.replicationRole,
              accountId,
              adminRoleArns: config.adminRoleArns,
              breakGlassRoleArn: config.breakGlassRoleArn,
              rotationPeriodDays: config.kmsRotationPeriodDays,
              deletionWindowDays: config.kmsDeletionWindowDays,
              replicationTimeControl: env === "prod",
            }
          : undefined,
      tags: config.tags,
    },
    opts,
  );
  const secret = new GatewaySecret(
    prefix,
    {
      environment: env,
      kmsKeyArn: key.arn,
      gatewayRoleArn,
      breakGlassRoleArn: config.breakGlassRoleArn,
      recoveryWindowDays: env === "prod" ? 30 : 7,
      tags: config.tags,
    },
    opts,
  );
  const artifact = new ReleaseArtifact(
    prefix,
    { path: config.artifactPath, bucket: storage.state.name, kmsKeyArn: key.arn },
    opts,
  );

  const ingress = config.albEnabled
    ? new Ingress(
        prefix,
        {
          environment: env,
          vpcId: network.vpcId,
          subnetIds: network.subnetIds,
          certificateArn: config.certificateArn,
          domain: config.domain,
          accountId,
          logRetentionDays: config.logRetentionDays,
          tags: config.tags,
        },
        opts,
      )
    : undefined;
  const hosts = new GatewayHosts(
    prefix,
    {
      environment: env,
      region: config.region,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds,
      instanceType: config.instanceType,
      minInstances: config.minInstances,
      maxInstances: config.maxInstances,
      detailedMonitoring: config.detailedMonitoring,
      instanceProfileArn: identities.gatewayInstanceProfile.arn,
      kmsKeyArn: key.arn,
      stateBucketName: storage.state.name,
      artifactKey: artifact.object.key,
      secretArn: secret.arn,
      logRetentionDays: config.logRetentionDays,
      hostedCore: config.hostedCore,
      publicUrl: ingress?.url,
      alb: ingress
        ? { securityGroupId: ingress.securityGroup.id, targetGroupArn: ingress.targetGroup.arn }
        : undefined,
      sshCidr: config.sshCidr,
      tags: config.tags,
    },
    opts,
  );
  new GatewayPermissions(
    prefix,
    {
      environment: env,
      role: identities.gatewayRole,
      stateBucketArn: storage.state.arn,
      secretArn: secret.arn,
      rateLimitTableArn: hosts.rateLimitTable.arn,
      logGroupArn: hosts.logGroup.arn,
    },
    opts,
  );
  const monitoring = new Monitoring(
    prefix,
    {
      environment: env,
      region: config.region,
      kmsKeyArn: key.arn,
      accountId,
      alarmEmail: config.alarmEmail,
      autoScalingGroupName: hosts.group.name,
      logGroupName: hosts.logGroup.name,
      alb: ingress
        ? { arnSuffix: ingress.loadBalancer.arnSuffix, targetGroupArnSuffix: ingress.targetGroup.arnSuffix }
        : undefined,
      thresholds: config.alarms,
      paging: config.alarms.paging,
      tags: config.tags,
    },
    opts,
  );
  new SecurityEvents(
    prefix,
    {
      environment: env,
      topicArn: monitoring.alarmTopic.arn,
      kmsKeyArn: key.arn,
      bucketNames: [storage.state.name, ...(storage.backup ? [storage.backup.name] : [])],
      secretArn: secret.arn,
      gatewayRoleName: identities.gatewayRole.name,
      tags: config.tags,
    },
    opts,
  );

  return {
    environment: env,
    region: config.region,
    // Empty without a load balancer, so tools that read it skip their live checks instead of failing.
    gatewayUrl: ingress ? ingress.url : pulumi.output(""),
    gatewayAccess: ingress
      ? ingress.url
      : `no load balancer in ${env}: aws ssm start-session --document-name AWS-StartPortForwardingSession --parameters portNumber=${GATEWAY_PORT},localPortNumber=${GATEWAY_PORT} --target <instance id>`,
    stateBucketName: storage.state.name,
    backupBucketName: storage.backup ? storage.backup.name : pulumi.output(""),
    backupRegion: config.replicationEnabled ? config.backupRegion : "",
    kmsKeyArn: key.arn,
    kmsKeyAlias: key.alias.name,
    secretArn: secret.arn,
    alarmTopicArn: monitoring.alarmTopic.arn,
    noticeTopicArn: monitoring.noticeTopic.arn,
    autoScalingGroupName: hosts.group.name,
    rateLimitTableName: hosts.rateLimitTable.name,
    logGroupName: hosts.logGroup.name,
    releaseKey: artifact.key,
    gatewayRoleArn,
  };
}

/** The configured VPC, or the account's default VPC and its default subnets (one per AZ). */
function lookupNetwork(config: StackConfig, opts: pulumi.InvokeOptions) {
  if (config.vpcId && config.subnetIds)
    return { vpcId: pulumi.output(config.vpcId), subnetIds: pulumi.output(config.subnetIds) };
  const vpc = aws.ec2.getVpcOutput({ default: true }, opts);
  const subnets = aws.ec2.getSubnetsOutput(
    {
      filters: [
        { name: "vpc-id", values: [vpc.id] },
        { name: "default-for-az", values: ["true"] },
      ],
    },
    opts,
  );
  return { vpcId: vpc.id, subnetIds: subnets.ids };
}
