import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildKeyPolicy, type KeyPolicyInput } from "./key-policy.js";
import { tagsFor, type StackTags } from "./tags.js";

export interface EncryptionKeyArgs {
  description: string;
  rotationPeriodDays: number;
  deletionWindowDays: number;
  /** resolved when every principal it names exists (roles created in the same run included) */
  policy: pulumi.Output<KeyPolicyInput>;
  /** keep the key through `pulumi destroy` and refuse a replacement (prod) */
  protect?: boolean;
  tags: StackTags;
}

/** A customer managed KMS key with rotation, an alias and the tightened policy of key-policy.ts. */
export class EncryptionKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly arn: pulumi.Output<string>;
  /** the document given to KMS, for tests and the permission simulation */
  readonly policyDocument: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:EncryptionKey", name, {}, opts);
    const protect = args.protect ?? false;
    this.policyDocument = args.policy.apply((input) => JSON.stringify(buildKeyPolicy(input)));
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
        policy: this.policyDocument,
        tags: tagsFor(args.tags, name),
      },
      { parent: this, protect, retainOnDelete: protect },
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
