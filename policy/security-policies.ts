import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { asList, hasWildcardPrincipal, isWildcardAction, statementsOf } from "./documents.js";

/** Security invariants: keys, buckets, policies, hosts, network. Plain objects; the pack is built in index.ts. */

const DOCUMENTS: Record<string, string> = {
  "aws:kms/key:Key": "policy",
  "aws:s3/bucketPolicy:BucketPolicy": "policy",
  "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
  "aws:sns/topicPolicy:TopicPolicy": "policy",
  "aws:iam/role:Role": "assumeRolePolicy",
  "aws:iam/rolePolicy:RolePolicy": "policy",
  "aws:iam/policy:Policy": "policy",
};

export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description: "KMS keys rotate automatically, at least once a year.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    if (args.props.enableKeyRotation !== true)
      report("KMS key rotation must be enabled (enableKeyRotation: true).");
    const period = args.props.rotationPeriodInDays as number | undefined;
    if (period !== undefined && period > 365)
      report(`KMS key rotation period ${period} days is longer than 365.`);
  },
};

export const noWildcardPrincipals: ResourceValidationPolicy = {
  name: "no-wildcard-principals",
  description:
    "No Allow statement in a key, bucket, secret, topic or IAM policy names every principal (Deny statements may).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const field = DOCUMENTS[args.type];
    if (!field) return;
    for (const s of statementsOf(args.props[field])) {
      if (s.Effect === "Allow" && hasWildcardPrincipal(s))
        report(`statement ${s.Sid ?? "(no Sid)"} allows a wildcard principal.`);
    }
  },
};

export const noWildcardActions: ResourceValidationPolicy = {
  name: "no-wildcard-actions",
  description: "No Allow statement grants `*` or `service:*` actions, or uses NotAction.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const field = DOCUMENTS[args.type];
    if (!field) return;
    for (const s of statementsOf(args.props[field])) {
      if (s.Effect !== "Allow") continue;
      const wild = asList(s.Action).filter(isWildcardAction);
      if (wild.length > 0) report(`statement ${s.Sid ?? "(no Sid)"} allows ${wild.join(", ")}.`);
      if (s.NotAction) report(`statement ${s.Sid ?? "(no Sid)"} uses NotAction.`);
    }
  },
};

/** Actions that make a key's data unreadable or change who may read it. */
const KEY_DESTRUCTION = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"];

export const kmsDestructionReserved: ResourceValidationPolicy = {
  name: "kms-destruction-reserved",
  description:
    "Only one statement of a key policy (the break-glass one) allows deleting, disabling or re-policying the key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    const allowing = statementsOf(args.props.policy).filter(
      (s) => s.Effect === "Allow" && asList(s.Action).some((a) => KEY_DESTRUCTION.includes(a)),
    );
    if (allowing.length > 1)
      report(
        `key deletion/disable/policy changes are allowed by ${allowing.length} statements; reserve them to the break-glass role.`,
      );
  },
};

export const s3Versioning: ResourceValidationPolicy = {
  name: "s3-versioning",
  description: "S3 bucket versioning is enabled.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketVersioning:BucketVersioning") return;
    const status = (args.props.versioningConfiguration as { status?: string } | undefined)?.status;
    if (status !== "Enabled") report(`bucket versioning is ${status ?? "unset"}, expected Enabled.`);
  },
};

export const s3Encryption: ResourceValidationPolicy = {
  name: "s3-sse-kms",
  description:
    "Buckets encrypt with SSE-KMS and a bucket key; only ALB access-log buckets may use SSE-S3 (the only encryption ALB log delivery supports).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (
      args.type !== "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
      return;
    const rules = asList(
      args.props.rules as Array<{
        applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string };
        bucketKeyEnabled?: boolean;
      }>,
    );
    if (rules.length === 0) report("no default encryption rule.");
    for (const rule of rules) {
      const sse = rule.applyServerSideEncryptionByDefault;
      if (sse?.sseAlgorithm === "AES256" && args.name.includes("access-logs")) continue;
      if (sse?.sseAlgorithm !== "aws:kms" || !sse.kmsMasterKeyId)
        report(
          `default encryption is ${sse?.sseAlgorithm ?? "unset"}; expected aws:kms with a customer managed key.`,
        );
      else if (rule.bucketKeyEnabled !== true) report("SSE-KMS without a bucket key.");
    }
  },
};

export const s3PublicAccessBlock: ResourceValidationPolicy = {
  name: "s3-public-access-block",
  description: "Every public access block setting is on.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") return;
    for (const setting of [
      "blockPublicAcls",
      "blockPublicPolicy",
      "ignorePublicAcls",
      "restrictPublicBuckets",
    ]) {
      if (args.props[setting] !== true) report(`${setting} must be true.`);
    }
  },
};

export const s3TlsOnly: ResourceValidationPolicy = {
  name: "s3-tls-only",
  description: "Bucket policies deny requests that do not use TLS.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketPolicy:BucketPolicy") return;
    const denies = statementsOf(args.props.policy).some(
      (s) =>
        s.Effect === "Deny" &&
        asList(s.Action).some((a) => a === "s3:*") &&
        String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false",
    );
    if (!denies) report("the bucket policy must deny s3:* when aws:SecureTransport is false.");
  },
};

export const s3BucketsFullyProtected: StackValidationPolicy = {
  name: "s3-buckets-fully-protected",
  description:
    "Every bucket has versioning, default encryption, a public access block, ownership controls and a policy.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const companions = [
      "aws:s3/bucketVersioning:BucketVersioning",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketPolicy:BucketPolicy",
    ];
    for (const bucket of args.resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
      const id = bucket.props.id ?? bucket.props.bucket;
      // Before the first `up` a new bucket's id is unknown: nothing can be matched yet.
      if (typeof id !== "string") continue;
      for (const type of companions) {
        if (!args.resources.some((r) => r.type === type && r.props.bucket === id))
          report(`bucket ${bucket.name} has no ${type.split(":")[2]}.`);
      }
    }
  },
};

export const imdsV2Required: ResourceValidationPolicy = {
  name: "ec2-imdsv2-required",
  description: "Instances and launch templates require IMDSv2 tokens with a hop limit of 1.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate" && args.type !== "aws:ec2/instance:Instance")
      return;
    const m = args.props.metadataOptions as
      { httpTokens?: string; httpPutResponseHopLimit?: number } | undefined;
    if (m?.httpTokens !== "required") report("metadataOptions.httpTokens must be required (IMDSv2).");
    if (m?.httpPutResponseHopLimit !== 1) report("metadataOptions.httpPutResponseHopLimit must be 1.");
  },
};

export const encryptedVolumes: ResourceValidationPolicy = {
  name: "ec2-encrypted-volumes",
  description: "EBS volumes (launch template block devices, volumes) are encrypted.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "aws:ebs/volume:Volume" && args.props.encrypted !== true)
      report("the EBS volume is not encrypted.");
    if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
    const devices = asList(
      args.props.blockDeviceMappings as Array<{
        deviceName?: string;
        ebs?: { encrypted?: string | boolean };
      }>,
    );
    if (devices.length === 0)
      report("the launch template does not declare its root volume (encryption cannot be checked).");
    for (const d of devices)
      if (String(d.ebs?.encrypted) !== "true")
        report(`block device ${d.deviceName ?? "?"} is not encrypted.`);
  },
};

const OPEN = ["0.0.0.0/0", "::/0"];
const includesSsh = (rule: { fromPort?: number; toPort?: number; protocol?: string }) =>
  rule.protocol === "-1" ||
  rule.protocol === "all" ||
  ((rule.fromPort ?? 0) <= 22 && (rule.toPort ?? 65535) >= 22);

export const noOpenSsh: ResourceValidationPolicy = {
  name: "no-open-ssh",
  description: "No security group allows SSH (port 22) from the whole internet.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "aws:ec2/securityGroup:SecurityGroup") {
      const rules = asList(
        args.props.ingress as Array<{
          fromPort?: number;
          toPort?: number;
          protocol?: string;
          cidrBlocks?: string[];
          ipv6CidrBlocks?: string[];
        }>,
      );
      for (const r of rules) {
        if (
          includesSsh(r) &&
          [...asList(r.cidrBlocks), ...asList(r.ipv6CidrBlocks)].some((c) => OPEN.includes(c))
        )
          report("ingress allows SSH from the internet.");
      }
    }
    if (args.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
      const r = args.props as {
        fromPort?: number;
        toPort?: number;
        ipProtocol?: string;
        cidrIpv4?: string;
        cidrIpv6?: string;
      };
      if (
        includesSsh({ fromPort: r.fromPort, toPort: r.toPort, protocol: r.ipProtocol }) &&
        (OPEN.includes(r.cidrIpv4 ?? "") || OPEN.includes(r.cidrIpv6 ?? ""))
      ) {
        report("ingress rule allows SSH from the internet.");
      }
    }
  },
};
