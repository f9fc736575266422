import { describe, expect, it } from "vitest";
import { runStack } from "./testing/run-stack.js";

describe("the program without a release artifact", () => {
  it("stops with one message that says how to build it", async () => {
    await expect(
      runStack("dev", { "codequery:artifactPath": "/nonexistent/codequery-release.tar.gz" }),
    ).rejects.toThrow(
      "release artifact /nonexistent/codequery-release.tar.gz not found: run `make artifact` (npx tsx scripts/build-artifact.ts) first",
    );
  }, 60_000);
});
