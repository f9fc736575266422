import { lutimesSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { listedFiles, openTestProject } from "./project-fixture.js";

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

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

/** A clock ten minutes ahead: everything on disk counts as settled, so the caches are used. */
const aheadClock = () => BigInt(Date.now() + 600_000) * 1_000_000n;

function settledProject(files: Record<string, string>) {
  project = createTempProject(files);
  age(project.root);
  return openTestProject(project.root, { clockNs: aheadClock });
}

describe("cache freshness", () => {
  it("reuses the cached structure while nothing changed", async () => {
    const core = settledProject({ "a.txt": "a", "src/b.ts": "b" });
    const first = await core.structure();
    expect(await core.structure()).toBe(first);
  });

  it("shows an added file at once", async () => {
    const core = settledProject({ "a.txt": "a", "src/b.ts": "b" });
    await core.structure();
    project!.write("src/new.ts", "n");
    expect(listedFiles(await core.structure())).toContain("src/new.ts");
  });

  it("drops a deleted file and a deleted directory at once", async () => {
    const core = settledProject({ "a.txt": "a", "src/b.ts": "b", "docs/d.md": "d" });
    await core.structure();
    project!.remove("src/b.ts");
    project!.remove("docs");
    expect(await core.structure()).toEqual({ ".": { directories: ["src"], files: ["a.txt"] } });
  });

  it("applies an edited .gitignore at once, root or nested", async () => {
    const core = settledProject({
      ".gitignore": "",
      "a.log": "l",
      "pkg/.gitignore": "",
      "pkg/gen.ts": "g",
      "pkg/keep.ts": "k",
    });
    expect(listedFiles(await core.structure())).toContain("pkg/gen.ts");
    writeFileSync(join(project!.root, ".gitignore"), "*.log\n");
    writeFileSync(join(project!.root, "pkg/.gitignore"), "gen.ts\n");
    const files = listedFiles(await core.structure());
    expect(files).not.toContain("a.log");
    expect(files).not.toContain("pkg/gen.ts");
    expect(files).toContain("pkg/keep.ts");
  });

  it("applies an added and a deleted ignore file at once, to content and search too", async () => {
    const core = settledProject({ "a.log": "needle", "pkg/.gitignore": "*.txt\n", "pkg/t.txt": "needle" });
    await core.structure();
    project!.write(".agentignore", "*.log\n");
    project!.remove("pkg/.gitignore");
    expect(listedFiles(await core.structure()).sort()).toEqual([".agentignore", "pkg/t.txt"]);
    expect(core.readFiles(["a.log"]).results["a.log"]).toEqual({ error: "File not found" });
    expect((await core.search({ query: "needle" })).results.map((r) => r.path)).toEqual(["pkg/t.txt"]);
  });

  it("drops a symlink at once when its target is swapped for one that leads outside", async () => {
    const core = settledProject({ "real/b.txt": "b", "links/keep.txt": "k" });
    project!.symlink("links/alias.txt", "../real/b.txt");
    age(project!.root);
    expect(listedFiles(await core.structure())).toContain("links/alias.txt");
    project!.remove("real/b.txt");
    project!.symlink("real/b.txt", `${project!.outside}/secret.txt`);
    const files = listedFiles(await core.structure());
    expect(files).not.toContain("links/alias.txt");
    expect(files).not.toContain("real/b.txt");
  });

  it("serves cached content while a file is unchanged", () => {
    const core = settledProject({ "a.txt": "hello" });
    core.readFiles(["a.txt"]);
    const before = core.cacheStats.hits;
    expect(core.readFiles(["a.txt"]).results["a.txt"]).toEqual({ content: "hello" });
    expect(core.cacheStats.hits).toBe(before + 1);
  });

  it("serves edited content at once, even a same-size edit with the old mtime restored", () => {
    const core = settledProject({ "a.txt": "hello", "b.txt": "world" });
    core.readFiles(["a.txt", "b.txt"]);
    writeFileSync(join(project!.root, "a.txt"), "HELLO, longer");
    writeFileSync(join(project!.root, "b.txt"), "WORLD");
    const past = new Date(Date.now() - HOUR_MS);
    lutimesSync(join(project!.root, "b.txt"), past, past);
    const { results } = core.readFiles(["a.txt", "b.txt"]);
    expect(results).toEqual({ "a.txt": { content: "HELLO, longer" }, "b.txt": { content: "WORLD" } });
  });

  it("reports a deleted file as missing at once", () => {
    const core = settledProject({ "a.txt": "hello" });
    core.readFiles(["a.txt"]);
    project!.remove("a.txt");
    expect(core.readFiles(["a.txt"]).allMissing).toBe(true);
  });

  it("never trusts a file changed in the same clock tick as the cached read (real clock)", () => {
    project = createTempProject({ "a.txt": "aaaa" });
    const core = openTestProject(project.root);
    for (const next of ["bbbb", "cccc", "dddd"]) {
      core.readFiles(["a.txt"]);
      writeFileSync(join(project.root, "a.txt"), next);
      expect(core.readFiles(["a.txt"]).results["a.txt"]).toEqual({ content: next });
    }
  });

  it("never trusts a directory changed in the same clock tick as the cached listing (real clock)", async () => {
    project = createTempProject({ "a.txt": "a" });
    const core = openTestProject(project.root);
    await core.structure();
    project.write("b.txt", "b");
    expect(listedFiles(await core.structure())).toEqual(["a.txt", "b.txt"]);
  });
});
