import { afterEach, describe, expect, it } from "vitest";
import { closeTestProjects, openTestProject } from "../project/project-fixture.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { SearchRequest } from "./search-request.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

const search = (request: SearchRequest, options: Parameters<typeof openTestProject>[1] = {}) =>
  openTestProject(project!.root, options).search(request);

describe("search", () => {
  it("finds literal text with line numbers", async () => {
    project = createTempProject({ "src/a.ts": "one\nconst needle = 1;\nthree\n", "b.md": "no match" });
    expect(await search({ query: "needle" })).toEqual({
      query: "needle",
      mode: "lines",
      results: [{ path: "src/a.ts", line: 2, text: "const needle = 1;" }],
      truncated: false,
      next_cursor: null,
      files_searched: 2,
    });
  });

  it("treats the query literally unless regex is true", async () => {
    project = createTempProject({ "a.txt": "a.b\naxb\n" });
    expect((await search({ query: "a.b" })).results).toEqual([{ path: "a.txt", line: 1, text: "a.b" }]);
    expect((await search({ query: "a.b", regex: true })).results.map((r) => "line" in r && r.line)).toEqual([
      1, 2,
    ]);
  });

  it("matches each line on its own, as grep does", async () => {
    project = createTempProject({ "a.txt": "end\nstart here\nx\n", "b.txt": "no newline at the end" });
    expect((await search({ query: "^start", regex: true })).results).toEqual([
      { path: "a.txt", line: 2, text: "start here" },
    ]);
    expect((await search({ query: "end$", regex: true })).results).toEqual([
      { path: "a.txt", line: 1, text: "end" },
      { path: "b.txt", line: 1, text: "no newline at the end" },
    ]);
  });

  it("can ignore case, for text and for patterns", async () => {
    project = createTempProject({ "a.txt": "Needle\nNEEDLES\nneedle\nHaystack\n" });
    expect((await search({ query: "needle", ignoreCase: true })).results).toHaveLength(3);
    expect((await search({ query: "needle" })).results).toHaveLength(1);
    expect((await search({ query: "^n[e]+dle$", regex: true, ignoreCase: true })).results).toHaveLength(2);
    expect((await search({ query: "[g-i]ay", regex: true, ignoreCase: true })).results).toHaveLength(1);
  });

  it("gives context lines before and after each hit, within the file", async () => {
    project = createTempProject({ "a.txt": "1\n2\n3 hit\n4\n5\n6\n7\n8 hit\n" });
    expect((await search({ query: "hit", context: 2 })).results).toEqual([
      { path: "a.txt", line: 3, text: "3 hit", before: ["1", "2"], after: ["4", "5"] },
      { path: "a.txt", line: 8, text: "8 hit", before: ["6", "7"], after: [] },
    ]);
  });

  it("lists the matching files in files mode and counts matching lines in count mode", async () => {
    project = createTempProject({ "a.txt": "hit\nhit hit\nno\n", "b.txt": "no", "c/d.txt": "hit" });
    expect((await search({ query: "hit", mode: "files" })).results).toEqual([
      { path: "a.txt" },
      { path: "c/d.txt" },
    ]);
    expect((await search({ query: "hit", mode: "count" })).results).toEqual([
      { path: "a.txt", count: 2 },
      { path: "c/d.txt", count: 1 },
    ]);
  });

  it("narrows by path prefix on a directory boundary", async () => {
    project = createTempProject({
      "src/a.ts": "hit",
      "src-old/a.ts": "hit",
      "lib/a.ts": "hit",
      "src/x/b.ts": "hit",
    });
    const result = await search({ query: "hit", path: "src" });
    expect(result.results.map((r) => r.path)).toEqual(["src/a.ts", "src/x/b.ts"]);
  });

  it("narrows by glob", async () => {
    project = createTempProject({ "src/a.ts": "hit", "src/b.md": "hit", "c.ts": "hit" });
    expect((await search({ query: "hit", glob: "*.ts" })).results.map((r) => r.path)).toEqual([
      "c.ts",
      "src/a.ts",
    ]);
    expect((await search({ query: "hit", glob: "src/**" })).results.map((r) => r.path)).toEqual([
      "src/a.ts",
      "src/b.md",
    ]);
  });

  it("stops at the limit and gives a cursor that continues exactly there", async () => {
    project = createTempProject({ "a.txt": "hit\n".repeat(5), "b.txt": "hit\n" });
    const first = await search({ query: "hit", limit: 3 });
    expect(first.results.map((r) => "line" in r && r.line)).toEqual([1, 2, 3]);
    expect(first).toMatchObject({ truncated: true, stopped_by: "limit" });
    const second = await search({ query: "hit", limit: 3, cursor: first.next_cursor! });
    expect(second.results.map((r) => `${r.path}:${"line" in r ? r.line : ""}`)).toEqual([
      "a.txt:4",
      "a.txt:5",
      "b.txt:1",
    ]);
    expect(second).toMatchObject({ truncated: false, next_cursor: null });
  });

  it("searches the whole of a file larger than the per-page byte cap, page by page", async () => {
    const line = "x".repeat(99) + "\n";
    project = createTempProject({ "big.txt": `${line.repeat(30)}needle 1\n${line.repeat(30)}needle 2\n` });
    const options = { search: { maxFileBytes: 2048 } };
    const found: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search({ query: "needle", ...(cursor ? { cursor } : {}) }, options);
      found.push(...page.results.map((r) => ("line" in r ? r.line : 0)));
      if (page.truncated) expect(page.stopped_by).toBe("file_bytes");
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(found).toEqual([31, 62]);
    expect(pages).toBeGreaterThan(1);
  });

  it("never answers complete when it stopped at the deadline", async () => {
    project = createTempProject({ "a.txt": "hit\n" });
    const result = await search({ query: "hit" }, { search: { deadlineMs: 0 } });
    expect(result).toMatchObject({ truncated: true, stopped_by: "deadline" });
    expect(result.next_cursor).toEqual(expect.any(String));
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
    expect((await search({ query: "SECRET" })).results).toEqual([]);
  });

  it.each([
    [{ query: "" }, /q is required/],
    [{ query: "x".repeat(65) }, /q is too long/],
    [{ query: "x", limit: 0 }, /limit must be/],
    [{ query: "x", limit: 21 }, /limit must be/],
    [{ query: "x", context: 11 }, /context must be a whole number from 0 to 10/],
    [{ query: "x", mode: "x" as never }, /mode must be one of lines, files, count/],
    [{ query: "(", regex: true }, /q is not a valid regular expression/],
    [{ query: "(a)\\1", regex: true }, /q cannot run in linear time/],
    [{ query: "x", cursor: "garbage" }, /cursor is not valid/],
    [{ query: "x", glob: "[a" }, /glob has a '\[' without/],
    [{ query: "x", path: "../outside" }, /path: Path must not contain/],
    [{ query: "x", path: "/etc" }, /path: Absolute/],
  ])("refuses a bad request %j with a clear message", async (request, message) => {
    project = createTempProject({ "a.txt": "x" });
    await expect(search(request)).rejects.toThrow(message);
  });

  it("refuses a cursor from a different search", async () => {
    project = createTempProject({ "a.txt": "hit\nhit\n" });
    const first = await search({ query: "hit", limit: 1 });
    await expect(search({ query: "other", cursor: first.next_cursor! })).rejects.toThrow(/different search/);
  });
});
