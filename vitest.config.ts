import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "app/**/*.test.ts",
      "infra/**/*.test.ts",
      "stacks/**/*.test.ts",
      "policy/**/*.test.ts",
      "runbooks/**/*.test.ts",
      "scripts/**/*.test.ts",
      "test/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    globalSetup: ["test/support/moto-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Many files spend most of their time waiting on other processes (moto_server, make, a Core,
    // git, pip), not on this CPU. Vitest's default (cores - 1) runs one file at a time on a
    // 2-core CI machine; one worker more than the cores keeps them busy.
    maxWorkers: availableParallelism() + 1,
  },
});
