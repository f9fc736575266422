import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { closeTestProjects, listedFiles, openTestProject } from "./project-fixture.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

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
