import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { stackFacts, type StackFacts } from "./permissions/facts.js";
import { PERMISSIONS_DOC, renderPermissionTable } from "./permissions/report.js";
import { decide, type Decision } from "./permissions/simulate.js";
import { permissionTable, type Call } from "./permissions/table.js";
import type { StackRun } from "./run-stack.js";
import { REPO_ROOT } from "./stack-yaml.js";

/**
 * Every call of the permission table, simulated against the policies this stack synthesised,
 * gets the expected answer. `document`: also keep docs/infrastructure-permissions.md in step.
 */
export function permissionInvariants(
  env: string,
  run: () => StackRun,
  options: { document?: boolean } = {},
): void {
  describe(`permissions (${env}), simulated with iam-simulate`, () => {
    let facts: StackFacts;
    const results: Array<{ call: Call; decision: Decision }> = [];
    beforeAll(async () => {
      facts = stackFacts(run(), env);
      for (const call of permissionTable(facts)) results.push({ call, decision: await decide(facts, call) });
    });

    it("every principal can do each of its jobs, and nothing that matters more", () => {
      const wrong = results
        .filter(({ call, decision }) => call.expect !== decision.result)
        .map(
          ({ call, decision }) =>
            `${call.job} · ${call.who} · ${call.call} · ${call.action}: expected ${call.expect}, got ${decision.result} (${decision.note})`,
        );
      expect(wrong).toEqual([]);
      expect(results.length).toBeGreaterThan(60);
    });

    it("says where the simulator could not decide an encryption context, and checks it by hand", () => {
      const structural = results.filter(({ decision }) => decision.note.includes("checked structurally"));
      expect(structural.length).toBeGreaterThan(10);
      const other = results.find(({ call }) => call.call === "KMS Decrypt through S3 for another bucket");
      expect(other?.decision).toMatchObject({
        result: "deny",
        note: expect.stringContaining("encryption context not met"),
      });
    });

    if (options.document) {
      it(`${PERMISSIONS_DOC} is the table of this run`, () => {
        const page = renderPermissionTable(env, results);
        const path = `${REPO_ROOT}${PERMISSIONS_DOC}`;
        if (process.env.WRITE_PERMISSIONS_DOC === "1") writeFileSync(path, page);
        expect(
          readFileSync(path, "utf8"),
          `stale: WRITE_PERMISSIONS_DOC=1 npx vitest run stacks/${env}.test.ts`,
        ).toBe(page);
      });
    }
  });
}
