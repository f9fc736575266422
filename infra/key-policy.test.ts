import { describe, expect, it } from "vitest";
import { buildKeyPolicy, DATA_ACTIONS, DESTRUCTIVE_ACTIONS } from "./key-policy.js";

const base = {
  accountId: "123456789012",
  region: "eu-west-1",
  adminRoleArns: ["arn:aws:iam::123456789012:role/admin"],
  breakGlassRoleArns: [
    "arn:aws:iam::123456789012:role/break-glass",
    "arn:aws:iam::123456789012:role/break-glass-2",
  ],
  uses: [
    {
      sid: "AppThroughS3",
      principalArn: "arn:aws:iam::123456789012:role/app",
      service: "s3" as const,
      actions: ["kms:Decrypt"],
      contextKey: "aws:s3:arn",
      contextValues: ["arn:aws:s3:::b-*"],
    },
  ],
};

describe("buildKeyPolicy", () => {
  it("limits the account root to reading the key", () => {
    const root = buildKeyPolicy(base).Statement.find((s) => s.Sid === "RootAccountReadOnly")!;
    expect(root.Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    expect((root.Action as string[]).every((a) => /^kms:(Describe|Get|List)/.test(a))).toBe(true);
  });

  it("gives destruction to the break-glass role alone, and data use to nobody but the listed uses", () => {
    const statements = buildKeyPolicy(base).Statement.filter((s) => s.Effect === "Allow");
    const destroyers = statements.filter((s) =>
      (s.Action as string[]).some((a) => DESTRUCTIVE_ACTIONS.includes(a)),
    );
    expect(destroyers.map((s) => s.Principal)).toEqual([{ AWS: base.breakGlassRoleArns }]);
    const users = statements.filter((s) =>
      ([] as string[]).concat(s.Action).some((a) => DATA_ACTIONS.includes(a)),
    );
    expect(users.map((s) => s.Sid)).toEqual(["AppThroughS3"]);
  });

  it("binds each use to its service in the key's region and to an encryption context", () => {
    const use = buildKeyPolicy(base).Statement.find((s) => s.Sid === "AppThroughS3")!;
    expect(use.Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::b-*"] },
    });
  });

  it("lets services in only with their conditions (logs by log-group ARN, alarms by account and topic, volumes through EC2)", () => {
    const all = buildKeyPolicy({
      ...base,
      logGroupArnPattern: "arn:aws:logs:eu-west-1:123456789012:log-group:/x/*",
      alarmTopicArnPattern: "arn:aws:sns:eu-west-1:123456789012:x-*",
      autoScalingRoleArn:
        "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    }).Statement;
    const bySid = (sid: string) => all.find((s) => s.Sid === sid)!;
    expect(bySid("CloudWatchLogsEncryption").Condition).toEqual({
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/x/*" },
    });
    expect(bySid("AlarmAndEventPublishing").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      StringLike: { "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:eu-west-1:123456789012:x-*" },
    });
    expect(bySid("AutoScalingEncryptsVolumes").Condition).toEqual({
      StringEquals: { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" },
    });
    for (const s of all.filter((s) => s.Effect === "Allow"))
      expect(JSON.stringify(s.Principal)).not.toContain('"*"');
  });

  it("names no service-linked role unless given one (an account without Auto Scaling has none)", () => {
    expect(JSON.stringify(buildKeyPolicy(base))).not.toContain("AWSServiceRoleForAutoScaling");
  });

  it("denies grants that are not for an AWS resource, to every principal", () => {
    const deny = buildKeyPolicy(base).Statement.find((s) => s.Sid === "DenyGrantsNotForAwsResources")!;
    expect(deny).toMatchObject({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "kms:CreateGrant",
      Condition: { Bool: { "kms:GrantIsForAWSResource": false } },
    });
  });

  it("never puts DescribeKey under an encryption-context condition (it carries no context)", () => {
    const all = buildKeyPolicy({ ...base, describers: ["arn:aws:iam::123456789012:role/app"] }).Statement;
    for (const s of all.filter((s) => JSON.stringify(s.Condition ?? {}).includes("EncryptionContext")))
      expect(([] as string[]).concat(s.Action)).not.toContain("kms:DescribeKey");
    expect(all.find((s) => s.Sid === "DescribeKeyForServiceUsers")?.Condition).toBeUndefined();
  });
});
