import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";
import { GATEWAY_PORT, renderUserData } from "./user-data.js";

export const logGroupName = (env: string) => `/codequery/${env}/gateway`;

export interface GatewayHostsArgs {
  environment: string;
  region: string;
  vpcId: pulumi.Input<string>;
  /** private subnets: the hosts never get a public address */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  instanceType: string;
  minInstances: number;
  maxInstances: number;
  detailedMonitoring: boolean;
  instanceProfileArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  stateBucketName: pulumi.Input<string>;
  artifactKey: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  logRetentionDays: number;
  hostedCore: boolean;
  /** the Gateway's public URL (from the ingress), written to its environment */
  publicUrl?: pulumi.Input<string>;
  /** when set, hosts take Gateway traffic from this security group only, and register in the target group */
  alb?: { securityGroupId: pulumi.Input<string>; targetGroupArn: pulumi.Input<string> };
  /** dev only: SSH from this CIDR (otherwise SSM Session Manager) */
  sshCidr?: string;
  /** keep the table and log group through `pulumi destroy` and refuse a replacement (prod) */
  protect: boolean;
  tags: StackTags;
}

/**
 * The Gateway fleet: a launch template (AL2023, IMDSv2 only, encrypted gp3, hardened units), an
 * Auto Scaling group that rolls on every template change, its log group and the DynamoDB table
 * the instances share rate limits through.
 */
export class GatewayHosts extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly rateLimitTable: aws.dynamodb.Table;

  constructor(name: string, args: GatewayHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:GatewayHosts", name, {}, opts);
    const child = { parent: this };
    const kept = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const tags = (suffix: string) => tagsFor(args.tags, `${name}-${suffix}`);

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: logGroupName(args.environment),
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: tags("logs"),
      },
      kept,
    );
    this.rateLimitTable = new aws.dynamodb.Table(
      `${name}-rate-limits`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "key",
        attributes: [{ name: "key", type: "S" }],
        ttl: { attributeName: "expiresAt", enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        pointInTimeRecovery: { enabled: false },
        deletionProtectionEnabled: args.environment !== "dev",
        tags: tags("rate-limits"),
      },
      kept,
    );

    const ingress: aws.types.input.ec2.SecurityGroupIngress[] = [];
    if (args.alb)
      ingress.push({
        description: "Gateway from the ALB only",
        protocol: "tcp",
        fromPort: GATEWAY_PORT,
        toPort: GATEWAY_PORT,
        securityGroups: [args.alb.securityGroupId],
      });
    if (args.sshCidr)
      ingress.push({
        description: "SSH (dev only)",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: [args.sshCidr],
      });
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-hosts`,
      {
        description: "CodeQuery Gateway hosts",
        vpcId: args.vpcId,
        ingress,
        // HTTPS out: S3, Secrets Manager, SSM, CloudWatch, DynamoDB, dnf mirrors and the users' Core tunnels.
        egress: [
          {
            description: "HTTPS out",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: tags("hosts"),
      },
      child,
    );

    // Latest Amazon Linux 2023 at deploy time: a new AMI rolls the fleet on the next `pulumi up`.
    const ami = aws.ec2.getAmiOutput(
      {
        owners: ["amazon"],
        mostRecent: true,
        filters: [
          { name: "name", values: ["al2023-ami-2023.*-x86_64"] },
          { name: "architecture", values: ["x86_64"] },
          { name: "virtualization-type", values: ["hvm"] },
          { name: "root-device-type", values: ["ebs"] },
        ],
      },
      { parent: this },
    );
    const userData = pulumi
      .all([
        args.stateBucketName,
        args.artifactKey,
        args.kmsKeyArn,
        args.secretArn,
        this.rateLimitTable.name,
        this.logGroup.name,
        args.publicUrl,
      ])
      .apply(([bucket, artifactKey, kmsKeyArn, secretArn, rateLimitTable, logGroup, publicUrl]) =>
        Buffer.from(
          renderUserData({
            environment: args.environment,
            region: args.region,
            bucket,
            artifactKey,
            kmsKeyArn,
            secretArn,
            rateLimitTable,
            logGroupName: logGroup,
            hostedCore: args.hostedCore,
            publicUrl,
          }),
        ).toString("base64"),
      );
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `CodeQuery ${args.environment} Gateway`,
        imageId: ami.id,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: args.instanceProfileArn },
        // Private subnets, and never a public address even if a subnet's default changes.
        networkInterfaces: [
          { deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [this.securityGroup.id] },
        ],
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        monitoring: { enabled: args.detailedMonitoring },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeType: "gp3",
              volumeSize: 20,
              encrypted: "true",
              kmsKeyId: args.kmsKeyArn,
              deleteOnTermination: "true",
            },
          },
        ],
        userData,
        updateDefaultVersion: true,
        tagSpecifications: [
          { resourceType: "instance", tags: tags("host") },
          { resourceType: "volume", tags: tags("volume") },
        ],
        tags: tags("lt"),
      },
      child,
    );
    this.group = new aws.autoscaling.Group(
      `${name}-asg`,
      {
        minSize: args.minInstances,
        maxSize: args.maxInstances,
        desiredCapacity: args.minInstances,
        vpcZoneIdentifiers: args.subnetIds,
        launchTemplate: {
          id: this.launchTemplate.id,
          version: pulumi.interpolate`${this.launchTemplate.latestVersion}`,
        },
        targetGroupArns: args.alb ? [args.alb.targetGroupArn] : [],
        healthCheckType: args.alb ? "ELB" : "EC2",
        healthCheckGracePeriod: 180,
        // A new launch template version (code, AMI, settings) replaces instances in rolling batches.
        instanceRefresh: {
          strategy: "Rolling",
          // Launch before terminate (100..200%), so even a one-host dev stack keeps serving.
          preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: 200,
            instanceWarmup: "120",
            autoRollback: true,
          },
        },
        enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupTerminatingInstances"],
        tags: Object.entries(tags("host")).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      child,
    );
    this.registerOutputs({
      autoScalingGroupName: this.group.name,
      logGroupName: this.logGroup.name,
      rateLimitTableName: this.rateLimitTable.name,
    });
  }
}
