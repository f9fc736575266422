import { lutimesSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeChainPastPathMax, type DeepChain } from "../testing/deep-chain.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { closeTestProjects, listedFiles, openTestProject } from "./project-fixture.js";

let project: TempProject | undefined;
let chain: DeepChain | undefined;
afterEach(() => {
  closeTestProjects();
  chain?.undo();
  project?.cleanup();
  chain = project = undefined;
});

const BUDGET = 90_000;

describe("structure", () => {
  it("lists one entry per non-empty directory, keyed by relative path", async () => {
    project = createTempProject({ "README.md": "r", "src/a.ts": "a", "src/lib/b.ts": "b" });
    project.mkdir("empty");
    const structure = await openTestProject(project.root).structure();
    expect(structure).toEqual({
      ".": { directories: ["empty", "src"], files: ["README.md"] },
      src: { directories: ["lib"], files: ["a.ts"] },
      "src/lib": { directories: [], files: ["b.ts"] },
    });
  });

  it("hides deny-listed files and directories even without ignore files", async () => {
    project = createTempProject({
      "ok.txt": "ok",
      ".env": "SECRET=1",
      ".env.production": "SECRET=2",
      "certs/server.pem": "pem",
      "certs/server.key": "key",
      "keys/id_rsa": "rsa",
      "keys/id_ed25519.pub": "pub",
      ".git/config": "git",
      ".ssh/config": "ssh",
      ".aws/credentials": "aws",
      ".npmrc": "//registry/:_authToken=x",
      ".netrc": "machine x",
      "store.p12": "p12",
      "store.pfx": "pfx",
    });
    expect(listedFiles(await openTestProject(project.root).structure())).toEqual(["ok.txt"]);
  });

  it("applies .agentignore and the root .gitignore", async () => {
    project = createTempProject({
      ".agentignore": "private/\n",
      ".gitignore": "*.log\ndist/\n",
      "app.log": "log",
      "dist/out.js": "out",
      "private/notes.md": "notes",
      "src/a.ts": "a",
    });
    expect(listedFiles(await openTestProject(project.root).structure()).sort()).toEqual([
      ".agentignore",
      ".gitignore",
      "src/a.ts",
    ]);
  });

  it("applies nested .gitignore files relative to their own directory", async () => {
    project = createTempProject({
      "pkg/.gitignore": "generated.ts\n/local-only/\n",
      "pkg/generated.ts": "g",
      "pkg/sub/generated.ts": "g",
      "pkg/local-only/x.ts": "x",
      "pkg/keep.ts": "k",
      "generated.ts": "root file with the same name is not ignored",
      "local-only/y.ts": "y",
    });
    expect(listedFiles(await openTestProject(project.root).structure()).sort()).toEqual([
      "generated.ts",
      "local-only/y.ts",
      "pkg/.gitignore",
      "pkg/keep.ts",
    ]);
  });

  it("anchors a pattern with an inner slash to the ignore file's directory", async () => {
    project = createTempProject({
      ".gitignore": "docs/internal/\n",
      "docs/internal/plan.md": "p",
      "docs/public.md": "d",
      "other/docs/internal/kept.md": "k",
    });
    expect(listedFiles(await openTestProject(project.root).structure()).sort()).toEqual([
      ".gitignore",
      "docs/public.md",
      "other/docs/internal/kept.md",
    ]);
  });

  it("lets a deeper .gitignore re-include what a shallower one ignored", async () => {
    project = createTempProject({
      ".gitignore": "*.md\n",
      "docs/.gitignore": "!keep.md\n",
      "docs/keep.md": "k",
      "docs/drop.md": "d",
    });
    expect(listedFiles(await openTestProject(project.root).structure())).toContain("docs/keep.md");
    expect(listedFiles(await openTestProject(project.root).structure())).not.toContain("docs/drop.md");
  });

  it("never re-includes a deny-listed file through a negated ignore pattern", async () => {
    project = createTempProject({ ".gitignore": "!.env\n", ".env": "SECRET=1", "a.txt": "a" });
    expect(listedFiles(await openTestProject(project.root).structure())).not.toContain(".env");
  });

  it("leaves out symlinks that lead outside the project, file or directory", async () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("out-file.txt", `${project.outside}/secret.txt`);
    project.symlink("out-dir", `${project.outside}/dir`);
    const structure = await openTestProject(project.root).structure();
    expect(structure).toEqual({ ".": { directories: [], files: ["a.txt"] } });
  });

  it("lists symlinks that stay inside, without descending into linked directories", async () => {
    project = createTempProject({ "real/b.txt": "b" });
    project.symlink("alias.txt", "real/b.txt");
    project.symlink("alias-dir", "real");
    const structure = await openTestProject(project.root).structure();
    expect(structure["."]).toEqual({ directories: ["alias-dir", "real"], files: ["alias.txt"] });
    expect(Object.keys(structure)).toEqual([".", "real"]);
  });

  it("does not list a symlink whose target is ignored", async () => {
    project = createTempProject({ "a.txt": "a", ".env": "SECRET=1" });
    project.symlink("innocent.txt", ".env");
    expect(listedFiles(await openTestProject(project.root).structure())).toEqual(["a.txt"]);
  });
});

describe("user-controlled names", () => {
  it.each(["__proto__", "constructor", "hasOwnProperty", "toString"])(
    "lists, pages and searches a directory named %s like any other",
    async (name) => {
      project = createTempProject({
        [`${name}/a.txt`]: "needle",
        [`src/${name}/b.txt`]: "needle",
        "c.txt": "c",
      });
      const core = openTestProject(project.root);
      const structure = await core.structure();
      expect(Object.keys(structure).sort()).toEqual([".", name, "src", `src/${name}`].sort());
      const served = JSON.parse(JSON.stringify(structure)) as Record<string, unknown>;
      expect(Object.getOwnPropertyDescriptor(served, name)?.value).toEqual({
        directories: [],
        files: ["a.txt"],
      });
      expect(listedFiles(structure).sort()).toEqual(["c.txt", `${name}/a.txt`, `src/${name}/b.txt`].sort());
      const sub = await core.listStructure({ path: name, maxChars: BUDGET });
      expect(Object.keys(sub)).toEqual([name]);
      const page = await core.listFiles({ maxChars: BUDGET });
      expect(page.files.map((f) => f.path).sort()).toEqual(
        [`${name}/a.txt`, "c.txt", `src/${name}/b.txt`].sort(),
      );
      const found = await core.search({ query: "needle" });
      expect(found.results.map((r) => r.path).sort()).toEqual([`${name}/a.txt`, `src/${name}/b.txt`].sort());
    },
  );
});

describe("directories that cannot be read", () => {
  it("skips and reports a directory chain deeper than PATH_MAX, and serves everything else", async () => {
    project = createTempProject({ "a.txt": "needle", "src/b.ts": "b" });
    chain = makeChainPastPathMax(project.root, "deep");
    const core = openTestProject(project.root, { limits: { maxFiles: 100_000 } });

    const files = listedFiles(await core.structure());
    expect(files).toEqual(
      expect.arrayContaining(["a.txt", "src/b.ts", `${chain.reachableDir}/reachable.txt`]),
    );
    expect(files.some((f) => f.endsWith("deep.txt"))).toBe(false);

    const answer = await core.listStructure({ maxChars: BUDGET });
    // Named (its middle elided: the path is too long to use anyway) with the reason.
    const report = answer["/unreadable"] as { count: number; directories: { path: string; error: string }[] };
    expect(report.count).toBe(1);
    const [skipped] = report.directories;
    expect(skipped?.error).toBe("path too long for the operating system (PATH_MAX)");
    expect(skipped?.path.startsWith(chain.firstTooLong.slice(0, 100))).toBe(true);
    expect(skipped?.path.endsWith(chain.firstTooLong.slice(-100))).toBe(true);
    const page = await core.listFiles({ maxChars: BUDGET });
    expect(page.files.map((f) => f.path)).toContain("a.txt");
    expect(page.unreadable?.count).toBe(1);
    const found = await core.search({ query: "needle" });
    expect(found.results.map((r) => r.path)).toEqual(
      expect.arrayContaining(["a.txt", `${chain.reachableDir}/reachable.txt`]),
    );
  });
});

/** Moves every timestamp an hour back, so the caches trust what they saw (see cache.test.ts). */
function age(root: string): void {
  const past = new Date(Date.now() - 3_600_000);
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      lutimesSync(path, past, past);
    }
  };
  visit(root);
}

describe("symlinked ignore files", () => {
  it("follows a symlinked .agentignore that resolves inside the project", async () => {
    project = createTempProject({
      "config/agentignore": "private/\n",
      "private/p.txt": "hidden needle",
      "a.txt": "visible needle",
    });
    project.symlink(".agentignore", "config/agentignore");
    const core = openTestProject(project.root);
    expect(listedFiles(await core.structure())).not.toContain("private/p.txt");
    expect((await core.readFiles(["private/p.txt"])).results["private/p.txt"]).toEqual({
      error: "File not found",
    });
    expect((await core.search({ query: "needle" })).results.map((r) => r.path)).toEqual(["a.txt"]);
  });

  it("serves nothing under a directory whose .agentignore leads outside the project, with a warning", async () => {
    project = createTempProject({
      "pkg/public.txt": "needle",
      "pkg/private/p.txt": "needle",
      "other.txt": "needle",
    });
    writeFileSync(join(project.outside, "agentignore"), "private/\n");
    project.symlink("pkg/.agentignore", join(project.outside, "agentignore"));
    const warnings: string[] = [];
    const core = openTestProject(project.root, { onWarning: (m) => warnings.push(m) });
    expect(listedFiles(await core.structure())).toEqual(["other.txt"]);
    expect((await core.readFiles(["pkg/public.txt"])).results["pkg/public.txt"]).toEqual({
      error: "File not found",
    });
    expect((await core.search({ query: "needle" })).results.map((r) => r.path)).toEqual(["other.txt"]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^pkg\/\.agentignore is a symlink that leads outside the project: nothing in pkg\//,
      ),
    ]);
  });

  it("serves nothing under a directory whose .gitignore is a dangling symlink", async () => {
    project = createTempProject({ "pkg/public.txt": "p", "other.txt": "o" });
    project.symlink("pkg/.gitignore", "nowhere");
    const warnings: string[] = [];
    const core = openTestProject(project.root, { onWarning: (m) => warnings.push(m) });
    expect(listedFiles(await core.structure())).toEqual(["other.txt"]);
    expect(warnings).toHaveLength(1);
  });

  it("sees an edit of a symlinked ignore file's target while the watches vouch for the tree", async () => {
    project = createTempProject({ "config/agentignore": "private/\n", "a.txt": "a", "b.txt": "b" });
    project.symlink(".agentignore", "config/agentignore");
    age(project.root);
    const core = openTestProject(project.root, { clockNs: () => BigInt(Date.now() + 600_000) * 1_000_000n });
    await core.structure();
    await core.watchesInstalled();
    await core.structure();
    const hits = core.treeStats.watchHits;
    await core.structure();
    expect(core.treeStats.watchHits).toBe(hits + 1); // armed: answers come from the watches
    writeFileSync(join(project.root, "config/agentignore"), "private/\nb.txt\n");
    expect(listedFiles(await core.structure())).not.toContain("b.txt");
  });
});
