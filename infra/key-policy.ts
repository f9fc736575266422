/**
 * The tightened KMS key policy, as a pure function of resolved values so it reads like the rule it
 * states. IAM delegation through the account root is read-only: only this document grants use.
 */

export type ConditionValue = string | string[] | boolean;

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal: "*" | { AWS: string | string[] } | { Service: string | string[] };
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, ConditionValue>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** A principal allowed to use the key only through one AWS service, for one encryption context. */
export interface KeyUseThroughService {
  sid: string;
  principalArn: string | string[];
  /** service prefix for kms:ViaService, e.g. "s3" → s3.<region>.amazonaws.com */
  service: "s3" | "secretsmanager" | "dynamodb";
  /**
   * regions whose service endpoint may call on the principal's behalf (default: the key's region).
   * A cross-region S3 copy out of the backup bucket is made by the destination region's S3.
   */
  viaRegions?: string[];
  /** data actions only: DescribeKey carries no encryption context, see `describers` */
  actions: string[];
  /** encryption-context key (without the kms:EncryptionContext: prefix) and allowed patterns */
  contextKey: string;
  contextValues: string[];
}

export interface KeyPolicyInput {
  accountId: string;
  region: string;
  adminRoleArns: string[];
  /** two or more roles, held apart: losing one must not lock the key */
  breakGlassRoleArns: string[];
  uses: KeyUseThroughService[];
  /** principals that may read the key's metadata (DescribeKey): the services check it before use */
  describers?: string[];
  /** CloudWatch Logs may encrypt log groups whose ARN matches this pattern */
  logGroupArnPattern?: string;
  /** CloudWatch alarms and EventBridge may publish to the encrypted SNS topics matching this ARN pattern */
  alarmTopicArnPattern?: string;
  /** the EC2 Auto Scaling service-linked role (looked up or created first) may encrypt the hosts' volumes */
  autoScalingRoleArn?: string;
  /** principals (deployer, break-glass) allowed to let DynamoDB create grants for a table encrypted with the key */
  dynamoDbGrantors?: string[];
}

export const DATA_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
/** Reserved to the break-glass roles: they can make every encrypted byte unreadable, or change who may read it. */
export const DESTRUCTIVE_ACTIONS = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"];
export const ADMIN_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:ListKeyPolicies",
  "kms:ListGrants",
  "kms:ListAliases",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:UpdateKeyDescription",
  "kms:EnableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:ListKeyRotations",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:RevokeGrant",
  "kms:RetireGrant",
];
const READ_ONLY_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:ListKeyPolicies",
];

export function buildKeyPolicy(input: KeyPolicyInput): PolicyDocument {
  const root = `arn:aws:iam::${input.accountId}:root`;
  const statements: PolicyStatement[] = [
    // Auditors and the console can see the key through IAM; nothing more is delegated to IAM.
    {
      Sid: "RootAccountReadOnly",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: READ_ONLY_ACTIONS,
      Resource: "*",
    },
    {
      Sid: "KeyAdministration",
      Effect: "Allow",
      Principal: { AWS: input.adminRoleArns },
      Action: ADMIN_ACTIONS,
      Resource: "*",
    },
    // Administrators manage the key but never read the data it protects, even if IAM grants it.
    {
      Sid: "DenyKeyUseToAdministrators",
      Effect: "Deny",
      Principal: { AWS: input.adminRoleArns },
      Action: DATA_ACTIONS,
      Resource: "*",
    },
    // Break-glass creates the key (only its caller passes KMS's lockout check), so it also needs what
    // the provider calls right after CreateKey: EnableKeyRotation, CreateAlias, TagResource, reads.
    {
      Sid: "BreakGlassOnly",
      Effect: "Allow",
      Principal: { AWS: input.breakGlassRoleArns },
      Action: [...DESTRUCTIVE_ACTIONS, "kms:EnableKey", "kms:CancelKeyDeletion", ...ADMIN_ACTIONS],
      Resource: "*",
    },
    // Grants hand out key use outside this document: only AWS services may hold them (EBS, DynamoDB).
    {
      Sid: "DenyGrantsNotForAwsResources",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": false } },
    },
  ];
  for (const use of input.uses) {
    const via = (use.viaRegions ?? [input.region]).map((r) => `${use.service}.${r}.amazonaws.com`);
    statements.push({
      Sid: use.sid,
      Effect: "Allow",
      Principal: { AWS: use.principalArn },
      Action: use.actions,
      Resource: "*",
      Condition: {
        StringEquals: { "kms:ViaService": via.length === 1 ? via[0]! : via },
        StringLike: { [`kms:EncryptionContext:${use.contextKey}`]: use.contextValues },
      },
    });
  }
  if (input.describers && input.describers.length > 0) {
    statements.push({
      Sid: "DescribeKeyForServiceUsers",
      Effect: "Allow",
      Principal: { AWS: [...new Set(input.describers)] },
      Action: "kms:DescribeKey",
      Resource: "*",
    });
  }
  if (input.dynamoDbGrantors && input.dynamoDbGrantors.length > 0) {
    statements.push({
      Sid: "DynamoDbGrantsForTables",
      Effect: "Allow",
      Principal: { AWS: [...new Set(input.dynamoDbGrantors)] },
      Action: ["kms:CreateGrant", "kms:DescribeKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:ViaService": `dynamodb.${input.region}.amazonaws.com` },
        Bool: { "kms:GrantIsForAWSResource": true },
      },
    });
  }
  if (input.autoScalingRoleArn) {
    const viaEc2 = { StringEquals: { "kms:ViaService": `ec2.${input.region}.amazonaws.com` } };
    statements.push(
      {
        Sid: "AutoScalingEncryptsVolumes",
        Effect: "Allow",
        Principal: { AWS: input.autoScalingRoleArn },
        Action: [...DATA_ACTIONS, "kms:DescribeKey"],
        Resource: "*",
        Condition: viaEc2,
      },
      {
        Sid: "AutoScalingAttachesVolumes",
        Effect: "Allow",
        Principal: { AWS: input.autoScalingRoleArn },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { ...viaEc2, Bool: { "kms:GrantIsForAWSResource": true } },
      },
    );
  }
  if (input.logGroupArnPattern) {
    statements.push({
      Sid: "CloudWatchLogsEncryption",
      Effect: "Allow",
      Principal: { Service: `logs.${input.region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": input.logGroupArnPattern } },
    });
  }
  if (input.alarmTopicArnPattern) {
    statements.push({
      Sid: "AlarmAndEventPublishing",
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": input.accountId },
        StringLike: { "kms:EncryptionContext:aws:sns:topicArn": input.alarmTopicArnPattern },
      },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
