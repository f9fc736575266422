import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

export interface SecurityEventsArgs {
  environment: string;
  /** a topic in the same region as the rules (EventBridge targets are regional) */
  topicArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  bucketNames: pulumi.Input<string>[];
  /** the secret (or its replica) in this region */
  secretArn: pulumi.Input<string>;
  /** IAM and root sign-in events: watch them where CloudTrail delivers them (us-east-1), once */
  global?: { gatewayRoleName: pulumi.Input<string> };
  tags: StackTags;
}

/** Key events that make data unreadable or change who may read it. */
export const KEY_EVENTS = ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant", "DeleteAlias"];
/** Bucket changes that weaken protection, or could erase the history or its copy. */
export const BUCKET_EVENTS = [
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "PutBucketAcl",
  "PutBucketPublicAccessBlock",
  "DeleteBucketPublicAccessBlock",
  "PutBucketEncryption",
  "DeleteBucketEncryption",
  "PutBucketVersioning",
  "PutBucketLifecycle",
  "DeleteBucketLifecycle",
  "PutBucketReplication",
  "DeleteBucketReplication",
  "PutObjectLockConfiguration",
  "DeleteBucket",
];
export const SECRET_EVENTS = [
  "PutSecretValue",
  "UpdateSecret",
  "DeleteSecret",
  "RestoreSecret",
  "PutResourcePolicy",
  "DeleteResourcePolicy",
  "RotateSecret",
  "RemoveRegionsFromReplication",
  "StopReplicationToReplica",
];

const cloudTrail = (source: string, detail: Record<string, unknown>) => ({
  source: [source],
  "detail-type": ["AWS API Call via CloudTrail"],
  detail,
});

/**
 * EventBridge rules that page on security events, from the account's CloudTrail (an organisation
 * or account trail must exist). IAM and root sign-in events are delivered in us-east-1 only.
 */
export class SecurityEvents extends pulumi.ComponentResource {
  readonly rules: aws.cloudwatch.EventRule[] = [];

  constructor(name: string, args: SecurityEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:SecurityEvents", name, {}, opts);
    const rules: Record<string, { description: string; pattern: pulumi.Input<unknown> }> = {
      "kms-key-disabled": {
        description: "the KMS key is disabled, scheduled for deletion, re-policied or granted",
        pattern: pulumi.output(args.kmsKeyArn).apply((keyArn) =>
          cloudTrail("aws.kms", {
            eventSource: ["kms.amazonaws.com"],
            eventName: KEY_EVENTS,
            resources: { ARN: [keyArn] },
          }),
        ),
      },
      "bucket-policy-changed": {
        description:
          "a state or backup bucket's policy, ACL, public access block, encryption, versioning, lifecycle, replication or Object Lock changed",
        pattern: pulumi.all(args.bucketNames).apply((buckets) =>
          cloudTrail("aws.s3", {
            eventSource: ["s3.amazonaws.com"],
            eventName: BUCKET_EVENTS,
            requestParameters: { bucketName: buckets },
          }),
        ),
      },
      "secret-changed": {
        description: "the Gateway secret changed, was deleted, lost its replica or its policy changed",
        pattern: pulumi.output(args.secretArn).apply((secretArn) =>
          cloudTrail("aws.secretsmanager", {
            eventSource: ["secretsmanager.amazonaws.com"],
            eventName: SECRET_EVENTS,
            requestParameters: { secretId: [secretArn, { prefix: `codequery/${args.environment}/` }] },
          }),
        ),
      },
    };
    if (args.global) {
      rules["gateway-role-changed"] = {
        description: "the Gateway role's permissions or trust changed",
        pattern: pulumi.output(args.global.gatewayRoleName).apply((roleName) =>
          cloudTrail("aws.iam", {
            eventSource: ["iam.amazonaws.com"],
            eventName: [
              "PutRolePolicy",
              "DeleteRolePolicy",
              "AttachRolePolicy",
              "DetachRolePolicy",
              "UpdateAssumeRolePolicy",
              "PutRolePermissionsBoundary",
            ],
            requestParameters: { roleName: [roleName] },
          }),
        ),
      };
      rules["root-account-used"] = {
        description: "the account root user signed in or called an API",
        pattern: {
          "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
          detail: { userIdentity: { type: ["Root"] } },
        },
      };
    }
    for (const [rule, { description, pattern }] of Object.entries(rules)) {
      const eventRule = new aws.cloudwatch.EventRule(
        `${name}-${rule}`,
        {
          description: `CodeQuery ${args.environment}: ${description}`,
          eventPattern: pulumi.jsonStringify(pattern),
          tags: tagsFor(args.tags, `${name}-${rule}`),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${rule}`,
        { rule: eventRule.name, arn: args.topicArn },
        { parent: this },
      );
      this.rules.push(eventRule);
    }
    this.registerOutputs({ ruleArns: this.rules.map((r) => r.arn) });
  }
}
