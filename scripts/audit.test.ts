import { describe, expect, it } from "vitest";
import { runScript } from "../runbooks/lib/run-script.js";
import { judgeNpmAudit, selectScans } from "./audit.js";

describe("make audit", () => {
  it("passes npm audit when it exits 0", () => {
    expect(judgeNpmAudit(0, "found 0 vulnerabilities").verdict).toBe("passed");
  });

  it("fails on high or critical advisories", () => {
    const out =
      "lodash <4.17.21\nSeverity: high\n1 high severity vulnerability\nTo address all issues, run: npm audit fix";
    expect(judgeNpmAudit(1, out).verdict).toBe("failed");
  });

  it("reports an unreachable registry clearly instead of failing", () => {
    const out =
      "npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed";
    const judged = judgeNpmAudit(1, out);
    expect(judged.verdict).toBe("skipped");
    expect(judged.note).toMatch(/could not be reached/);
    expect(judgeNpmAudit(1, "npm error audit endpoint returned an error").verdict).toBe("skipped");
  });

  it("refuses an unknown scan name in --skip", () => {
    expect(selectScans("dependencies").map((s) => s.name)).toEqual(["secrets", "policy"]);
    expect(() => selectScans("virus")).toThrow(/unknown scan "virus"/);
  });

  it("prints its plan with --dry-run and runs nothing (as a command)", async () => {
    const { code, stdout } = await runScript("scripts/audit.ts", ["--dry-run"]);
    expect(code).toBe(0);
    expect(stdout).toContain("npm audit --omit=dev --audit-level=high");
    expect(stdout).toContain("scripts/secret-scan.ts --all");
    expect(stdout).toContain("vitest run policy/ stacks/");
    expect(stdout).not.toContain("== Summary");
  });
});
