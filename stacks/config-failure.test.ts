import { describe, expect, it } from "vitest";
import { runStack } from "./testing/run-stack.js";

describe("the program with a bad stack config", () => {
  it("stops with one message that names the setting", async () => {
    await expect(
      runStack("prod", { "codequery:certificateArn": undefined, "codequery:domain": undefined }),
    ).rejects.toThrow(
      "Invalid stack configuration: codequery:certificateArn: prod requires an ACM certificate ARN (HTTPS on the load balancer)",
    );
  }, 60_000);
});
