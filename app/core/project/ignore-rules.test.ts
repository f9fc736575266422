import ignore from "ignore";
import { describe, expect, it } from "vitest";
import { hasOnlyNamePatterns, isIgnoredBy, type DirRules } from "./ignore-rules.js";

const rules = (text: string, namesOnly: boolean, base = ""): DirRules => ({
  base,
  matcher: ignore().add(text),
  namesOnly,
  verdicts: new Map(),
});

describe("hasOnlyNamePatterns", () => {
  it("accepts bare names, globs, negations and trailing slashes", () => {
    expect(hasOnlyNamePatterns("# comment\n*.log\n!keep.log\nbuild/\n\n**\n")).toBe(true);
  });

  it("refuses anchored and nested patterns", () => {
    expect(hasOnlyNamePatterns("/dist\n")).toBe(false);
    expect(hasOnlyNamePatterns("docs/internal/\n")).toBe(false);
    expect(hasOnlyNamePatterns("!src/keep.ts\n")).toBe(false);
  });
});

describe("the names-only shortcut", () => {
  it("decides exactly as testing the full path would", () => {
    const text = "*.log\n!important.log\nbuild/\ntmp*\n";
    const paths: [string, boolean][] = [
      ["a.log", false],
      ["src/a.log", false],
      ["src/important.log", false],
      ["build", true],
      ["src/build", true],
      ["build", false],
      ["src/tmpfile.ts", false],
      ["src/index.ts", false],
    ];
    for (const [path, isDir] of paths) {
      expect(isIgnoredBy([rules(text, true)], path, isDir)).toBe(
        isIgnoredBy([rules(text, false)], path, isDir),
      );
    }
  });

  it("applies nested rules relative to their directory", () => {
    const chain = [rules("/generated/\n", false, "pkg")];
    expect(isIgnoredBy(chain, "pkg/generated", true)).toBe(true);
    expect(isIgnoredBy(chain, "pkg/sub/generated", true)).toBe(false);
  });
});
