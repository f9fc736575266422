import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The state prefixes the Gateway works on (app/gateway/store/types.ts), relative to the bucket root. */
export const STATE_PREFIXES = ["keys", "tunnels", "usage"] as const;
export const METRICS_NAMESPACE = (env: string) => `CodeQuery/${env}`;

export interface GatewayPermissionsArgs {
  environment: string;
  role: aws.iam.Role;
  stateBucketArn: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  /** the secret's replica in the backup region (read after a regional failover) */
  secretReplicaArn?: pulumi.Input<string>;
  rateLimitTableArn: pulumi.Input<string>;
  logGroupArn: pulumi.Input<string>;
}

/**
 * Least privilege for the Gateway hosts: read/write its record prefixes, append audit records,
 * read releases, read its secret, use its rate-limit table, write its log group, and SSM Session
 * Manager. The KMS key is granted in the key policy (only through S3, Secrets Manager, DynamoDB).
 */
export class GatewayPermissions extends pulumi.ComponentResource {
  constructor(name: string, args: GatewayPermissionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:GatewayPermissions", name, {}, opts);
    const policy = pulumi
      .all([
        args.stateBucketArn,
        args.secretArn,
        args.secretReplicaArn,
        args.rateLimitTableArn,
        args.logGroupArn,
      ])
      .apply(([bucket, secret, secretReplica, table, logGroup]) =>
        JSON.stringify(
          gatewayPolicy({ environment: args.environment, bucket, secret, secretReplica, table, logGroup }),
        ),
      );
    new aws.iam.RolePolicy(`${name}-inline`, { role: args.role.id, policy }, { parent: this });
    // Session Manager instead of SSH. AWS's managed policy: its `*` resources are what SSM requires.
    new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      { role: args.role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export function gatewayPolicy(r: {
  environment: string;
  bucket: string;
  secret: string;
  secretReplica?: string;
  table: string;
  logGroup: string;
}) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListStatePrefixes",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: r.bucket,
        Condition: {
          StringLike: { "s3:prefix": [...STATE_PREFIXES, "audit", "releases"].map((p) => `${p}/*`) },
        },
      },
      {
        Sid: "ReadWriteRecords",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: STATE_PREFIXES.map((p) => `${r.bucket}/${p}/*`),
      },
      // Audit records are appended, never rewritten or deleted by the Gateway.
      { Sid: "AppendAudit", Effect: "Allow", Action: "s3:PutObject", Resource: `${r.bucket}/audit/*` },
      { Sid: "ReadReleases", Effect: "Allow", Action: "s3:GetObject", Resource: `${r.bucket}/releases/*` },
      {
        Sid: "ReadSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: r.secretReplica ? [r.secret, r.secretReplica] : r.secret,
      },
      {
        Sid: "RateLimitTable",
        Effect: "Allow",
        Action: [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:DescribeTable",
        ],
        Resource: r.table,
      },
      {
        Sid: "WriteLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [r.logGroup, `${r.logGroup}:log-stream:*`],
      },
      {
        // PutMetricData has no resource-level permissions: AWS requires "*"; the namespace is pinned instead.
        Sid: "PutMetrics",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": METRICS_NAMESPACE(r.environment) } },
      },
    ],
  };
}
