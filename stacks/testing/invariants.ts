import { expect, it } from "vitest";
import { DATA_ACTIONS, DESTRUCTIVE_ACTIONS } from "../../infra/key-policy.js";
import { TAGGABLE_TYPES } from "../../policy/operations-policies.js";
import { evaluatePack } from "../../policy/testing/evaluate.js";
import { actions, bySid, list, principals, statements } from "./documents.js";
import type { RecordedResource, StackRun } from "./run-stack.js";

const ADMIN = "arn:aws:iam::123456789012:role/codequery-admin";
const BREAK_GLASS = [
  "arn:aws:iam::123456789012:role/codequery-break-glass",
  "arn:aws:iam::123456789012:role/codequery-break-glass-2",
];

/** The invariants every stack keeps, asserted on the resources the real program registered. */
export function stackInvariants(env: "dev" | "staging" | "prod", run: () => StackRun): void {
  const named = (type: string, name: string): RecordedResource => {
    const found = run().resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };
  const p = `codequery-${env}`;
  const key = () => named("aws:kms/key:Key", `${p}-key`);
  const keyArn = () => key().state.arn as string;

  it("creates the KMS key with rotation, the environment's period and deletion window, and an alias", () => {
    const k = key().inputs;
    const cfg = run().config;
    expect(k.enableKeyRotation).toBe(true);
    expect(k.rotationPeriodInDays).toBe(Number(cfg["codequery:kmsRotationPeriodDays"]));
    expect(k.deletionWindowInDays).toBe(Number(cfg["codequery:kmsDeletionWindowDays"]));
    expect(k.bypassPolicyLockoutSafetyCheck).toBe(false);
    expect(named("aws:kms/alias:Alias", `${p}-alias`).inputs.name).toBe(`alias/${p}`);
  });

  it("key policy: administrators administer but cannot use, destruction is break-glass only (two roles), no wildcard allow", () => {
    const all = statements(key());
    for (const s of all.filter((s) => s.Effect === "Allow")) expect(principals(s)).not.toContain("*");
    const admin = bySid(all, "KeyAdministration");
    expect(principals(admin)).toEqual([ADMIN]);
    for (const a of [...DATA_ACTIONS, ...DESTRUCTIVE_ACTIONS]) expect(actions(admin)).not.toContain(a);
    const deny = bySid(all, "DenyKeyUseToAdministrators");
    expect(deny.Effect).toBe("Deny");
    expect(actions(deny)).toEqual(expect.arrayContaining(DATA_ACTIONS));
    const allowingDestruction = all.filter(
      (s) => s.Effect === "Allow" && actions(s).some((a) => DESTRUCTIVE_ACTIONS.includes(a) || a === "kms:*"),
    );
    expect(allowingDestruction.map((s) => s.Sid)).toEqual(["BreakGlassOnly"]);
    expect(principals(allowingDestruction[0]!)).toEqual(BREAK_GLASS);
    const root = bySid(all, "RootAccountReadOnly");
    expect(actions(root).every((a) => /^kms:(Describe|Get|List)/.test(a))).toBe(true);
  });

  it("key policy: the Gateway role uses the key only through S3, Secrets Manager and DynamoDB, with an encryption context", () => {
    const gatewayRole = named("aws:iam/role:Role", `${p}-gateway`).state.arn as string;
    const gateway = statements(key()).filter((s) => principals(s).includes(gatewayRole));
    expect(gateway.map((s) => s.Sid).sort()).toEqual([
      "DescribeKeyForServiceUsers",
      "GatewayUseThroughDynamoDB",
      "GatewayUseThroughS3",
      "GatewayUseThroughSecretsManager",
    ]);
    expect(actions(bySid(gateway, "DescribeKeyForServiceUsers"))).toEqual(["kms:DescribeKey"]);
    const uses = gateway.filter((s) => s.Sid !== "DescribeKeyForServiceUsers");
    const via = uses.map((s) => s.Condition?.StringEquals?.["kms:ViaService"]).sort();
    expect(via).toEqual([
      "dynamodb.us-east-1.amazonaws.com",
      "s3.us-east-1.amazonaws.com",
      "secretsmanager.us-east-1.amazonaws.com",
    ]);
    for (const s of uses) {
      expect(
        actions(s).every((a) => ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"].includes(a)),
      ).toBe(true);
      expect(Object.keys(s.Condition?.StringLike ?? {})[0]).toMatch(/^kms:EncryptionContext:/);
    }
    expect(bySid(gateway, "GatewayUseThroughS3").Condition?.StringLike).toEqual({
      "kms:EncryptionContext:aws:s3:arn": [`arn:aws:s3:::${p}-state-*`],
    });
    expect(bySid(gateway, "GatewayUseThroughSecretsManager").Condition?.StringLike).toEqual({
      "kms:EncryptionContext:SecretARN": [
        `arn:aws:secretsmanager:us-east-1:123456789012:secret:codequery/${env}/gateway-*`,
      ],
    });
  });

  it("key policy: the deployer may only upload the release through S3, describe the key and let DynamoDB create grants", () => {
    const deployer = "arn:aws:iam::123456789012:role/codequery-deployer";
    const mine = statements(key()).filter((s) => principals(s).includes(deployer));
    expect(mine.map((s) => [s.Sid, actions(s)])).toEqual([
      ["DeployerWritesReleasesThroughS3", ["kms:GenerateDataKey", "kms:Decrypt"]],
      ["DescribeKeyForServiceUsers", ["kms:DescribeKey"]],
      ["DynamoDbGrantsForTables", ["kms:CreateGrant", "kms:DescribeKey"]],
    ]);
    expect(mine[0]!.Condition?.StringEquals).toEqual({ "kms:ViaService": "s3.us-east-1.amazonaws.com" });
    expect(mine[2]!.Condition?.Bool).toEqual({ "kms:GrantIsForAWSResource": true });
  });

  it("state bucket: versioning, SSE-KMS with bucket key, public access blocked, owner enforced, noncurrent versions expire", () => {
    const cfg = run().config;
    expect(
      named("aws:s3/bucketVersioning:BucketVersioning", `${p}-state-versioning`).inputs
        .versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    const sse = named(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      `${p}-state-sse`,
    ).inputs.rules as Array<Record<string, unknown>>;
    expect(sse).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn() },
        bucketKeyEnabled: true,
      },
    ]);
    expect(
      named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${p}-state-public-access`).inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      named("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${p}-state-ownership`).inputs.rule,
    ).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    const rules = named(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      `${p}-state-lifecycle`,
    ).inputs.rules as Array<Record<string, unknown>>;
    expect(rules[0]).toMatchObject({
      status: "Enabled",
      noncurrentVersionExpiration: { noncurrentDays: Number(cfg["codequery:retentionDays"]) },
    });
  });

  it("state bucket policy denies plain HTTP and uploads with another encryption or key", () => {
    const all = statements(named("aws:s3/bucketPolicy:BucketPolicy", `${p}-state-policy`));
    expect(all.every((s) => s.Effect === "Deny")).toBe(true);
    expect(bySid(all, "DenyInsecureTransport").Condition).toEqual({
      Bool: { "aws:SecureTransport": "false" },
    });
    expect(bySid(all, "DenyOtherEncryption").Condition).toEqual({
      StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" },
    });
    expect(bySid(all, "DenyOtherKey").Condition).toEqual({
      StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn() },
    });
  });

  it("secret: encrypted with the key, readable only by the Gateway role (and break-glass for rotation)", () => {
    const secret = named("aws:secretsmanager/secret:Secret", `${p}-secret`);
    expect(secret.inputs.kmsKeyId).toBe(keyArn());
    expect(run().ofType("aws:secretsmanager/secretVersion:SecretVersion")).toHaveLength(0);
    const all = statements(named("aws:secretsmanager/secretPolicy:SecretPolicy", `${p}-policy`));
    const readers = all
      .filter((s) => s.Effect === "Allow" && actions(s).includes("secretsmanager:GetSecretValue"))
      .flatMap(principals);
    expect(readers.sort()).toEqual([...BREAK_GLASS, `arn:aws:iam::123456789012:role/${p}-gateway`].sort());
    expect(bySid(all, "DenyReadToEveryoneElse").Condition?.ArnNotEquals?.["aws:PrincipalArn"]).toEqual([
      `arn:aws:iam::123456789012:role/${p}-gateway`,
      ...BREAK_GLASS,
    ]);
    expect(bySid(all, "DenyDeleteToEveryoneElse").Condition?.ArnNotEquals?.["aws:PrincipalArn"]).toEqual(
      BREAK_GLASS,
    );
  });

  it("hosts: IMDSv2 only with hop limit 1, encrypted gp3 root, latest AL2023, hardened systemd units", () => {
    const lt = named("aws:ec2/launchTemplate:LaunchTemplate", `${p}-lt`).inputs;
    expect(lt.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(lt.blockDeviceMappings).toEqual([
      expect.objectContaining({
        ebs: expect.objectContaining({ volumeType: "gp3", encrypted: "true", kmsKeyId: keyArn() }),
      }),
    ]);
    expect(lt.imageId).toBe("ami-0123456789abcdef0");
    expect(lt.monitoring).toEqual({ enabled: env === "prod" });
    const userData = Buffer.from(lt.userData as string, "base64").toString("utf8");
    for (const line of [
      "dnf install -y nodejs20",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
      "User=codequery",
      "RATE_LIMIT_STORE=dynamodb",
    ]) {
      expect(userData).toContain(line);
    }
    expect(userData).toContain(String(run().outputs.releaseKey));
    expect(userData).not.toMatch(/admin_api_key|key_pepper|BEGIN .*PRIVATE KEY/);
  });

  it("IAM: the Gateway role has no wildcard actions and no wildcard resources beyond PutMetricData", () => {
    const all = statements(named("aws:iam/rolePolicy:RolePolicy", `${p}-inline`));
    for (const s of all) {
      expect(actions(s).some((a) => a === "*" || a.endsWith(":*"))).toBe(false);
      if (list(s.Resource).includes("*")) expect(actions(s)).toEqual(["cloudwatch:PutMetricData"]);
    }
    const objectResources = all
      .filter((s) => actions(s).some((a) => a.startsWith("s3:") && a !== "s3:ListBucket"))
      .flatMap((s) => list(s.Resource));
    for (const r of objectResources) expect(r).toMatch(/\/(keys|tunnels|usage|audit|releases)\/\*$/);
    const attachments = run()
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((r) => r.inputs.role === `${p}-gateway`)
      .map((r) => r.inputs.policyArn);
    expect(attachments).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
  });

  it("rate-limit table: on demand, encrypted with the key, TTL on", () => {
    const table = named("aws:dynamodb/table:Table", `${p}-rate-limits`).inputs;
    expect(table).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      ttl: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: keyArn() },
    });
  });

  it("logs: the Gateway log group has retention and the KMS key", () => {
    const group = named("aws:cloudwatch/logGroup:LogGroup", `${p}-logs`).inputs;
    expect(group).toMatchObject({
      name: `/codequery/${env}/gateway`,
      retentionInDays: Number(run().config["codequery:logRetentionDays"]),
      kmsKeyId: keyArn(),
    });
  });

  it("every alarm notifies an SNS topic; the configured ones page", () => {
    const alarmTopic = named("aws:sns/topic:Topic", `${p}-alarms`);
    const noticeTopic = named("aws:sns/topic:Topic", `${p}-notices`);
    for (const topic of [alarmTopic, noticeTopic]) expect(topic.inputs.kmsMasterKeyId).toBe(keyArn());
    const paging = [
      ...(JSON.parse(run().config["codequery:alarms"]!) as { paging: string[] }).paging,
      "replicationFailed",
      "replicationLatency",
    ];
    const alarms = run().ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.length).toBeGreaterThanOrEqual(4);
    for (const alarm of alarms) {
      const which = alarm.name.slice(p.length + 1);
      expect(alarm.inputs.alarmActions).toEqual([
        paging.includes(which) ? alarmTopic.state.arn : noticeTopic.state.arn,
      ]);
    }
    expect(named("aws:sns/topicSubscription:TopicSubscription", `${p}-alarms-email`).inputs).toMatchObject({
      protocol: "email",
      endpoint: run().config["codequery:alarmEmail"],
    });
    expect(
      run()
        .ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter")
        .map((f) => (f.inputs.metricTransformation as { name: string }).name)
        .sort(),
    ).toEqual(["AuthFailures", "RateLimited"]);
  });

  it("builds a dashboard with every alarm and the Gateway's log metrics", () => {
    const dashboard = named("aws:cloudwatch/dashboard:Dashboard", `${p}-dashboard`).inputs;
    expect(dashboard.dashboardName).toBe(p);
    const widgets = (
      JSON.parse(dashboard.dashboardBody as string) as {
        widgets: Array<{ type: string; properties: { alarms?: string[]; metrics?: unknown[][] } }>;
      }
    ).widgets;
    expect(widgets[0]!.properties.alarms).toHaveLength(
      run().ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length,
    );
    expect(JSON.stringify(widgets)).toContain(`"CodeQuery/${env}","AuthFailures"`);
  });

  it("security events (KMS, bucket policy, secret, Gateway role, root use) and the rotation reminder page on-call", () => {
    const rules = run()
      .ofType("aws:cloudwatch/eventRule:EventRule")
      .filter((r) => !r.name.startsWith(`${p}-backup-`));
    expect(rules.map((r) => r.name.slice(p.length + 1)).sort()).toEqual([
      "bucket-policy-changed",
      "gateway-role-changed",
      "kms-key-disabled",
      "root-account-used",
      "secret-changed",
      "secret-rotation-due",
    ]);
    const targets = run()
      .ofType("aws:cloudwatch/eventTarget:EventTarget")
      .filter((r) => !r.name.startsWith(`${p}-backup-`));
    expect(targets).toHaveLength(rules.length);
    for (const t of targets) expect(t.inputs.arn).toBe(named("aws:sns/topic:Topic", `${p}-alarms`).state.arn);
    const kms = JSON.parse(
      named("aws:cloudwatch/eventRule:EventRule", `${p}-kms-key-disabled`).inputs.eventPattern as string,
    ) as { detail: { eventName: string[] } };
    expect(kms.detail.eventName).toEqual(expect.arrayContaining(["DisableKey", "ScheduleKeyDeletion"]));
  });

  it("tags project, environment and owner on every taggable resource, and as provider default tags", () => {
    const expected = { project: "codequery", environment: env, owner: "platform-team" };
    for (const provider of run().ofType("pulumi:providers:aws"))
      expect(provider.inputs.defaultTags).toEqual(JSON.stringify({ tags: expected }));
    const taggable = run().resources.filter((r) => TAGGABLE_TYPES.includes(r.type));
    expect(taggable.length).toBeGreaterThan(15);
    for (const r of taggable) expect(r.inputs.tags, `${r.type} ${r.name}`).toMatchObject(expected);
    const asgTags = named("aws:autoscaling/group:Group", `${p}-asg`).inputs.tags as Array<{
      key: string;
      value: string;
    }>;
    for (const [k, v] of Object.entries(expected))
      expect(asgTags).toContainEqual(expect.objectContaining({ key: k, value: v }));
  });

  it("network: a VPC of the stack's own, hosts in private subnets without public IPs, NAT out, endpoints, flow logs", () => {
    const vpc = named("aws:ec2/vpc:Vpc", `${p}-vpc`);
    expect(vpc.inputs.cidrBlock).toBe(run().config["codequery:vpcCidr"]);
    const subnets = run().ofType("aws:ec2/subnet:Subnet");
    expect(subnets).toHaveLength(4);
    for (const subnet of subnets) {
      expect(subnet.inputs.vpcId).toBe(vpc.id);
      expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    }
    const privateIds = subnets.filter((s) => s.name.includes("-private-")).map((s) => s.id);
    expect(named("aws:autoscaling/group:Group", `${p}-asg`).inputs.vpcZoneIdentifiers).toEqual(privateIds);
    const lt = named("aws:ec2/launchTemplate:LaunchTemplate", `${p}-lt`).inputs;
    expect(lt.networkInterfaces).toEqual([
      expect.objectContaining({
        associatePublicIpAddress: "false",
        securityGroups: [named("aws:ec2/securityGroup:SecurityGroup", `${p}-hosts`).id],
      }),
    ]);
    for (const table of run()
      .ofType("aws:ec2/routeTable:RouteTable")
      .filter((t) => t.name.includes("-private-")))
      expect(table.inputs.routes).toEqual([
        expect.objectContaining({ cidrBlock: "0.0.0.0/0", natGatewayId: expect.any(String) }),
      ]);
    const endpoints = run()
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .map((e) => String(e.inputs.serviceName).split(".").pop());
    expect(endpoints).toEqual(expect.arrayContaining(["s3", "dynamodb"]));
    if (env === "prod")
      expect(endpoints).toEqual(
        expect.arrayContaining(["secretsmanager", "kms", "logs", "monitoring", "ssm"]),
      );
    const flowLog = named("aws:ec2/flowLog:FlowLog", `${p}-flow-log`).inputs;
    expect(flowLog).toMatchObject({
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
    });
    expect(named("aws:cloudwatch/logGroup:LogGroup", `${p}-flow-logs`).inputs.kmsKeyId).toBe(keyArn());
    expect(
      named("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", `${p}-default-sg`).inputs,
    ).toMatchObject({ ingress: [], egress: [] });
  });

  it(`stateful resources are ${env === "prod" ? "" : "not "}protected against destroy and replacement`, () => {
    const stateful = [
      named("aws:kms/key:Key", `${p}-key`),
      named("aws:s3/bucket:Bucket", `${p}-state`),
      named("aws:secretsmanager/secret:Secret", `${p}-secret`),
      named("aws:dynamodb/table:Table", `${p}-rate-limits`),
      named("aws:cloudwatch/logGroup:LogGroup", `${p}-logs`),
      ...run().resources.filter(
        (r) =>
          r.name === `${p}-backup-key` || (r.type === "aws:s3/bucket:Bucket" && r.name === `${p}-backup`),
      ),
    ];
    for (const r of stateful)
      expect(r.options, `${r.type} ${r.name}`).toMatchObject({
        protect: env === "prod",
        retainOnDelete: env === "prod",
      });
  });

  it("the Auto Scaling service-linked role is looked up and named in the key policy (it exists in this account)", () => {
    expect(run().ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).toHaveLength(0);
    const autoScaling = bySid(statements(key()), "AutoScalingEncryptsVolumes");
    expect(principals(autoScaling)).toEqual([
      "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    ]);
  });

  it("the break-glass runbook policy is attached to both break-glass roles and never deletes a version", () => {
    const policy = named("aws:iam/policy:Policy", `${p}-break-glass-runbooks`);
    const attached = run()
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.inputs.policyArn === policy.state.arn)
      .map((a) => a.inputs.role);
    expect(attached).toEqual(["codequery-break-glass", "codequery-break-glass-2"]);
    const granted = statements(policy).flatMap(actions);
    expect(granted).not.toContain("s3:DeleteObjectVersion");
    expect(granted).not.toContain("secretsmanager:DeleteSecret");
  });

  it("passes every policy of the pack with zero violations", async () => {
    const resources = run()
      .resources.filter((r) => r.custom)
      .map((r) => ({ type: r.type, name: r.name, props: { ...r.state, id: r.id }, opts: r.options }));
    expect(await evaluatePack(resources)).toEqual([]);
  });

  it("exports the outputs users and runbooks read", () => {
    const outputs = run().outputs;
    expect(outputs.gatewayUrl).toMatch(env === "dev" ? /^$/ : /^https:\/\//);
    expect(outputs.gatewayAccess).toEqual(expect.any(String));
    for (const name of [
      "stateBucketName",
      "kmsKeyArn",
      "secretArn",
      "alarmTopicArn",
      "autoScalingGroupName",
      "rateLimitTableName",
      "logGroupName",
      "region",
    ]) {
      expect(outputs[name], name).toEqual(expect.any(String));
      expect(outputs[name], name).not.toBe("");
    }
    expect(outputs.kmsKeyArn).toBe(keyArn());
    expect(outputs.region).toBe("us-east-1");
  });
}
