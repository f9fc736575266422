import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertTopic } from "../infra/alert-topic.js";
import { AutoScalingServiceRole } from "../infra/auto-scaling-role.js";
import { EncryptionKey } from "../infra/encryption-key.js";
import { GatewayHosts } from "../infra/gateway-hosts.js";
import { GatewayPermissions } from "../infra/gateway-permissions.js";
import { Identities } from "../infra/identities.js";
import { Ingress } from "../infra/ingress.js";
import { Monitoring } from "../infra/monitoring.js";
import { Network } from "../infra/network.js";
import { OperatorAccess } from "../infra/operator-access.js";
import { ReleaseArtifact } from "../infra/release-artifact.js";
import { GatewaySecret } from "../infra/secrets.js";
import { SecurityEvents } from "../infra/security-events.js";
import { GATEWAY_PORT } from "../infra/user-data.js";
import { StateStorage } from "../infra/state-storage.js";
import type { StackConfig } from "./config.js";
import { backupKeyPolicy, primaryKeyPolicy } from "./key-policies.js";

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
  const accountId = aws.getCallerIdentityOutput({}, opts).accountId;

  const identities = new Identities(
    prefix,
    { accountId, replication: config.replicationEnabled, tags: config.tags },
    opts,
  );
  const gatewayRoleArn = identities.gatewayRole.arn;
  // Looked up, or created in a fresh account, before the key whose policy names it.
  const autoScaling = new AutoScalingServiceRole(prefix, opts);
  const key = new EncryptionKey(
    prefix,
    {
      description: `CodeQuery ${env}: Gateway state, secret, logs, alarms`,
      rotationPeriodDays: config.kmsRotationPeriodDays,
      deletionWindowDays: config.kmsDeletionWindowDays,
      policy: pulumi
        .all([accountId, gatewayRoleArn, identities.replicationRole?.arn, autoScaling.arn])
        .apply(([account, gateway, replication, autoScalingRole]) =>
          primaryKeyPolicy(config, {
            accountId: account,
            gatewayRoleArn: gateway,
            replicationRoleArn: replication,
            autoScalingRoleArn: autoScalingRole,
          }),
        ),
      protect: config.protectState,
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
  const backupKey =
    backupProvider && identities.replicationRole
      ? new EncryptionKey(
          `${prefix}-backup`,
          {
            description: `CodeQuery ${env} state backups and secret replica (${config.backupRegion})`,
            rotationPeriodDays: config.kmsRotationPeriodDays,
            deletionWindowDays: config.kmsDeletionWindowDays,
            policy: pulumi
              .all([accountId, gatewayRoleArn, identities.replicationRole.arn])
              .apply(([account, gateway, replication]) =>
                backupKeyPolicy(config, {
                  accountId: account,
                  gatewayRoleArn: gateway,
                  replicationRoleArn: replication,
                }),
              ),
            protect: config.protectState,
            tags: config.tags,
          },
          { provider: backupProvider },
        )
      : undefined;
  const storage = new StateStorage(
    prefix,
    {
      environment: env,
      region: config.region,
      kmsKeyArn: key.arn,
      retentionDays: config.retentionDays,
      protect: config.protectState,
      backup:
        backupProvider && backupKey && identities.replicationRole
          ? {
              region: config.backupRegion,
              provider: backupProvider,
              role: identities.replicationRole,
              key: backupKey,
              controllerRoleArns: [...(config.backupAdminRoleArns ?? []), ...config.breakGlassRoleArns],
              lock: { mode: config.backupLockMode, days: config.backupRetentionDays ?? config.retentionDays },
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
      breakGlassRoleArns: config.breakGlassRoleArns,
      recoveryWindowDays: env === "prod" ? 30 : 7,
      replica: backupKey ? { region: config.backupRegion, kmsKeyArn: backupKey.arn } : undefined,
      protect: config.protectState,
      tags: config.tags,
    },
    opts,
  );
  const artifact = new ReleaseArtifact(
    prefix,
    { path: config.artifactPath, bucket: storage.state.name, kmsKeyArn: key.arn },
    opts,
  );
  const network = new Network(
    prefix,
    {
      environment: env,
      region: config.region,
      cidr: config.vpcCidr,
      natPerZone: env === "prod",
      interfaceEndpoints: env === "prod",
      kmsKeyArn: key.arn,
      logRetentionDays: config.logRetentionDays,
      tags: config.tags,
    },
    opts,
  );

  const ingress = config.albEnabled
    ? new Ingress(
        prefix,
        {
          environment: env,
          vpcId: network.vpc.id,
          vpcCidr: config.vpcCidr,
          subnetIds: network.publicSubnetIds,
          waf: env !== "dev",
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
      vpcId: network.vpc.id,
      subnetIds: network.privateSubnetIds,
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
      protect: config.protectState,
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
      secretReplicaArn: secret.replicaArn,
      rateLimitTableArn: hosts.rateLimitTable.arn,
      logGroupArn: hosts.logGroup.arn,
    },
    opts,
  );
  new OperatorAccess(
    prefix,
    {
      environment: env,
      breakGlassRoleArns: config.breakGlassRoleArns,
      stateBucketArn: storage.state.arn,
      backupBucketArn: storage.backup?.arn,
      secretArn: secret.arn,
      tags: config.tags,
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
      replication: storage.backup
        ? {
            sourceBucket: storage.state.name,
            destinationBucket: storage.backup.name,
            ruleId: StateStorage.RULE_ID,
          }
        : undefined,
      secretRotationDays: config.secretRotationDays,
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
      bucketNames: [storage.state.name],
      secretArn: secret.arn,
      global: { gatewayRoleName: identities.gatewayRole.name },
      tags: config.tags,
    },
    opts,
  );
  if (backupProvider && backupKey && storage.backup) {
    // EventBridge sees a region's events only: the backup region watches its own key, bucket and replica.
    const backupAlarms = new AlertTopic(
      `${prefix}-backup-alarms`,
      { kmsKeyArn: backupKey.arn, accountId, email: config.alarmEmail, tags: config.tags },
      { provider: backupProvider },
    );
    new SecurityEvents(
      `${prefix}-backup`,
      {
        environment: env,
        topicArn: backupAlarms.arn,
        kmsKeyArn: backupKey.arn,
        bucketNames: [storage.backup.name],
        secretArn: secret.replicaArn ?? secret.arn,
        tags: config.tags,
      },
      { provider: backupProvider },
    );
  }

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
    backupKmsKeyArn: backupKey ? backupKey.arn : pulumi.output(""),
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
    vpcId: network.vpc.id,
  };
}
