import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { missedExplanation } from "./missed.js";

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(markdownFile: string): string[] {
  return readFileSync(markdownFile, "utf8")
    .split("\n")
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) =>
      line
        .replace(/^#+ /, "")
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, "")
        .replace(/ /g, "-"),
    );
}

describe("a benchmark's MISSED line", () => {
  it("says what MISSED means and that nothing failed", () => {
    const text = missedExplanation("docs/core.md#benchmark");
    expect(text).toMatch(/MISSED means/);
    expect(text).toMatch(/does not fail the build/);
    expect(text).toContain("docs/core.md#benchmark");
  });

  it.each([
    ["bench/core/run.ts", "docs/core.md#benchmark"],
    ["bench/gateway/run.ts", "docs/gateway.md#benchmark"],
  ])("%s points to a section that exists (%s)", (bench, link) => {
    expect(readFileSync(bench, "utf8")).toContain(`missedExplanation("${link}")`);
    const [file, anchor] = link.split("#") as [string, string];
    expect(anchorsOf(file)).toContain(anchor);
  });
});
