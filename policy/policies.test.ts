import { describe, expect, it } from "vitest";
import { policies, resourcePolicies, stackPolicies } from "./policies.js";
import { evaluateResourcePolicy, evaluateStackPolicy, type ResourceUnderTest } from "./testing/evaluate.js";
import { resilienceCases } from "./testing/resilience-cases.js";

const TAGS = { project: "codequery", environment: "prod", owner: "platform-team" };
const KEY = "arn:aws:kms:us-east-1:123456789012:key/k";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms";
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const r = (type: string, props: Record<string, unknown>, name = "bad"): ResourceUnderTest => ({
  type,
  name,
  props,
});

/** For each policy: a resource it must refuse (with the expected message) and a close one it accepts. */
const cases: Record<string, { bad: ResourceUnderTest[]; good: ResourceUnderTest[]; message: RegExp }> = {
  "kms-key-rotation": {
    bad: [r("aws:kms/key:Key", { enableKeyRotation: false, tags: TAGS })],
    good: [r("aws:kms/key:Key", { enableKeyRotation: true, rotationPeriodInDays: 90 })],
    message: /rotation must be enabled/,
  },
  "no-wildcard-principals": {
    bad: [
      r("aws:s3/bucketPolicy:BucketPolicy", {
        policy: doc({
          Sid: "Public",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "s3:GetObject",
          Resource: "*",
        }),
      }),
    ],
    good: [
      r("aws:s3/bucketPolicy:BucketPolicy", {
        policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }),
      }),
    ],
    message: /statement Public allows a wildcard principal/,
  },
  "no-wildcard-actions": {
    bad: [
      r("aws:iam/rolePolicy:RolePolicy", {
        policy: doc({ Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }),
      }),
    ],
    good: [
      r("aws:iam/rolePolicy:RolePolicy", {
        policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      }),
    ],
    message: /statement All allows s3:\*/,
  },
  "kms-destruction-reserved": {
    bad: [
      r("aws:kms/key:Key", {
        enableKeyRotation: true,
        policy: doc(
          {
            Sid: "BreakGlass",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::1:role/bg" },
            Action: ["kms:ScheduleKeyDeletion"],
            Resource: "*",
          },
          {
            Sid: "Admins",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::1:role/admin" },
            Action: ["kms:DisableKey"],
            Resource: "*",
          },
        ),
      }),
    ],
    good: [
      r("aws:kms/key:Key", {
        enableKeyRotation: true,
        policy: doc({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::1:role/bg" },
          Action: ["kms:DisableKey"],
          Resource: "*",
        }),
      }),
    ],
    message: /allowed by 2 statements/,
  },
  "s3-versioning": {
    bad: [
      r("aws:s3/bucketVersioning:BucketVersioning", {
        bucket: "b",
        versioningConfiguration: { status: "Suspended" },
      }),
    ],
    good: [
      r("aws:s3/bucketVersioning:BucketVersioning", {
        bucket: "b",
        versioningConfiguration: { status: "Enabled" },
      }),
    ],
    message: /versioning is Suspended/,
  },
  "s3-sse-kms": {
    bad: [
      r(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        "state-sse",
      ),
    ],
    good: [
      r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
            bucketKeyEnabled: true,
          },
        ],
      }),
      r(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        "x-access-logs-sse",
      ),
    ],
    message: /default encryption is AES256/,
  },
  "s3-public-access-block": {
    bad: [
      r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        blockPublicAcls: true,
        blockPublicPolicy: false,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
    ],
    good: [
      r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
    ],
    message: /blockPublicPolicy must be true/,
  },
  "s3-tls-only": {
    bad: [
      r("aws:s3/bucketPolicy:BucketPolicy", {
        policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "*" }),
      }),
    ],
    good: [
      r("aws:s3/bucketPolicy:BucketPolicy", {
        policy: doc({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      }),
    ],
    message: /must deny s3:\* when aws:SecureTransport is false/,
  },
  "ec2-imdsv2-required": {
    bad: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 },
      }),
    ],
    good: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      }),
    ],
    message: /httpTokens must be required/,
  },
  "ec2-encrypted-volumes": {
    bad: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }],
      }),
    ],
    good: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
      }),
    ],
    message: /block device \/dev\/xvda is not encrypted/,
  },
  "no-open-ssh": {
    bad: [
      r("aws:ec2/securityGroup:SecurityGroup", {
        ingress: [{ protocol: "tcp", fromPort: 0, toPort: 1024, cidrBlocks: ["0.0.0.0/0"] }],
      }),
    ],
    good: [
      r("aws:ec2/securityGroup:SecurityGroup", {
        ingress: [
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.10/32"] },
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        ],
      }),
    ],
    message: /SSH from the internet/,
  },
  "required-tags": {
    bad: [r("aws:sns/topic:Topic", { kmsMasterKeyId: KEY, tags: { project: "codequery" } })],
    good: [r("aws:sns/topic:Topic", { kmsMasterKeyId: KEY, tags: TAGS })],
    message: /missing tags: environment, owner/,
  },
  "alarms-notify-sns": {
    bad: [r("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [], tags: TAGS })],
    good: [r("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [TOPIC], tags: TAGS })],
    message: /SNS topics as alarm actions/,
  },
  "event-targets-are-sns": {
    bad: [
      r("aws:cloudwatch/eventTarget:EventTarget", {
        arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
      }),
    ],
    good: [r("aws:cloudwatch/eventTarget:EventTarget", { arn: TOPIC })],
    message: /must be an SNS topic/,
  },
  "alb-tls": {
    bad: [
      r("aws:lb/listener:Listener", {
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-2016-08",
        tags: TAGS,
      }),
      r("aws:lb/listener:Listener", { protocol: "HTTP", defaultActions: [{ type: "forward" }], tags: TAGS }),
    ],
    good: [
      r("aws:lb/listener:Listener", {
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        tags: TAGS,
      }),
      r("aws:lb/listener:Listener", {
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }],
        tags: TAGS,
      }),
      r("aws:lb/listener:Listener", {
        protocol: "HTTP",
        defaultActions: [{ type: "forward" }],
        tags: { ...TAGS, environment: "dev" },
      }),
    ],
    message: /TLS policy ELBSecurityPolicy-2016-08|must redirect to HTTPS/,
  },
  "alb-hardening": {
    bad: [
      r("aws:lb/loadBalancer:LoadBalancer", {
        dropInvalidHeaderFields: false,
        accessLogs: { enabled: true },
      }),
    ],
    good: [
      r("aws:lb/loadBalancer:LoadBalancer", { dropInvalidHeaderFields: true, accessLogs: { enabled: true } }),
    ],
    message: /dropInvalidHeaderFields must be true/,
  },
  "dynamodb-kms": {
    bad: [r("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: true } })],
    good: [r("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: true, kmsKeyArn: KEY } })],
    message: /customer managed KMS key/,
  },
  "log-group-kms-retention": {
    bad: [r("aws:cloudwatch/logGroup:LogGroup", { kmsKeyId: KEY })],
    good: [r("aws:cloudwatch/logGroup:LogGroup", { kmsKeyId: KEY, retentionInDays: 30 })],
    message: /must have a retention/,
  },
  "sns-and-secrets-kms": {
    bad: [r("aws:secretsmanager/secret:Secret", { name: "s" })],
    good: [
      r("aws:secretsmanager/secret:Secret", { name: "s", kmsKeyId: KEY }),
      r("aws:sns/topic:Topic", { kmsMasterKeyId: KEY }),
    ],
    message: /must set kmsKeyId/,
  },
  "s3-buckets-fully-protected": {
    bad: [
      r("aws:s3/bucket:Bucket", { id: "b1", bucket: "b1" }),
      r("aws:s3/bucketVersioning:BucketVersioning", {
        bucket: "b1",
        versioningConfiguration: { status: "Enabled" },
      }),
    ],
    good: [
      r("aws:s3/bucket:Bucket", { id: "b2", bucket: "b2" }),
      ...[
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
      ].map((type) => r(type, { bucket: "b2" })),
    ],
    message:
      /bucket bad has no (BucketServerSideEncryptionConfiguration|BucketPublicAccessBlock|BucketOwnershipControls|BucketPolicy)\./,
  },
  ...resilienceCases,
};

async function evaluate(name: string, resources: ResourceUnderTest[]) {
  const resourcePolicy = resourcePolicies.find((p) => p.name === name);
  if (resourcePolicy) return evaluateResourcePolicy(resourcePolicy, resources);
  return evaluateStackPolicy(
    stackPolicies.find((p) => p.name === name)!,
    resources,
  );
}

describe("policy pack", () => {
  it("has a negative test for every policy, and every policy is mandatory", () => {
    expect(policies.map((p) => p.name).sort()).toEqual(Object.keys(cases).sort());
    for (const p of policies) expect(p.enforcementLevel, p.name).toBe("mandatory");
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: reports the bad resource`, async () => {
      const violations = await evaluate(name, c.bad);
      expect(violations.length).toBeGreaterThan(0);
      for (const v of violations) expect(v.message).toMatch(c.message);
    });

    it(`${name}: accepts the compliant resource`, async () => {
      expect(await evaluate(name, c.good)).toEqual([]);
    });
  }

  it("skips a bucket whose id is not known yet (first preview)", async () => {
    expect(await evaluate("s3-buckets-fully-protected", [r("aws:s3/bucket:Bucket", {})])).toEqual([]);
  });
});
