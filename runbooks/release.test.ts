import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextVersion, parseCommit, releaseTypeOf } from "./lib/conventional-commits.js";
import { runMain } from "./lib/run-main.js";
import { runScript } from "./lib/run-script.js";
import { main } from "./release.js";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Release Test",
  GIT_AUTHOR_EMAIL: "release@example.test",
  GIT_COMMITTER_NAME: "Release Test",
  GIT_COMMITTER_EMAIL: "release@example.test",
};

describe("conventional commits", () => {
  const c = (msg: string) => parseCommit("0123456789abcdef", msg)!;

  it("parses type, scope, subject and breaking markers", () => {
    expect(c("feat(api): add search")).toMatchObject({
      type: "feat",
      scope: "api",
      subject: "add search",
      breaking: false,
    });
    expect(c("fix!: drop v1 routes").breaking).toBe(true);
    expect(c("refactor: x\n\nBREAKING CHANGE: config renamed").breaking).toBe(true);
    expect(parseCommit("0", "Merge branch 'x'")).toBeNull();
  });

  it("bumps major for breaking, minor for feat, patch for fix, nothing otherwise", () => {
    expect(releaseTypeOf([c("fix: a"), c("feat: b"), c("chore!: c")])).toBe("major");
    expect(releaseTypeOf([c("fix: a"), c("feat: b")])).toBe("minor");
    expect(releaseTypeOf([c("fix: a"), c("docs: b")])).toBe("patch");
    expect(releaseTypeOf([c("docs: a"), c("chore: b"), c("test: c")])).toBeNull();
    expect(nextVersion("1.4.2", "minor")).toBe("1.5.0");
    expect(nextVersion("1.4.2", "major")).toBe("2.0.0");
  });
});

describe("release runbook in a temporary git repository", () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repo, env: { ...process.env, ...GIT_ENV } })
      .toString()
      .trim();
  const commit = (message: string, file = `f${Math.random().toString(36).slice(2)}.txt`) => {
    writeFileSync(join(repo, file), message);
    git("add", file);
    git("commit", "-q", "-m", message);
  };
  const release = (...args: string[]) => runMain(main, args, { cwd: repo, env: GIT_ENV });
  const version = () =>
    (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "cq-release-"));
    git("init", "-q", "-b", "main");
    writeFileSync(
      join(repo, "package.json"),
      `${JSON.stringify({ name: "demo", version: "1.0.0" }, null, 2)}\n`,
    );
    git("add", "package.json");
    git("commit", "-q", "-m", "chore: initial commit");
    git("tag", "-a", "v1.0.0", "-m", "v1.0.0");
    commit("feat(api): add search endpoint");
    commit("fix: keep empty lists valid");
    commit("docs: explain the search endpoint");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("dry run prints the plan and changes nothing (as a command)", async () => {
    const head = git("rev-parse", "HEAD");
    const result = await runScript("runbooks/release.ts", ["--dry-run", "--skip-deploy"], {
      cwd: repo,
      env: GIT_ENV,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("minor release: 1.0.0 → 1.1.0");
    expect(result.output).toContain("dry run: nothing changed");
    expect(git("rev-parse", "HEAD")).toBe(head);
    expect(git("tag", "--list")).toBe("v1.0.0");
    expect(existsSync(join(repo, "CHANGELOG.md"))).toBe(false);
    expect(version()).toBe("1.0.0");
  });

  it("refuses to change anything without --yes when there is no terminal to ask on", async () => {
    const result = await release("--skip-deploy");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/re-run with --yes/);
    expect(git("tag", "--list")).toBe("v1.0.0");
  });

  it("bumps the version, writes the changelog, commits and tags", async () => {
    const result = await release("--skip-deploy", "--yes");
    expect(result.code, result.output).toBe(0);
    expect(git("tag", "--list")).toBe("v1.0.0\nv1.1.0");
    expect(version()).toBe("1.1.0");
    expect(git("log", "-1", "--format=%s")).toBe("chore(release): v1.1.0");
    expect(git("describe", "--tags")).toBe("v1.1.0");
    expect(git("status", "--porcelain")).toBe("");
    const changelog = readFileSync(join(repo, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(/^# Changelog\n\n## v1\.1\.0 \(\d{4}-\d{2}-\d{2}\)\n/);
    expect(changelog).toMatch(/### Features\n\n- \*\*api:\*\* add search endpoint \([0-9a-f]{7}\)/);
    expect(changelog).toMatch(/### Bug fixes\n\n- keep empty lists valid/);
    expect(changelog).toMatch(/### Documentation\n\n- explain the search endpoint/);
  });

  it("does nothing when no commit since the last tag asks for a release", async () => {
    const head = git("rev-parse", "HEAD");
    const first = await release("--skip-deploy", "--yes");
    expect(first.code).toBe(0);
    expect(first.output).toContain("nothing to release");
    commit("chore: tidy up");
    const second = await release("--skip-deploy", "--yes");
    expect(second.output).toContain("nothing to release");
    expect(git("tag", "--list")).toBe("v1.0.0\nv1.1.0");
    expect(git("rev-parse", "HEAD~1")).toBe(head);
  });

  it("makes a major release for a breaking change and keeps older sections", async () => {
    commit("feat(config)!: rename GATEWAY_PORT");
    const result = await release("--skip-deploy", "--yes");
    expect(result.code, result.output).toBe(0);
    expect(version()).toBe("2.0.0");
    const changelog = readFileSync(join(repo, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(
      /## v2\.0\.0[^]*### ⚠ Breaking changes\n\n- \*\*config:\*\* rename GATEWAY_PORT[^]*## v1\.1\.0/,
    );
  });

  it("refuses to release from a dirty working tree", async () => {
    writeFileSync(join(repo, "package.json"), "{}\n");
    const result = await release("--skip-deploy", "--yes");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/uncommitted changes/);
    git("checkout", "--", "package.json");
  });
});
