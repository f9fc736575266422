import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { STATE_PREFIXES } from "./gateway-permissions.js";
import { tagsFor, type StackTags } from "./tags.js";

/** The name of a role from its ARN (`arn:aws:iam::1:role/path/name` → `name`). */
export const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

export interface RunbookResources {
  stateBucketArn: string;
  backupBucketArn?: string;
  secretArn: string;
}

/**
 * What the break-glass runbooks need in IAM (the key policy grants the key): restore from versions
 * and from the backup copy (read history, write new versions and delete markers, never delete a
 * version), rotate-admin-secret (read and write the secret), and an audit record for each.
 */
export function breakGlassRunbookPolicy(r: RunbookResources) {
  const state = [...STATE_PREFIXES].map((p) => `${r.stateBucketArn}/${p}/*`);
  const listed = [...STATE_PREFIXES, "audit"].map((p) => `${p}/*`);
  const statements: unknown[] = [
    {
      Sid: "ListStateHistory",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: r.stateBucketArn,
      Condition: { StringLike: { "s3:prefix": listed } },
    },
    {
      Sid: "RestoreStateRecords",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"],
      Resource: state,
    },
    { Sid: "AppendAudit", Effect: "Allow", Action: "s3:PutObject", Resource: `${r.stateBucketArn}/audit/*` },
    {
      Sid: "RotateGatewaySecret",
      Effect: "Allow",
      Action: [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ],
      Resource: r.secretArn,
    },
  ];
  if (r.backupBucketArn) {
    statements.push(
      {
        Sid: "ListBackupHistory",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: r.backupBucketArn,
        Condition: { StringLike: { "s3:prefix": listed } },
      },
      {
        Sid: "ReadBackupVersions",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: [...STATE_PREFIXES].map((p) => `${r.backupBucketArn}/${p}/*`),
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

export interface OperatorAccessArgs {
  environment: string;
  breakGlassRoleArns: string[];
  stateBucketArn: pulumi.Input<string>;
  backupBucketArn?: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  tags: StackTags;
}

/**
 * The runbooks' permissions as a managed policy of this stack, attached to the break-glass roles
 * (which live outside the stack): what the permission simulation proves is what they get.
 */
export class OperatorAccess extends pulumi.ComponentResource {
  readonly runbookPolicy: aws.iam.Policy;

  constructor(name: string, args: OperatorAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:OperatorAccess", name, {}, opts);
    this.runbookPolicy = new aws.iam.Policy(
      `${name}-break-glass-runbooks`,
      {
        description: `CodeQuery ${args.environment}: restore and rotate-admin-secret runbooks (break-glass)`,
        policy: pulumi
          .all([args.stateBucketArn, args.backupBucketArn, args.secretArn])
          .apply(([stateBucketArn, backupBucketArn, secretArn]) =>
            JSON.stringify(breakGlassRunbookPolicy({ stateBucketArn, backupBucketArn, secretArn })),
          ),
        tags: tagsFor(args.tags, `${name}-break-glass-runbooks`),
      },
      { parent: this },
    );
    for (const [i, arn] of args.breakGlassRoleArns.entries()) {
      new aws.iam.RolePolicyAttachment(
        `${name}-break-glass-runbooks-${i}`,
        { role: roleNameOf(arn), policyArn: this.runbookPolicy.arn },
        { parent: this },
      );
    }
    this.registerOutputs({ runbookPolicyArn: this.runbookPolicy.arn });
  }
}
