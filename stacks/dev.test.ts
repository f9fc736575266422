import { beforeAll, describe, expect, it } from "vitest";
import { stackInvariants } from "./testing/invariants.js";
import { permissionInvariants } from "./testing/permissions.js";
import { runStack, type StackRun } from "./testing/run-stack.js";

// One stack per test file: the Pulumi runtime keeps global state per process.
let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev");
}, 120_000);

describe("dev stack under mocks", () => {
  stackInvariants("dev", () => run);
  permissionInvariants("dev", () => run);

  it("runs one host, no load balancer, no replication", () => {
    expect(run.one("aws:autoscaling/group:Group").inputs).toMatchObject({
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      healthCheckType: "EC2",
    });
    expect(run.ofType("aws:lb/loadBalancer:LoadBalancer")).toHaveLength(0);
    expect(run.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).toHaveLength(0);
    expect(run.ofType("aws:s3/bucket:Bucket")).toHaveLength(1);
    expect(run.outputs.backupBucketName).toBe("");
  });

  it("opens SSH only to the configured dev CIDR, and nothing else inbound", () => {
    const ingress = run.one("aws:ec2/securityGroup:SecurityGroup", "hosts").inputs.ingress as Array<
      Record<string, unknown>
    >;
    expect(ingress).toEqual([
      expect.objectContaining({ fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.10/32"] }),
    ]);
  });

  it("rolls the group on a launch template change", () => {
    expect(run.one("aws:autoscaling/group:Group").inputs.instanceRefresh).toMatchObject({
      strategy: "Rolling",
      preferences: { minHealthyPercentage: 100 },
    });
  });
});
