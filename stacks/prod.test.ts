import { beforeAll, describe, expect, it } from "vitest";
import { stackInvariants } from "./testing/invariants.js";
import { permissionInvariants } from "./testing/permissions.js";
import { backupInvariants, replicatedStackInvariants } from "./testing/replicated-stack.js";
import { runStack, type StackRun } from "./testing/run-stack.js";

// One stack per test file: the Pulumi runtime keeps global state per process.
let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod");
}, 120_000);

describe("prod stack under mocks", () => {
  stackInvariants("prod", () => run);
  permissionInvariants("prod", () => run, { document: true });
  replicatedStackInvariants("prod", () => run);
  backupInvariants("prod", () => run);

  it("runs at least two hosts across two availability zones' subnets", () => {
    const asg = run.one("aws:autoscaling/group:Group").inputs;
    expect(asg.minSize).toBeGreaterThanOrEqual(2);
    const privateSubnets = run
      .ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.name.includes("-private-"))
      .map((s) => s.id);
    expect(asg.vpcZoneIdentifiers).toEqual(privateSubnets);
    expect(
      new Set(
        run
          .ofType("aws:ec2/subnet:Subnet")
          .filter((s) => s.name.includes("-private-"))
          .map((s) => s.inputs.availabilityZone),
      ).size,
    ).toBe(2);
  });

  it("turns on detailed monitoring, deletion protection and 15-minute replication time control", () => {
    expect(run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.monitoring).toEqual({ enabled: true });
    expect(run.one("aws:lb/loadBalancer:LoadBalancer").inputs.enableDeletionProtection).toBe(true);
    expect(run.one("aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(true);
    const [rule] = run.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs.rules as Array<{
      destination: Record<string, unknown>;
    }>;
    expect(rule!.destination.replicationTime).toEqual({ status: "Enabled", time: { minutes: 15 } });
  });

  it("pages on more alarms than dev does", () => {
    const paging = run
      .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .filter((a) => (a.inputs.tags as Record<string, string>).paging === "true");
    expect(paging.map((a) => a.name.replace("codequery-prod-", "")).sort()).toEqual([
      "alb5xx",
      "authFailures",
      "cpu",
      "p99Latency",
      "replicationFailed",
      "replicationLatency",
      "statusCheck",
      "unhealthyHosts",
    ]);
  });
});
