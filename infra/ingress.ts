import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";
import { lockDownBucket } from "./protected-bucket.js";
import { GATEWAY_PORT } from "./user-data.js";

/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface IngressArgs {
  environment: string;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  certificateArn?: string;
  domain?: string;
  accountId: pulumi.Input<string>;
  logRetentionDays: number;
  tags: StackTags;
}

/**
 * The public entry: an ALB with HTTPS (when a certificate is configured) and an HTTP→HTTPS
 * redirect, invalid headers dropped, access logs in a bucket of their own, and a target group
 * whose health check is the Gateway's `GET /`.
 */
export class Ingress extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly accessLogs: aws.s3.Bucket;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:Ingress", name, {}, opts);
    const child = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${name}-${suffix}`);
    const https = Boolean(args.certificateArn);

    this.accessLogs = this.accessLogBucket(name, args, tags("access-logs"));
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        description: "CodeQuery ALB: HTTP(S) from the internet, to the Gateway hosts",
        vpcId: args.vpcId,
        ingress: [
          {
            description: "HTTPS",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: ["::/0"],
          },
          {
            description: https ? "HTTP (redirected to HTTPS)" : "HTTP",
            protocol: "tcp",
            fromPort: 80,
            toPort: 80,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: ["::/0"],
          },
        ],
        egress: [
          {
            description: "to the Gateway hosts",
            protocol: "tcp",
            fromPort: GATEWAY_PORT,
            toPort: GATEWAY_PORT,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: tags("alb"),
      },
      child,
    );
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [this.securityGroup.id],
        subnets: args.subnetIds,
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "strictest",
        enableDeletionProtection: args.environment === "prod",
        idleTimeout: 60,
        accessLogs: { bucket: this.accessLogs.bucket, prefix: "alb", enabled: true },
        tags: tags("alb"),
      },
      child,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-gw`,
      {
        port: GATEWAY_PORT,
        protocol: "HTTP",
        targetType: "instance",
        vpcId: args.vpcId,
        deregistrationDelay: 30,
        healthCheck: {
          path: "/",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags: tags("gw"),
      },
      child,
    );
    const forward = [{ type: "forward", targetGroupArn: this.targetGroup.arn }];
    if (https) {
      new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn: args.certificateArn,
          defaultActions: forward,
          tags: tags("https"),
        },
        child,
      );
    }
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: https
          ? [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]
          : forward,
        tags: tags("http"),
      },
      child,
    );
    this.url =
      https && args.domain
        ? pulumi.output(`https://${args.domain}`)
        : pulumi.interpolate`${https ? "https" : "http"}://${this.loadBalancer.dnsName}`;
    this.registerOutputs({ url: this.url, loadBalancerArn: this.loadBalancer.arn });
  }

  /** ALB access logs only support SSE-S3, so this bucket cannot use the KMS key. */
  private accessLogBucket(name: string, args: IngressArgs, tags: Record<string, string>): aws.s3.Bucket {
    const child = { parent: this };
    const bucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      {
        bucketPrefix: `codequery-${args.environment}-access-logs-`,
        forceDestroy: args.environment !== "prod",
        tags,
      },
      child,
    );
    new aws.s3.BucketVersioning(
      `${name}-access-logs-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-access-logs-sse`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      child,
    );
    const publicAccess = lockDownBucket(`${name}-access-logs`, bucket, child);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-access-logs-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: args.logRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
          },
        ],
      },
      child,
    );
    const elbAccount = aws.elb.getServiceAccountOutput({}, { parent: this });
    new aws.s3.BucketPolicy(
      `${name}-access-logs-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, elbAccount.arn, args.accountId]).apply(([arn, elb, accountId]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "ElbWritesAccessLogs",
                Effect: "Allow",
                Principal: { AWS: elb },
                Action: "s3:PutObject",
                Resource: `${arn}/alb/AWSLogs/${accountId}/*`,
              },
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    return bucket;
  }
}
