import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as ops from "./operations-policies.js";
import * as res from "./resilience-policies.js";
import * as sec from "./security-policies.js";

/** Every policy of the CodeQuery pack, as plain objects (tests evaluate them without a PolicyPack). */
export const resourcePolicies: ResourceValidationPolicy[] = [
  sec.kmsKeyRotation,
  sec.noWildcardPrincipals,
  sec.noWildcardActions,
  sec.kmsDestructionReserved,
  sec.s3Versioning,
  sec.s3Encryption,
  sec.s3PublicAccessBlock,
  sec.s3TlsOnly,
  sec.imdsV2Required,
  sec.encryptedVolumes,
  sec.noOpenSsh,
  ops.requiredTags,
  ops.alarmsNotifySns,
  ops.eventRulesHaveTargets,
  ops.albTls,
  ops.albHardening,
  ops.dynamoDbEncryption,
  ops.logGroupProtection,
  ops.encryptedMessagingAndSecrets,
  res.kmsTwoBreakGlass,
  res.kmsGrantsForAwsResourcesOnly,
  res.kmsDescribeKeyWithoutContext,
  res.backupObjectLock,
  res.replicationKeepsDeletesOut,
  res.noPublicIps,
  res.prodStateProtected,
  res.deletionProtection,
  res.secretReplicated,
];

export const stackPolicies: StackValidationPolicy[] = [
  sec.s3BucketsFullyProtected,
  res.vpcFlowLogs,
  res.albWaf,
];

export const policies = [...resourcePolicies, ...stackPolicies];
