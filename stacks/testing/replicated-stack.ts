import { expect, it } from "vitest";
import { statements } from "./documents.js";
import type { StackRun } from "./run-stack.js";

/** What staging and prod share beyond the common invariants: the ALB and the backup replica. */
export function replicatedStackInvariants(env: "staging" | "prod", run: () => StackRun): void {
  const p = `codequery-${env}`;
  const named = (type: string, name: string) => {
    const found = run().resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };

  it("replicates the state bucket to a versioned, KMS-encrypted bucket in the backup region", () => {
    const backupProvider = named("pulumi:providers:aws", `${p}-us-west-2`);
    expect(backupProvider.inputs.region).toBe("us-west-2");
    const backupKey = named("aws:kms/key:Key", `${p}-backup-key`);
    const backupBucket = named("aws:s3/bucket:Bucket", `${p}-backup`);
    for (const r of [
      backupKey,
      backupBucket,
      named("aws:s3/bucketVersioning:BucketVersioning", `${p}-backup-versioning`),
    ]) {
      expect(r.provider, `${r.type} ${r.name}`).toContain(`${p}-us-west-2`);
    }
    expect(backupKey.inputs.enableKeyRotation).toBe(true);
    expect(
      named("aws:s3/bucketVersioning:BucketVersioning", `${p}-backup-versioning`).inputs
        .versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    expect(
      named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${p}-backup-public-access`).inputs
        .restrictPublicBuckets,
    ).toBe(true);
    const sse = named(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      `${p}-backup-sse`,
    ).inputs.rules as unknown[];
    expect(sse).toEqual([
      expect.objectContaining({
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: backupKey.state.arn },
      }),
    ]);

    const replication = named(
      "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
      `${p}-replication`,
    ).inputs;
    expect(replication.bucket).toBe(named("aws:s3/bucket:Bucket", `${p}-state`).id);
    expect(replication.role).toBe(named("aws:iam/role:Role", `${p}-replication`).state.arn);
    const [rule] = replication.rules as Array<Record<string, unknown>>;
    expect(rule).toMatchObject({
      status: "Enabled",
      deleteMarkerReplication: { status: "Disabled" },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
      destination: {
        bucket: backupBucket.state.arn,
        encryptionConfiguration: { replicaKmsKeyId: backupKey.state.arn },
      },
    });
    expect(run().outputs.backupBucketName).toBe(backupBucket.state.bucket);
  });

  it("the replication role may only read the source, write replicas, and use each key through S3", () => {
    const all = statements(named("aws:iam/rolePolicy:RolePolicy", `${p}-replication`));
    for (const s of all) expect(s.Resource).not.toBe("*");
    const kms = all.filter(
      (s) =>
        String(s.Action).startsWith("kms:") ||
        (Array.isArray(s.Action) && s.Action.some((a) => a.startsWith("kms:"))),
    );
    expect(kms.map((s) => s.Condition?.StringEquals?.["kms:ViaService"]).sort()).toEqual([
      "s3.us-east-1.amazonaws.com",
      "s3.us-west-2.amazonaws.com",
    ]);
  });

  it("puts an ALB in front: HTTPS with the TLS 1.3/1.2 policy, HTTP redirected, invalid headers dropped, access logs on", () => {
    const lb = named("aws:lb/loadBalancer:LoadBalancer", `${p}-alb`).inputs;
    expect(lb).toMatchObject({
      dropInvalidHeaderFields: true,
      internal: false,
      accessLogs: { enabled: true },
    });
    const https = named("aws:lb/listener:Listener", `${p}-https`).inputs;
    expect(https).toMatchObject({
      protocol: "HTTPS",
      port: 443,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificateArn: run().config["codequery:certificateArn"],
    });
    const http = named("aws:lb/listener:Listener", `${p}-http`).inputs;
    expect(http.defaultActions).toEqual([
      expect.objectContaining({
        type: "redirect",
        redirect: expect.objectContaining({ protocol: "HTTPS", statusCode: "HTTP_301" }),
      }),
    ]);
    expect(named("aws:lb/targetGroup:TargetGroup", `${p}-gw`).inputs.healthCheck).toMatchObject({
      path: "/",
      matcher: "200",
    });
    expect(run().outputs.gatewayUrl).toBe(`https://${run().config["codequery:domain"]}`);
  });

  it("hosts accept Gateway traffic only from the ALB's security group, and never SSH", () => {
    const ingress = named("aws:ec2/securityGroup:SecurityGroup", `${p}-hosts`).inputs.ingress as Array<
      Record<string, unknown>
    >;
    expect(ingress).toEqual([
      expect.objectContaining({
        fromPort: 8080,
        toPort: 8080,
        securityGroups: [named("aws:ec2/securityGroup:SecurityGroup", `${p}-alb`).id],
      }),
    ]);
    expect(ingress[0]!.cidrBlocks).toBeUndefined();
    const asg = named("aws:autoscaling/group:Group", `${p}-asg`).inputs;
    expect(asg).toMatchObject({
      healthCheckType: "ELB",
      targetGroupArns: [named("aws:lb/targetGroup:TargetGroup", `${p}-gw`).state.arn],
    });
  });
}

/** The backup copy an attacker with the primary's roles cannot erase, and the alarms around it. */
export function backupInvariants(env: "staging" | "prod", run: () => StackRun): void {
  const p = `codequery-${env}`;
  const named = (type: string, name: string) => {
    const found = run().resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };
  const retention = () => Number(run().config["codequery:backupRetentionDays"]);

  it("locks every backup version with Object Lock for the stack's retention, and deletes do not replicate", () => {
    const bucket = named("aws:s3/bucket:Bucket", `${p}-backup`);
    expect(bucket.inputs.objectLockEnabled).toBe(true);
    const lock = named(
      "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      `${p}-backup-object-lock`,
    );
    expect(lock.inputs).toMatchObject({
      bucket: bucket.id,
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: env === "prod" ? "COMPLIANCE" : "GOVERNANCE", days: retention() } },
    });
    const lifecycle = named(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      `${p}-backup-lifecycle`,
    ).inputs.rules as Array<{ noncurrentVersionExpiration?: { noncurrentDays: number } }>;
    expect(lifecycle[0]!.noncurrentVersionExpiration!.noncurrentDays).toBeGreaterThanOrEqual(retention());
    const [rule] = named("aws:s3/bucketReplicationConfig:BucketReplicationConfig", `${p}-replication`).inputs
      .rules as Array<Record<string, unknown>>;
    expect(rule!.deleteMarkerReplication).toEqual({ status: "Disabled" });
    const replicator = statements(named("aws:iam/rolePolicy:RolePolicy", `${p}-replication`));
    expect(replicator.flatMap((s) => ([] as string[]).concat(s.Action))).not.toContain("s3:ReplicateDelete");
  });

  it("the backup bucket and key answer to the backup administrators and break-glass, not the primary's roles", () => {
    const backupAdmins = JSON.parse(run().config["codequery:backupAdminRoleArns"]!) as string[];
    const admins = JSON.parse(run().config["codequery:adminRoleArns"]!) as string[];
    const key = statements(named("aws:kms/key:Key", `${p}-backup-key`));
    expect(key.find((s) => s.Sid === "KeyAdministration")?.Principal).toEqual({ AWS: backupAdmins });
    for (const a of admins) expect(JSON.stringify(key)).not.toContain(a);
    const policy = statements(named("aws:s3/bucketPolicy:BucketPolicy", `${p}-backup-policy`));
    const controllers = [
      ...backupAdmins,
      ...(JSON.parse(run().config["codequery:breakGlassRoleArns"]!) as string[]),
    ];
    for (const sid of ["OnlyBackupControllersChangeTheBucket", "OnlyBackupControllersWriteOrDeleteObjects"]) {
      const s = policy.find((x) => x.Sid === sid)!;
      expect(s.Effect).toBe("Deny");
      expect(s.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": controllers } });
    }
    // The policy goes on last: it denies the settings before it to the deployer.
    const dependsOn = named("aws:s3/bucketPolicy:BucketPolicy", `${p}-backup-policy`).options.dependsOn.join(
      " ",
    );
    for (const setting of [
      "backup-object-lock",
      "backup-lifecycle",
      "backup-versioning",
      "backup-public-access",
    ])
      expect(dependsOn).toContain(setting);
  });

  it("replicates the secret to the backup region under the backup key", () => {
    const secret = named("aws:secretsmanager/secret:Secret", `${p}-secret`).inputs;
    expect(secret.replicas).toEqual([
      { region: "us-west-2", kmsKeyId: named("aws:kms/key:Key", `${p}-backup-key`).state.arn },
    ]);
  });

  it("pages on replication failures and latency, and watches security events in the backup region too", () => {
    const alarms = run().ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const failed = alarms.find((a) => a.name === `${p}-replicationFailed`)!.inputs;
    expect(failed).toMatchObject({
      namespace: "AWS/S3",
      metricName: "OperationsFailedReplication",
      threshold: 0,
    });
    expect(failed.dimensions).toEqual({
      SourceBucket: named("aws:s3/bucket:Bucket", `${p}-state`).state.bucket,
      DestinationBucket: named("aws:s3/bucket:Bucket", `${p}-backup`).state.bucket,
      RuleId: "state-to-backup-region",
    });
    expect(alarms.find((a) => a.name === `${p}-replicationLatency`)!.inputs).toMatchObject({
      metricName: "ReplicationLatency",
      threshold: 900,
    });
    const [rule] = named("aws:s3/bucketReplicationConfig:BucketReplicationConfig", `${p}-replication`).inputs
      .rules as Array<{ destination: Record<string, unknown> }>;
    expect(rule!.destination.metrics).toEqual({ status: "Enabled", eventThreshold: { minutes: 15 } });

    const backupTopic = named("aws:sns/topic:Topic", `${p}-backup-alarms`);
    expect(backupTopic.provider).toContain(`${p}-us-west-2`);
    expect(backupTopic.inputs.kmsMasterKeyId).toBe(named("aws:kms/key:Key", `${p}-backup-key`).state.arn);
    const backupRules = run()
      .ofType("aws:cloudwatch/eventRule:EventRule")
      .filter((r) => r.name.startsWith(`${p}-backup-`));
    expect(backupRules.map((r) => r.name.slice(`${p}-backup-`.length)).sort()).toEqual([
      "bucket-policy-changed",
      "kms-key-disabled",
      "secret-changed",
    ]);
    for (const r of backupRules) expect(r.provider).toContain(`${p}-us-west-2`);
    const bucketEvents = JSON.parse(
      named("aws:cloudwatch/eventRule:EventRule", `${p}-backup-bucket-policy-changed`).inputs
        .eventPattern as string,
    ) as { detail: { eventName: string[]; requestParameters: { bucketName: string[] } } };
    expect(bucketEvents.detail.eventName).toEqual(
      expect.arrayContaining(["PutBucketLifecycle", "PutBucketReplication", "PutObjectLockConfiguration"]),
    );
    expect(bucketEvents.detail.requestParameters.bucketName).toEqual([
      named("aws:s3/bucket:Bucket", `${p}-backup`).state.bucket,
    ]);
  });

  it("puts a WAF web ACL (AWS common rules, per-IP rate rule) on the ALB, which waits for its log bucket policy", () => {
    const acl = named("aws:wafv2/webAcl:WebAcl", `${p}-waf`).inputs;
    const rules = acl.rules as Array<{ statement: Record<string, { name?: string; limit?: number }> }>;
    expect(rules.map((r) => r.statement.managedRuleGroupStatement?.name ?? "rate")).toEqual([
      "AWSManagedRulesCommonRuleSet",
      "rate",
    ]);
    expect(rules[1]!.statement.rateBasedStatement!.limit).toBe(2000);
    const association = named("aws:wafv2/webAclAssociation:WebAclAssociation", `${p}-waf`).inputs;
    expect(association.resourceArn).toBe(named("aws:lb/loadBalancer:LoadBalancer", `${p}-alb`).state.arn);
    const lb = named("aws:lb/loadBalancer:LoadBalancer", `${p}-alb`);
    expect(lb.inputs.enableDeletionProtection).toBe(true);
    expect(lb.options.dependsOn.join(" ")).toContain(`${p}-access-logs-policy`);
    expect(named("aws:dynamodb/table:Table", `${p}-rate-limits`).inputs.deletionProtectionEnabled).toBe(true);
  });
}
