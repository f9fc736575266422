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
