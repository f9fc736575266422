import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildKeyPolicy, type KeyPolicyInput, type KeyUseThroughService } from "./key-policy.js";
import { tagsFor, type StackTags } from "./tags.js";

/** A key use whose principal may still be an output (a role created in the same run). */
export type KeyUseArgs = Omit<KeyUseThroughService, "principalArn" | "contextValues"> & {
  principalArn: pulumi.Input<string>;
  contextValues: pulumi.Input<string>[];
};

export interface EncryptionKeyArgs {
  description: string;
  accountId: pulumi.Input<string>;
  region: string;
  adminRoleArns: string[];
  breakGlassRoleArn: string;
  rotationPeriodDays: number;
  deletionWindowDays: number;
  uses: KeyUseArgs[];
  logGroupArnPattern?: pulumi.Input<string>;
  allowAlarmPublishing?: boolean;
  dynamoDbGrantors?: string[];
  allowAutoScalingVolumes?: boolean;
  tags: StackTags;
}

/** A customer managed KMS key with rotation, an alias and the tightened policy of key-policy.ts. */
export class EncryptionKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:EncryptionKey", name, {}, opts);
    const policy = pulumi
      .all([args.accountId, pulumi.output(args.uses), args.logGroupArnPattern])
      .apply(([accountId, uses, logGroupArnPattern]) => {
        const input: KeyPolicyInput = {
          accountId,
          region: args.region,
          adminRoleArns: args.adminRoleArns,
          breakGlassRoleArn: args.breakGlassRoleArn,
          uses,
          logGroupArnPattern,
          allowAlarmPublishing: args.allowAlarmPublishing,
          dynamoDbGrantors: args.dynamoDbGrantors,
          allowAutoScalingVolumes: args.allowAutoScalingVolumes,
        };
        return JSON.stringify(buildKeyPolicy(input));
      });
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: args.description,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: args.rotationPeriodDays,
        deletionWindowInDays: args.deletionWindowDays,
        // Never skip the safety check: a policy that locks everyone out must be refused by KMS.
        bypassPolicyLockoutSafetyCheck: false,
        policy,
        tags: tagsFor(args.tags, name),
      },
      { parent: this },
    );
    this.alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${name}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.registerOutputs({ arn: this.arn, alias: this.alias.name });
  }
}
