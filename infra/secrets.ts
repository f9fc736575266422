import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

export const secretName = (env: string) => `codequery/${env}/gateway`;
/** Secrets Manager appends a random suffix to the name in the ARN. */
export const secretArnPattern = (env: string, region: string, accountId: string) =>
  `arn:aws:secretsmanager:${region}:${accountId}:secret:${secretName(env)}-*`;

export interface GatewaySecretArgs {
  environment: string;
  kmsKeyArn: pulumi.Input<string>;
  gatewayRoleArn: pulumi.Input<string>;
  /** runbooks (rotate-admin-secret) write new versions with these roles */
  breakGlassRoleArns: string[];
  recoveryWindowDays: number;
  /** a read-only replica in the backup region, under the backup key: losing the pepper loses every key */
  replica?: { region: string; kmsKeyArn: pulumi.Input<string> };
  /** keep the secret through `pulumi destroy` and refuse a replacement (prod) */
  protect: boolean;
  tags: StackTags;
}

/**
 * The admin key and key pepper (JSON `{ admin_api_key, key_pepper, ... }`, see GatewaySecret in
 * app/gateway/store/types.ts). Created without a value: no secret ever enters the Pulumi state; the
 * rotate-admin-secret runbook writes the first version.
 */
export class GatewaySecret extends pulumi.ComponentResource {
  readonly secret: aws.secretsmanager.Secret;
  readonly arn: pulumi.Output<string>;
  /** the replica's ARN: the same name and suffix in the backup region */
  readonly replicaArn?: pulumi.Output<string>;

  constructor(name: string, args: GatewaySecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:GatewaySecret", name, {}, opts);
    this.secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: secretName(args.environment),
        description: "CodeQuery Gateway admin key and key pepper",
        kmsKeyId: args.kmsKeyArn,
        recoveryWindowInDays: args.recoveryWindowDays,
        replicas: args.replica
          ? [{ region: args.replica.region, kmsKeyId: args.replica.kmsKeyArn }]
          : undefined,
        tags: tagsFor(args.tags, secretName(args.environment)),
      },
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    );
    this.arn = this.secret.arn;
    const replica = args.replica;
    if (replica)
      this.replicaArn = this.secret.arn.apply((arn) => {
        const region = arn.split(":")[3]!;
        return arn.replace(`:secretsmanager:${region}:`, `:secretsmanager:${replica.region}:`);
      });
    new aws.secretsmanager.SecretPolicy(
      `${name}-policy`,
      {
        secretArn: this.secret.arn,
        blockPublicPolicy: true,
        policy: pulumi
          .output(args.gatewayRoleArn)
          .apply((gatewayRoleArn) => JSON.stringify(secretPolicy(gatewayRoleArn, args.breakGlassRoleArns))),
      },
      { parent: this },
    );
    this.registerOutputs({ arn: this.arn });
  }
}

export function secretPolicy(gatewayRoleArn: string, breakGlassRoleArns: string[]) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GatewayReads",
        Effect: "Allow",
        Principal: { AWS: gatewayRoleArn },
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: "*",
      },
      {
        Sid: "BreakGlassRotates",
        Effect: "Allow",
        Principal: { AWS: breakGlassRoleArns },
        Action: [
          "secretsmanager:GetSecretValue",
          "secretsmanager:DescribeSecret",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ],
        Resource: "*",
      },
      {
        // Whatever IAM says elsewhere in the account, nobody else reads the value.
        Sid: "DenyReadToEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [gatewayRoleArn, ...breakGlassRoleArns] } },
      },
      {
        // Deleting the secret loses the pepper, hence every API key: break-glass only.
        Sid: "DenyDeleteToEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: ["secretsmanager:DeleteSecret", "secretsmanager:RemoveRegionsFromReplication"],
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlassRoleArns } },
      },
    ],
  };
}
