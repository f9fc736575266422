import { beforeAll, describe, expect, it } from "vitest";
import { stackInvariants } from "./testing/invariants.js";
import { permissionInvariants } from "./testing/permissions.js";
import { backupInvariants, replicatedStackInvariants } from "./testing/replicated-stack.js";
import { runStack, type StackRun } from "./testing/run-stack.js";

// One stack per test file: the Pulumi runtime keeps global state per process.
let run: StackRun;
beforeAll(async () => {
  run = await runStack("staging");
}, 120_000);

describe("staging stack under mocks", () => {
  stackInvariants("staging", () => run);
  permissionInvariants("staging", () => run);
  replicatedStackInvariants("staging", () => run);
  backupInvariants("staging", () => run);

  it("runs a small group without detailed monitoring or replication time control", () => {
    expect(run.one("aws:autoscaling/group:Group").inputs).toMatchObject({ minSize: 1, maxSize: 2 });
    const [rule] = run.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs.rules as Array<{
      destination: Record<string, unknown>;
    }>;
    expect(rule!.destination.replicationTime).toBeUndefined();
  });
});
