import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

export interface IdentitiesArgs {
  accountId: pulumi.Input<string>;
  /** the S3 replication role exists only where the state bucket is replicated */
  replication: boolean;
  tags: StackTags;
}

/**
 * The roles the other components name in their policies, created first and without permissions:
 * the key policy must name them before the resources they will use exist. Each component that
 * owns a resource attaches the role's permissions to it (see gateway-permissions.ts, state-storage.ts).
 */
export class Identities extends pulumi.ComponentResource {
  readonly gatewayRole: aws.iam.Role;
  readonly gatewayInstanceProfile: aws.iam.InstanceProfile;
  readonly replicationRole?: aws.iam.Role;

  constructor(name: string, args: IdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:Identities", name, {}, opts);
    this.gatewayRole = new aws.iam.Role(
      `${name}-gateway`,
      {
        description: "CodeQuery Gateway hosts (EC2 instance role)",
        assumeRolePolicy: JSON.stringify(trustPolicy("ec2.amazonaws.com")),
        maxSessionDuration: 3600,
        tags: tagsFor(args.tags, `${name}-gateway`),
      },
      { parent: this },
    );
    this.gatewayInstanceProfile = new aws.iam.InstanceProfile(
      `${name}-gateway`,
      { role: this.gatewayRole.name, tags: tagsFor(args.tags, `${name}-gateway`) },
      { parent: this },
    );
    if (args.replication) {
      this.replicationRole = new aws.iam.Role(
        `${name}-replication`,
        {
          description: "S3 replication of the CodeQuery state bucket to the backup region",
          assumeRolePolicy: pulumi
            .output(args.accountId)
            .apply((accountId) => JSON.stringify(trustPolicy("s3.amazonaws.com", accountId))),
          tags: tagsFor(args.tags, `${name}-replication`),
        },
        { parent: this },
      );
    }
    this.registerOutputs({
      gatewayRoleArn: this.gatewayRole.arn,
      replicationRoleArn: this.replicationRole?.arn,
    });
  }
}

function trustPolicy(service: string, sourceAccount?: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
      },
    ],
  };
}
