import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";
import { lockDownBucket } from "./protected-bucket.js";
import { GATEWAY_PORT } from "./user-data.js";

/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Requests per 5 minutes from one IP before the WAF blocks it (the Gateway's own limits are per key). */
export const WAF_RATE_LIMIT_PER_5_MINUTES = 2000;

export interface IngressArgs {
  environment: string;
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** public subnets (the load balancer's only) */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** AWS managed common rules + a per-IP rate rule in front of the load balancer */
  waf: boolean;
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

    const logs = this.accessLogBucket(name, args, tags("access-logs"));
    this.accessLogs = logs.bucket;
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
            cidrBlocks: [args.vpcCidr],
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
        enableDeletionProtection: args.environment !== "dev",
        idleTimeout: 60,
        accessLogs: { bucket: this.accessLogs.bucket, prefix: "alb", enabled: true },
        tags: tags("alb"),
      },
      // ELB checks at creation that it may write to the bucket: the bucket policy must exist first.
      { parent: this, dependsOn: [logs.policy] },
    );
    if (args.waf) this.firewall(name, args, tags("waf"));
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

  /** A web ACL on the load balancer: AWS's common rule set and a per-IP rate rule. */
  private firewall(name: string, args: IngressArgs, tags: Record<string, string>): void {
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const acl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        description: `CodeQuery ${args.environment}: managed common rules and a per-IP rate limit`,
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules: [
          {
            name: "aws-common-rules",
            priority: 1,
            overrideAction: { none: {} },
            statement: {
              managedRuleGroupStatement: {
                vendorName: "AWS",
                name: "AWSManagedRulesCommonRuleSet",
                // MCP and file-content requests may carry bodies over the rule's 8 KB: count, do not block.
                ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }],
              },
            },
            visibilityConfig: visibility(`codequery-${args.environment}-common`),
          },
          {
            name: "per-ip-rate-limit",
            priority: 2,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: WAF_RATE_LIMIT_PER_5_MINUTES, aggregateKeyType: "IP" },
            },
            visibilityConfig: visibility(`codequery-${args.environment}-rate`),
          },
        ],
        visibilityConfig: visibility(`codequery-${args.environment}-waf`),
        tags,
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-waf`,
      { resourceArn: this.loadBalancer.arn, webAclArn: acl.arn },
      { parent: this },
    );
  }

  /** ALB access logs only support SSE-S3, so this bucket cannot use the KMS key. */
  private accessLogBucket(
    name: string,
    args: IngressArgs,
    tags: Record<string, string>,
  ): { bucket: aws.s3.Bucket; policy: aws.s3.BucketPolicy } {
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
    const policy = new aws.s3.BucketPolicy(
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
    return { bucket, policy };
  }
}
