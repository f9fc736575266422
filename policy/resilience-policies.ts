import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { asList, statementsOf } from "./documents.js";

/**
 * Guarantees of issue 13: the first deploy cannot lock the key, the backup copy cannot be erased,
 * hosts are private, prod state survives a destroy. Plain objects; the pack is built in index.ts.
 */

const environmentOf = (props: Record<string, unknown>) =>
  (props.tags as Record<string, string> | undefined)?.environment;
const KEY_DESTRUCTION = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"];

const awsPrincipals = (principal: unknown): string[] => {
  if (principal === "*") return ["*"];
  if (principal && typeof principal === "object")
    return asList((principal as { AWS?: string | string[] }).AWS);
  return [];
};

export const kmsTwoBreakGlass: ResourceValidationPolicy = {
  name: "kms-two-break-glass",
  description:
    "The statement that may delete, disable or re-policy a key names at least two roles: losing one cannot lock the key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    for (const s of statementsOf(args.props.policy)) {
      if (s.Effect !== "Allow" || !asList(s.Action).some((a) => KEY_DESTRUCTION.includes(a))) continue;
      if (new Set(awsPrincipals(s.Principal)).size < 2)
        report(`statement ${s.Sid ?? "(no Sid)"} reserves key destruction to a single role.`);
    }
  },
};

export const kmsGrantsForAwsResourcesOnly: ResourceValidationPolicy = {
  name: "kms-grants-for-aws-resources-only",
  description: "Key policies deny kms:CreateGrant unless the grant is for an AWS resource (EBS, DynamoDB).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    const denies = statementsOf(args.props.policy).some(
      (s) =>
        s.Effect === "Deny" &&
        asList(s.Action).includes("kms:CreateGrant") &&
        String(s.Condition?.Bool?.["kms:GrantIsForAWSResource"]) === "false",
    );
    if (!denies) report("the key policy must deny kms:CreateGrant when kms:GrantIsForAWSResource is false.");
  },
};

export const kmsDescribeKeyWithoutContext: ResourceValidationPolicy = {
  name: "kms-describe-key-without-context",
  description:
    "No statement for an IAM principal puts kms:DescribeKey under an encryption-context condition: DescribeKey carries none, so it would never be allowed.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    for (const s of statementsOf(args.props.policy)) {
      if (s.Effect !== "Allow" || awsPrincipals(s.Principal).length === 0) continue;
      const context = Object.values(s.Condition ?? {}).some((pairs) =>
        Object.keys(pairs).some((k) => k.startsWith("kms:EncryptionContext:")),
      );
      if (context && asList(s.Action).some((a) => a === "kms:DescribeKey" || a === "kms:Describe*"))
        report(
          `statement ${s.Sid ?? "(no Sid)"} allows kms:DescribeKey only with an encryption context it never has.`,
        );
    }
  },
};

export const backupObjectLock: ResourceValidationPolicy = {
  name: "s3-backup-object-lock",
  description: "Backup buckets are created with Object Lock, and their lock has a default retention.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (
      args.type === "aws:s3/bucket:Bucket" &&
      /-backup$/.test(args.name) &&
      args.props.objectLockEnabled !== true
    )
      report("a backup bucket must be created with objectLockEnabled: true.");
    if (args.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") {
      const retention = (
        args.props.rule as { defaultRetention?: { mode?: string; days?: number; years?: number } } | undefined
      )?.defaultRetention;
      if (!retention?.mode || !(retention.days || retention.years))
        report("the Object Lock configuration must set a default retention (mode and days).");
    }
  },
};

export const replicationKeepsDeletesOut: ResourceValidationPolicy = {
  name: "s3-replication-keeps-deletes-out",
  description:
    "Replication rules do not replicate delete markers: a delete in the primary never reaches the copy.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketReplicationConfig:BucketReplicationConfig") return;
    for (const rule of asList(
      args.props.rules as Array<{ id?: string; deleteMarkerReplication?: { status?: string } }>,
    ))
      if (rule.deleteMarkerReplication?.status === "Enabled")
        report(`replication rule ${rule.id ?? "(no id)"} replicates delete markers.`);
  },
};

export const noPublicIps: ResourceValidationPolicy = {
  name: "ec2-no-public-ip",
  description: "Hosts get no public IP: launch templates refuse one, subnets do not hand them out.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
      const interfaces = asList(
        args.props.networkInterfaces as Array<{ associatePublicIpAddress?: string | boolean }>,
      );
      if (interfaces.length === 0)
        report(
          "the launch template must declare its network interface with associatePublicIpAddress: false.",
        );
      for (const i of interfaces)
        if (String(i.associatePublicIpAddress) !== "false")
          report("a network interface may get a public IP.");
    }
    if (args.type === "aws:ec2/subnet:Subnet" && args.props.mapPublicIpOnLaunch === true)
      report("the subnet hands out public IPs (mapPublicIpOnLaunch).");
    if (args.type === "aws:ec2/instance:Instance" && args.props.associatePublicIpAddress === true)
      report("the instance has a public IP.");
  },
};

const STATEFUL = [
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:secretsmanager/secret:Secret",
  "aws:dynamodb/table:Table",
  "aws:cloudwatch/logGroup:LogGroup",
];

export const prodStateProtected: ResourceValidationPolicy = {
  name: "prod-state-protected",
  description:
    "In prod, keys, buckets (but access logs), the secret, the table and log groups are protected and retained on delete.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!STATEFUL.includes(args.type) || environmentOf(args.props) !== "prod") return;
    if (args.type === "aws:s3/bucket:Bucket" && args.name.includes("access-logs")) return;
    if (args.type === "aws:cloudwatch/logGroup:LogGroup" && args.name.includes("flow-logs")) return;
    if (!args.opts.protect) report("a prod stateful resource must set protect: true.");
    if (!(args.opts as { retainOnDelete?: boolean }).retainOnDelete)
      report("a prod stateful resource must set retainOnDelete: true.");
  },
};

export const deletionProtection: ResourceValidationPolicy = {
  name: "deletion-protection",
  description: "Outside dev, the load balancer and the rate-limit table have deletion protection.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (environmentOf(args.props) === "dev") return;
    if (args.type === "aws:lb/loadBalancer:LoadBalancer" && args.props.enableDeletionProtection !== true)
      report("the load balancer must set enableDeletionProtection: true.");
    if (args.type === "aws:dynamodb/table:Table" && args.props.deletionProtectionEnabled !== true)
      report("the table must set deletionProtectionEnabled: true.");
  },
};

export const secretReplicated: ResourceValidationPolicy = {
  name: "secret-replicated",
  description: "Outside dev, the secret has a replica in another region under a customer managed key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:secretsmanager/secret:Secret" || environmentOf(args.props) === "dev") return;
    const replicas = asList(args.props.replicas as Array<{ region?: string; kmsKeyId?: string }>);
    if (replicas.length === 0 || replicas.some((r) => !r.kmsKeyId))
      report("the secret must be replicated to the backup region with a customer managed key.");
  },
};

export const vpcFlowLogs: StackValidationPolicy = {
  name: "vpc-flow-logs",
  description: "Every VPC the stack creates has flow logs.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const vpc of args.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
      const id = vpc.props.id;
      if (typeof id !== "string") continue;
      if (!args.resources.some((r) => r.type === "aws:ec2/flowLog:FlowLog" && r.props.vpcId === id))
        report(`VPC ${vpc.name} has no flow log.`);
    }
  },
};

export const albWaf: StackValidationPolicy = {
  name: "alb-waf",
  description: "Outside dev, every internet-facing load balancer has a WAF web ACL.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const lb of args.resources.filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")) {
      if (lb.props.internal === true || environmentOf(lb.props) === "dev") continue;
      const arn = lb.props.arn;
      if (typeof arn !== "string") continue;
      if (
        !args.resources.some(
          (r) => r.type === "aws:wafv2/webAclAssociation:WebAclAssociation" && r.props.resourceArn === arn,
        )
      )
        report(`load balancer ${lb.name} has no WAF web ACL.`);
    }
  },
};
