import { lutimesSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { Project } from "./project.js";
import { closeTestProjects, listedFiles, openTestProject } from "./project-fixture.js";
import type { WatchMode } from "./tree.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

const HOUR_MS = 3_600_000;

/** Moves every timestamp an hour back, so the next edit is certain to change it. */
function age(root: string): void {
  const past = new Date(Date.now() - HOUR_MS);
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      lutimesSync(path, past, past);
    }
  };
  visit(root);
  lutimesSync(root, past, past);
}

/** The entry of a whole one-line text file. */
const text = (content: string) => ({ content, total_lines: 1, start_line: 1, end_line: 1 });

/** A clock ten minutes ahead: everything on disk counts as settled, so the caches are used. */
const aheadClock = () => BigInt(Date.now() + 600_000) * 1_000_000n;

function settledProject(files: Record<string, string>, watch: WatchMode = "auto") {
  project = createTempProject(files);
  age(project.root);
  const core = openTestProject(project.root, { clockNs: aheadClock, watch });
  return core;
}

/**
 * Lists once; with watches, also waits for them and lets a stat check arm them, then proves the
 * next answer comes from the watches alone — so what follows tests the watch path.
 */
async function warm(core: Project, watch: WatchMode): Promise<void> {
  await core.structure();
  if (watch === "off") return;
  await core.watchesInstalled();
  await core.structure();
  const { watchHits, statChecks, walks } = core.treeStats;
  await core.structure();
  expect(core.treeStats).toEqual({ watchHits: watchHits + 1, statChecks, walks });
}

describe.each([
  { mode: "stat checks", watch: "off" as const },
  { mode: "directory watches", watch: "auto" as const },
])("structure freshness with $mode", ({ watch }) => {
  const open = (files: Record<string, string>) => settledProject(files, watch);

  it("reuses the cached structure while nothing changed", async () => {
    const core = open({ "a.txt": "a", "src/b.ts": "b" });
    await warm(core, watch);
    const first = await core.structure();
    const walks = core.treeStats.walks;
    expect(await core.structure()).toBe(first);
    expect(core.treeStats.walks).toBe(walks);
  });

  it("shows an added file at once", async () => {
    const core = open({ "a.txt": "a", "src/b.ts": "b" });
    await warm(core, watch);
    project!.write("src/new.ts", "n");
    expect(listedFiles(await core.structure())).toContain("src/new.ts");
  });

  it("drops a deleted file and a deleted directory at once", async () => {
    const core = open({ "a.txt": "a", "src/b.ts": "b", "docs/d.md": "d" });
    await warm(core, watch);
    project!.remove("src/b.ts");
    project!.remove("docs");
    expect(await core.structure()).toEqual({ ".": { directories: ["src"], files: ["a.txt"] } });
  });

  it("applies an edited .gitignore at once, root or nested", async () => {
    const core = open({
      ".gitignore": "",
      "a.log": "l",
      "pkg/.gitignore": "",
      "pkg/gen.ts": "g",
      "pkg/keep.ts": "k",
    });
    await warm(core, watch);
    expect(listedFiles(await core.structure())).toContain("pkg/gen.ts");
    writeFileSync(join(project!.root, ".gitignore"), "*.log\n");
    writeFileSync(join(project!.root, "pkg/.gitignore"), "gen.ts\n");
    const files = listedFiles(await core.structure());
    expect(files).not.toContain("a.log");
    expect(files).not.toContain("pkg/gen.ts");
    expect(files).toContain("pkg/keep.ts");
  });

  it("applies an added and a deleted ignore file at once, to content and search too", async () => {
    const core = open({ "a.log": "needle", "pkg/.gitignore": "*.txt\n", "pkg/t.txt": "needle" });
    await warm(core, watch);
    project!.write(".agentignore", "*.log\n");
    project!.remove("pkg/.gitignore");
    expect(listedFiles(await core.structure()).sort()).toEqual([".agentignore", "pkg/t.txt"]);
    expect((await core.readFiles(["a.log"])).results["a.log"]).toEqual({ error: "File not found" });
    expect((await core.search({ query: "needle" })).results.map((r) => r.path)).toEqual(["pkg/t.txt"]);
  });

  it("drops a symlink at once when its target is swapped for one that leads outside", async () => {
    const core = open({ "real/b.txt": "b", "links/keep.txt": "k" });
    project!.symlink("links/alias.txt", "../real/b.txt");
    age(project!.root);
    await warm(core, watch);
    expect(listedFiles(await core.structure())).toContain("links/alias.txt");
    project!.remove("real/b.txt");
    project!.symlink("real/b.txt", `${project!.outside}/secret.txt`);
    const files = listedFiles(await core.structure());
    expect(files).not.toContain("links/alias.txt");
    expect(files).not.toContain("real/b.txt");
  });

  it("never trusts a directory changed in the same clock tick as the cached listing (real clock)", async () => {
    project = createTempProject({ "a.txt": "a" });
    const core = openTestProject(project.root, { watch });
    await core.structure();
    project.write("b.txt", "b");
    expect(listedFiles(await core.structure())).toEqual(["a.txt", "b.txt"]);
  });
});

describe("file content cache", () => {
  it("serves cached content and line index while a file is unchanged", async () => {
    const core = settledProject({ "a.txt": "hello" });
    await core.readFiles(["a.txt"]);
    const before = { ...core.cacheStats };
    const builds = core.lineIndexStats.builds;
    expect((await core.readFiles(["a.txt"])).results["a.txt"]).toEqual(text("hello"));
    expect(core.cacheStats).toEqual({ hits: before.hits + 1, misses: before.misses });
    expect(core.lineIndexStats.builds).toBe(builds);
  });

  it("re-indexes an edited file: line ranges never use stale offsets", async () => {
    const core = settledProject({ "a.txt": "one\ntwo\nthree\n" });
    expect(
      (await core.readFiles([{ path: "a.txt", start_line: 2, end_line: 2 }])).results["a.txt"],
    ).toMatchObject({
      content: "two\n",
    });
    writeFileSync(join(project!.root, "a.txt"), "a much longer first line\nsecond\nthird\n");
    expect((await core.readFiles([{ path: "a.txt", start_line: 2, end_line: 2 }])).results["a.txt"]).toEqual({
      content: "second\n",
      total_lines: 3,
      start_line: 2,
      end_line: 2,
    });
  });

  it("serves edited content at once, even a same-size edit with the old mtime restored", async () => {
    const core = settledProject({ "a.txt": "hello", "b.txt": "world" });
    await core.readFiles(["a.txt", "b.txt"]);
    writeFileSync(join(project!.root, "a.txt"), "HELLO, longer");
    writeFileSync(join(project!.root, "b.txt"), "WORLD");
    const past = new Date(Date.now() - HOUR_MS);
    lutimesSync(join(project!.root, "b.txt"), past, past);
    const { results } = await core.readFiles(["a.txt", "b.txt"]);
    expect(results).toEqual({ "a.txt": text("HELLO, longer"), "b.txt": text("WORLD") });
  });

  it("reports a deleted file as missing at once", async () => {
    const core = settledProject({ "a.txt": "hello" });
    await core.readFiles(["a.txt"]);
    project!.remove("a.txt");
    expect((await core.readFiles(["a.txt"])).allMissing).toBe(true);
  });

  it("never trusts a file changed in the same clock tick as the cached read (real clock)", async () => {
    project = createTempProject({ "a.txt": "aaaa" });
    const core = openTestProject(project.root);
    for (const next of ["bbbb", "cccc", "dddd"]) {
      await core.readFiles(["a.txt"]);
      writeFileSync(join(project.root, "a.txt"), next);
      expect((await core.readFiles(["a.txt"])).results["a.txt"]).toEqual(text(next));
    }
  });
});
