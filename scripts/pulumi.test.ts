import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runMain } from "../runbooks/lib/run-main.js";
import { runScript } from "../runbooks/lib/run-script.js";
import { main } from "./pulumi.js";

/** node and git stay reachable; nothing called pulumi is. */
const PATH_WITHOUT_PULUMI = [dirname(process.execPath), "/usr/bin", "/bin"].join(":");
const env = { PATH: PATH_WITHOUT_PULUMI, HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1" };

describe("scripts/pulumi.ts", () => {
  it("stops with one line on how to install the CLI when pulumi is not on PATH (as a command)", async () => {
    expect(
      spawnSync("sh", ["-c", "command -v pulumi"], { env: { PATH: PATH_WITHOUT_PULUMI } }).status,
    ).not.toBe(0);
    const result = await runScript("scripts/pulumi.ts", ["deploy", "--env", "staging"], { env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^pulumi CLI not found on PATH: install it \(curl -fsSL https:\/\/get\.pulumi\.com \| sh/,
      ),
    ]);
    expect(result.stdout).toBe("");
  });

  it("refuses an unknown environment before looking for the CLI", async () => {
    const result = await runMain(main, ["preview", "--env", "qa"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('--env must be one of dev, staging, prod, got "qa"');
  });

  it("asks for --to on rollback", async () => {
    const result = await runMain(main, ["rollback", "--env", "prod"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("rollback needs --to <git ref> (a release tag or commit)");
  });

  it.each([
    [["deploy", "--evn", "prod"], "unknown option --evn (see --help)"],
    [["deploy", "--env"], "--env needs a value (see --help)"],
    [["deploy", "--skip-build=yes"], "--skip-build takes no value (see --help)"],
    [["deploy", "staging"], 'unexpected argument "staging" (see --help)'],
  ])("refuses %j with one line, before looking for the CLI", async (args, message) => {
    const result = await runMain(main, args, { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(message);
  });

  it("prints help", async () => {
    const result = await runMain(main, ["--help"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: npx tsx scripts/pulumi.ts <preview|deploy|rollback>");
  });
});
