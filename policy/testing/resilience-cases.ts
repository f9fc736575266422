import type { ResourceUnderTest } from "./evaluate.js";

/** For each policy of resilience-policies.ts: a resource it must refuse and a close one it accepts. */

const KEY = "arn:aws:kms:us-east-1:123456789012:key/k";
const BG = ["arn:aws:iam::1:role/bg", "arn:aws:iam::1:role/bg-2"];
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const r = (
  type: string,
  props: Record<string, unknown>,
  name = "bad",
  opts?: ResourceUnderTest["opts"],
): ResourceUnderTest => ({ type, name, props, opts });
const prod = { project: "codequery", environment: "prod", owner: "platform-team" };
const staging = { ...prod, environment: "staging" };
const grantsDeny = {
  Sid: "DenyGrants",
  Effect: "Deny",
  Principal: { AWS: "*" },
  Action: "kms:CreateGrant",
  Resource: "*",
  Condition: { Bool: { "kms:GrantIsForAWSResource": false } },
};

export const resilienceCases: Record<
  string,
  { bad: ResourceUnderTest[]; good: ResourceUnderTest[]; message: RegExp }
> = {
  "kms-two-break-glass": {
    bad: [
      r("aws:kms/key:Key", {
        policy: doc({
          Sid: "BreakGlass",
          Effect: "Allow",
          Principal: { AWS: BG[0] },
          Action: ["kms:DisableKey"],
          Resource: "*",
        }),
      }),
    ],
    good: [
      r("aws:kms/key:Key", {
        policy: doc({
          Sid: "BreakGlass",
          Effect: "Allow",
          Principal: { AWS: BG },
          Action: ["kms:DisableKey"],
          Resource: "*",
        }),
      }),
    ],
    message: /statement BreakGlass reserves key destruction to a single role/,
  },
  "kms-grants-for-aws-resources-only": {
    bad: [
      r("aws:kms/key:Key", {
        policy: doc({ ...grantsDeny, Condition: { Bool: { "kms:GrantIsForAWSResource": true } } }),
      }),
    ],
    good: [r("aws:kms/key:Key", { policy: doc(grantsDeny) })],
    message: /must deny kms:CreateGrant when kms:GrantIsForAWSResource is false/,
  },
  "kms-describe-key-without-context": {
    bad: [
      r("aws:kms/key:Key", {
        policy: doc({
          Sid: "AppThroughS3",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::1:role/app" },
          Action: ["kms:Decrypt", "kms:DescribeKey"],
          Resource: "*",
          Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b-*" } },
        }),
      }),
    ],
    good: [
      r("aws:kms/key:Key", {
        policy: doc(
          {
            Sid: "AppThroughS3",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::1:role/app" },
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b-*" } },
          },
          {
            Sid: "Describe",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::1:role/app" },
            Action: "kms:DescribeKey",
            Resource: "*",
          },
        ),
      }),
    ],
    message: /statement AppThroughS3 allows kms:DescribeKey only with an encryption context/,
  },
  "s3-backup-object-lock": {
    bad: [
      r("aws:s3/bucket:Bucket", { bucketPrefix: "x-backup-" }, "codequery-prod-backup"),
      r("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", {
        objectLockEnabled: "Enabled",
      }),
    ],
    good: [
      r("aws:s3/bucket:Bucket", { objectLockEnabled: true }, "codequery-prod-backup"),
      r("aws:s3/bucket:Bucket", {}, "codequery-prod-state"),
      r("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", {
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: "COMPLIANCE", days: 90 } },
      }),
    ],
    message: /objectLockEnabled: true|must set a default retention/,
  },
  "s3-replication-keeps-deletes-out": {
    bad: [
      r("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
        rules: [{ id: "to-backup", deleteMarkerReplication: { status: "Enabled" } }],
      }),
    ],
    good: [
      r("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
        rules: [{ id: "to-backup", deleteMarkerReplication: { status: "Disabled" } }],
      }),
    ],
    message: /replication rule to-backup replicates delete markers/,
  },
  "ec2-no-public-ip": {
    bad: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        networkInterfaces: [{ associatePublicIpAddress: "true" }],
      }),
      r("aws:ec2/subnet:Subnet", { mapPublicIpOnLaunch: true }),
    ],
    good: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        networkInterfaces: [{ associatePublicIpAddress: "false" }],
      }),
      r("aws:ec2/subnet:Subnet", { mapPublicIpOnLaunch: false }),
    ],
    message: /may get a public IP|hands out public IPs/,
  },
  "prod-state-protected": {
    bad: [r("aws:kms/key:Key", { tags: prod }, "k", { protect: false, retainOnDelete: true })],
    good: [
      r("aws:kms/key:Key", { tags: prod }, "k", { protect: true, retainOnDelete: true }),
      r("aws:kms/key:Key", { tags: staging }, "k"),
      r("aws:s3/bucket:Bucket", { tags: prod }, "codequery-prod-access-logs"),
    ],
    message: /must set protect: true/,
  },
  "deletion-protection": {
    bad: [
      r("aws:lb/loadBalancer:LoadBalancer", { tags: staging, enableDeletionProtection: false }),
      r("aws:dynamodb/table:Table", { tags: staging }),
    ],
    good: [
      r("aws:lb/loadBalancer:LoadBalancer", { tags: staging, enableDeletionProtection: true }),
      r("aws:dynamodb/table:Table", { tags: { ...prod, environment: "dev" } }),
    ],
    message: /enableDeletionProtection|deletionProtectionEnabled/,
  },
  "secret-replicated": {
    bad: [r("aws:secretsmanager/secret:Secret", { tags: prod, replicas: [{ region: "us-west-2" }] })],
    good: [
      r("aws:secretsmanager/secret:Secret", {
        tags: prod,
        replicas: [{ region: "us-west-2", kmsKeyId: KEY }],
      }),
    ],
    message: /must be replicated to the backup region/,
  },
  "vpc-flow-logs": {
    bad: [r("aws:ec2/vpc:Vpc", { id: "vpc-1" })],
    good: [r("aws:ec2/vpc:Vpc", { id: "vpc-2" }), r("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-2" })],
    message: /VPC bad has no flow log/,
  },
  "alb-waf": {
    bad: [r("aws:lb/loadBalancer:LoadBalancer", { arn: "arn:lb/1", internal: false, tags: prod })],
    good: [
      r("aws:lb/loadBalancer:LoadBalancer", { arn: "arn:lb/2", internal: false, tags: prod }),
      r("aws:wafv2/webAclAssociation:WebAclAssociation", { resourceArn: "arn:lb/2" }),
    ],
    message: /load balancer bad has no WAF web ACL/,
  },
};
