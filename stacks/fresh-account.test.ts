import { beforeAll, describe, expect, it } from "vitest";
import { bySid, principals, statements } from "./testing/documents.js";
import { runStack, type StackRun } from "./testing/run-stack.js";

// One stack per test file: the Pulumi runtime keeps global state per process.
let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod", {}, { hasAutoScalingRole: false });
}, 120_000);

describe("the first deploy in an account that never had an Auto Scaling group", () => {
  it("creates the Auto Scaling service-linked role, kept when the stack is destroyed", () => {
    const role = run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
    expect(role.inputs.awsServiceName).toBe("autoscaling.amazonaws.com");
    expect(role.options.retainOnDelete).toBe(true);
  });

  it("names the created role in the key policy, so the key waits for it", () => {
    const role = run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
    const key = run.resources.find((r) => r.type === "aws:kms/key:Key" && r.name === "codequery-prod-key")!;
    expect(principals(bySid(statements(key), "AutoScalingEncryptsVolumes"))).toEqual([role.state.arn]);
    // The key's policy is an output of the role: Pulumi registers the key only after the role exists.
    expect(run.resources.indexOf(key)).toBeGreaterThan(run.resources.indexOf(role));
  });
});
