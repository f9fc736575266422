import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

describe("search", () => {
  it("finds literal text with line numbers", async () => {
    project = createTempProject({ "src/a.ts": "one\nconst needle = 1;\nthree\n", "b.md": "no match" });
    const result = await openTestProject(project.root).search({ query: "needle" });
    expect(result).toEqual({
      query: "needle",
      results: [{ path: "src/a.ts", line: 2, text: "const needle = 1;" }],
      truncated: false,
      files_searched: 2,
    });
  });

  it("treats the query literally, not as a pattern", async () => {
    project = createTempProject({ "a.txt": "a.b\naxb\n" });
    const result = await openTestProject(project.root).search({ query: "a.b" });
    expect(result.results.map((r) => r.line)).toEqual([1]);
  });

  it("can ignore case", async () => {
    project = createTempProject({ "a.txt": "Needle\n" });
    expect(
      (await openTestProject(project.root).search({ query: "needle", ignoreCase: true })).results,
    ).toHaveLength(1);
    expect((await openTestProject(project.root).search({ query: "needle" })).results).toHaveLength(0);
  });

  it("narrows by path prefix on a directory boundary", async () => {
    project = createTempProject({ "src/a.ts": "hit", "src-old/a.ts": "hit", "lib/a.ts": "hit" });
    const result = await openTestProject(project.root).search({ query: "hit", path: "src" });
    expect(result.results.map((r) => r.path)).toEqual(["src/a.ts"]);
  });

  it("narrows by glob", async () => {
    project = createTempProject({ "src/a.ts": "hit", "src/b.md": "hit", "c.ts": "hit" });
    expect(
      (await openTestProject(project.root).search({ query: "hit", glob: "*.ts" })).results.map((r) => r.path),
    ).toEqual(["c.ts", "src/a.ts"]);
    expect(
      (await openTestProject(project.root).search({ query: "hit", glob: "src/**" })).results.map(
        (r) => r.path,
      ),
    ).toEqual(["src/a.ts", "src/b.md"]);
  });

  it("bounds the results and says it truncated them", async () => {
    project = createTempProject({ "a.txt": "hit\n".repeat(10) });
    const result = await openTestProject(project.root).search({ query: "hit", limit: 3 });
    expect(result.results).toHaveLength(3);
    expect(result.truncated).toBe(true);
  });

  it("never searches ignored, deny-listed, binary or outside files", async () => {
    project = createTempProject({
      ".gitignore": "private/\n",
      "private/p.txt": "SECRET",
      ".env": "SECRET=1",
      "bin.dat": Buffer.from("SECRET\0binary"),
      "a.txt": "no",
    });
    project.symlink("out.txt", `${project.outside}/secret.txt`);
    project.symlink("innocent.txt", ".env");
    const result = await openTestProject(project.root).search({ query: "SECRET" });
    expect(result.results).toEqual([]);
  });

  it.each([
    [{ query: "" }, /q is required/],
    [{ query: "x".repeat(65) }, /too long/],
    [{ query: "x", limit: 0 }, /limit must be/],
    [{ query: "x", limit: 21 }, /limit must be/],
    [{ query: "x", path: "../outside" }, /path: Path must not contain/],
    [{ query: "x", path: "/etc" }, /path: Absolute/],
  ])("refuses a bad request %j with a clear message", async (request, message) => {
    project = createTempProject({ "a.txt": "x" });
    await expect(openTestProject(project.root).search(request)).rejects.toThrow(message);
  });
});
