import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** node and git stay reachable; nothing called pulumi is. */
const PATH_WITHOUT_PULUMI = [dirname(process.execPath), "/usr/bin", "/bin"].join(":");

function runScript(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/pulumi.ts", ...args], {
    cwd: ROOT,
    env: { PATH: PATH_WITHOUT_PULUMI, HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("scripts/pulumi.ts", () => {
  it("stops with one line on how to install the CLI when pulumi is not on PATH", () => {
    expect(
      spawnSync("sh", ["-c", "command -v pulumi"], { env: { PATH: PATH_WITHOUT_PULUMI } }).status,
    ).not.toBe(0);
    const result = runScript(["deploy", "--env", "staging"]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^pulumi CLI not found on PATH: install it \(curl -fsSL https:\/\/get\.pulumi\.com \| sh/,
      ),
    ]);
    expect(result.stdout).toBe("");
  });

  it("refuses an unknown environment before looking for the CLI", () => {
    const result = runScript(["preview", "--env", "qa"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('--env must be one of dev, staging, prod, got "qa"');
  });

  it("asks for --to on rollback", () => {
    const result = runScript(["rollback", "--env", "prod"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("rollback needs --to <git ref> (a release tag or commit)");
  });

  it("prints help", () => {
    const result = runScript(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: npx tsx scripts/pulumi.ts <preview|deploy|rollback>");
  });
});
