import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { FileListPage } from "./file-listing.js";
import type { Project } from "./project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";
import type { StructureAnswer, TruncationNote } from "./structure-listing.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
  project = undefined;
});

const BUDGET = 90_000;

function open(files: Record<string, string>) {
  project = createTempProject(files);
  return openTestProject(project.root);
}

/** A tree four levels deep (about 5,000 characters listed): app/{a..e}/{v..z}/file-*.ts plus files at every level. */
function layered(): Record<string, string> {
  const files: Record<string, string> = { "README.md": "r", "app/index.ts": "i" };
  for (const sub of ["a", "b", "c", "d", "e"]) {
    files[`app/${sub}/mod.ts`] = "m";
    for (const leaf of ["v", "w", "x", "y", "z"])
      for (let i = 0; i < 4; i++) files[`app/${sub}/${leaf}/file-${i}-${"n".repeat(30)}.ts`] = "f";
  }
  return files;
}

const size = (answer: unknown) => JSON.stringify(answer).length;
const noteOf = (answer: StructureAnswer) => answer["/truncated"] as TruncationNote | undefined;
const entryKeys = (answer: StructureAnswer) => Object.keys(answer).filter((k) => !k.startsWith("/"));

async function allPages(
  core: Project,
  request: { path?: string; glob?: string; limit?: number; maxChars?: number },
) {
  const pages: FileListPage[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await core.listFiles({ maxChars: BUDGET, ...request, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    if (page.next_cursor === null) return pages;
    cursor = page.next_cursor;
  }
  throw new Error("paging did not end");
}

describe("structure of a subtree", () => {
  it("answers only what lies under path, one level deep with depth=1", async () => {
    const core = open(layered());
    expect(await core.listStructure({ path: "app", depth: 1, maxChars: BUDGET })).toEqual({
      app: { directories: ["a", "b", "c", "d", "e"], files: ["index.ts"] },
    });
  });

  it("answers depth levels below path, keyed by paths relative to the root", async () => {
    const core = open(layered());
    const answer = await core.listStructure({ path: "app", depth: 2, maxChars: BUDGET });
    expect(entryKeys(answer)).toEqual(["app", "app/a", "app/b", "app/c", "app/d", "app/e"]);
    expect(answer["app/a"]).toEqual({ directories: ["v", "w", "x", "y", "z"], files: ["mod.ts"] });
  });

  it("answers every level below path without depth, as the whole listing has them", async () => {
    const core = open(layered());
    const whole = await core.structure();
    const answer = await core.listStructure({ path: "app/a", maxChars: BUDGET });
    expect(entryKeys(answer)).toEqual(["app/a", "app/a/v", "app/a/w", "app/a/x", "app/a/y", "app/a/z"]);
    for (const key of entryKeys(answer)) expect(answer[key]).toEqual(whole[key]);
  });

  it("answers the whole tree, the very same answer, without parameters", async () => {
    const core = open(layered());
    const answer = await core.listStructure({ maxChars: BUDGET });
    expect(JSON.stringify(answer)).toBe(JSON.stringify(await core.structure()));
    expect(await core.listStructure({ maxChars: BUDGET })).toBe(answer);
  });

  it("keys a directory reached through a symlink under the link's name", async () => {
    const core = open({ "real/sub/a.txt": "a" });
    project!.symlink("alias", "real");
    expect(await core.listStructure({ path: "alias", maxChars: BUDGET })).toEqual({
      alias: { directories: ["sub"], files: [] },
      "alias/sub": { directories: [], files: ["a.txt"] },
    });
  });

  it.each([
    ["../outside", 400, "path: Path must not contain '..'"],
    ["/etc", 400, "path: Absolute paths are not allowed: give a path relative to the project root"],
    ["escape", 400, "path: Path is outside the project"],
    ["README.md", 400, "path must be a directory: README.md is a file (read it instead)"],
    ["missing", 404, "Directory not found: missing"],
    ["ignored", 404, "Directory not found: ignored"],
    [".git", 404, "Directory not found: .git"],
  ])("refuses path %s with %i", async (path, status, message) => {
    const core = open({
      "README.md": "r",
      ".gitignore": "ignored/\n",
      "ignored/a.txt": "a",
      ".git/config": "c",
    });
    project!.symlink("escape", project!.outside);
    const refused = core.listStructure({ path, maxChars: BUDGET });
    await expect(refused).rejects.toMatchObject({ status, message });
  });
});

describe("structure within the answer budget", () => {
  it("keeps the deepest complete levels that fit and names the directories it did not expand", async () => {
    const core = open(layered());
    const whole = await core.structure();
    const full = size(whole);
    expect(full).toBeGreaterThan(4000);
    for (let budget = full - 1; budget >= 1000; budget -= 7) {
      const answer = await core.listStructure({ maxChars: budget });
      expect(size(answer), `budget ${budget}`).toBeLessThanOrEqual(budget);
      const note = noteOf(answer);
      expect(note, `budget ${budget}`).toBeDefined();
      if (note!.entry_cut) continue;
      const depthOf = (key: string) => (key === "." ? 1 : key.split("/").length + 1);
      const shown = Object.keys(whole).filter((key) => depthOf(key) <= note!.levels_shown);
      expect(entryKeys(answer).sort(), `budget ${budget}`).toEqual(shown.sort());
      for (const key of shown) expect(answer[key]).toEqual(whole[key]);
      expect(note!.not_expanded.sort()).toEqual(
        Object.keys(whole)
          .filter((key) => depthOf(key) === note!.levels_shown + 1)
          .sort(),
      );
    }
  });

  it("shows as many levels as fit: one more level would not", async () => {
    const core = open(layered());
    const full = size(await core.structure());
    const answer = await core.listStructure({ maxChars: full - 1 });
    expect(noteOf(answer)?.levels_shown).toBe(3);
    const shallower = await core.listStructure({ maxChars: size(answer) - 1 });
    expect(noteOf(shallower)?.levels_shown).toBe(2);
  });

  it("says how to go deeper, inside the answer", async () => {
    const core = open(layered());
    const note = noteOf(await core.listStructure({ maxChars: 1000 }));
    expect(note).toMatchObject({
      reason: "The listing is larger than the answer budget (1000 characters of JSON)",
      how_to_continue: expect.stringContaining("path set to it"),
    });
  });

  it("cuts the requested directory's own entry when even that does not fit, and says by how much", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`big/file-${String(i).padStart(4, "0")}.txt`] = "x";
    for (let i = 0; i < 20; i++) files[`big/dir-${i}/a.txt`] = "a";
    const core = open(files);
    const answer = await core.listStructure({ path: "big", maxChars: 2000 });
    expect(size(answer)).toBeLessThanOrEqual(2000);
    const note = noteOf(answer)!;
    const entry = answer["big"] as { directories: string[]; files: string[] };
    expect(note.entry_cut).toEqual({
      path: "big",
      directories_shown: 20,
      directories_total: 20,
      files_shown: entry.files.length,
      files_total: 300,
    });
    expect(entry.files.length).toBeGreaterThan(10);
    expect(entry.files).toEqual(
      Array.from({ length: entry.files.length }, (_, i) => `file-${String(i).padStart(4, "0")}.txt`),
    );
    expect(note.not_expanded).toHaveLength(20);
  });

  it("adds no note when depth, not the budget, stops the listing", async () => {
    const core = open(layered());
    const answer = await core.listStructure({ depth: 2, maxChars: BUDGET });
    expect(Object.keys(answer)).toEqual([".", "app"]);
    expect(size(answer)).toBeLessThan(size(await core.structure()));
  });
});

describe("GET /files/list pages", () => {
  const tree = () => {
    const files: Record<string, string> = { ".env": "SECRET=1", ".gitignore": "*.log\n", "app.log": "l" };
    for (let i = 0; i < 25; i++) files[`src/m${i}/f${i}.ts`] = "x".repeat(i);
    files["README.md"] = "readme";
    return files;
  };
  const visible = () =>
    Object.keys(tree())
      .filter((p) => p !== ".env" && p !== "app.log")
      .sort();

  it("yields every visible file exactly once, in code-unit order, following next_cursor", async () => {
    const core = open(tree());
    const pages = await allPages(core, { limit: 4 });
    expect(pages.flatMap((p) => p.files.map((f) => f.path))).toEqual(visible());
    expect(pages.slice(0, -1).every((p) => p.files.length === 4)).toBe(true);
  });

  it("gives each file's size in bytes", async () => {
    const core = open(tree());
    const page = await core.listFiles({ path: "src/m7", maxChars: BUDGET });
    expect(page).toEqual({ files: [{ path: "src/m7/f7.ts", size: 7 }], next_cursor: null });
  });

  it("pages only under path, and only files matching glob", async () => {
    const core = open(tree());
    const under = (await allPages(core, { path: "src", glob: "f1*.ts", limit: 3 })).flatMap((p) => p.files);
    expect(under.map((f) => f.path)).toEqual(visible().filter((p) => /^src\/m1\d*\/f1\d*\.ts$/.test(p)));
    const byPath = (await allPages(core, { glob: "src/m2*/**" })).flatMap((p) => p.files.map((f) => f.path));
    expect(byPath).toEqual(visible().filter((p) => p.startsWith("src/m2")));
  });

  it("ends each page before the answer budget, and still covers every file", async () => {
    const core = open(tree());
    const pages = await allPages(core, { maxChars: 400 });
    for (const page of pages) expect(size(page)).toBeLessThanOrEqual(400);
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.flatMap((p) => p.files.map((f) => f.path))).toEqual(visible());
  });

  it("resumes exactly after the cursor while the tree changes between pages", async () => {
    const core = open(tree());
    const first = await core.listFiles({ limit: 10, maxChars: BUDGET });
    const seen = first.files.map((f) => f.path);
    const last = seen.at(-1)!;
    // Before the cursor: never returned. After: returned. Deleted before being reached: not returned.
    writeFileSync(join(project!.root, "0-early.txt"), "e");
    project!.write("src/m9/z-late.ts", "l");
    rmSync(join(project!.root, "src/m8"), { recursive: true });
    rmSync(join(project!.root, last));
    let cursor = first.next_cursor;
    const rest: string[] = [];
    while (cursor !== null) {
      const page = await core.listFiles({ limit: 10, cursor, maxChars: BUDGET });
      rest.push(...page.files.map((f) => f.path));
      cursor = page.next_cursor;
    }
    const expected = visible()
      .filter((p) => p > last && !p.startsWith("src/m8/"))
      .concat("src/m9/z-late.ts")
      .sort();
    expect(rest).toEqual(expected);
    expect(new Set([...seen, ...rest]).size).toBe(seen.length + rest.length);
  });

  it.each([
    ["a cursor that is not base64url JSON", { cursor: "not a cursor!" }, "cursor is not valid"],
    ["a cursor with extra characters", { cursor: "eyJ2IjoxLCJhZnRlciI6ImEifQ==" }, "cursor is not valid"],
    [
      "a cursor of another version",
      { cursor: Buffer.from('{"v":2,"after":"a"}').toString("base64url") },
      "cursor is not valid",
    ],
    [
      "a cursor from another path",
      { path: "src", cursor: Buffer.from('{"v":1,"after":"README.md"}').toString("base64url") },
      "cursor does not belong to this path",
    ],
    ["limit 0", { limit: 0 }, "limit must be a whole number from 1 to 10000"],
    ["limit 10001", { limit: 10_001 }, "limit must be a whole number from 1 to 10000"],
    ["an overlong glob", { glob: "*".repeat(257) }, "glob is too long"],
    ["a path outside", { path: "../x" }, "path: Path must not contain '..'"],
  ])("refuses %s", async (_what, request, message) => {
    const core = open(tree());
    await expect(core.listFiles({ maxChars: BUDGET, ...request })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(message),
    });
  });
});
