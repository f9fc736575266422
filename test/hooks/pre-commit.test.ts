import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../runbooks/lib/run-script.js";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Hook Test",
  GIT_AUTHOR_EMAIL: "hooks@example.test",
  GIT_COMMITTER_NAME: "Hook Test",
  GIT_COMMITTER_EMAIL: "hooks@example.test",
  NO_COLOR: "1",
};

// A fake AWS secret key, assembled at run time so this file itself passes the secret scan.
const fakeSecretKey = () =>
  ["wJalr", "XUtnFEMI", "K7MDENG", "bPxRfiCY", "EXAMPLEKEY1234"].join("/").slice(0, 40);

describe("pre-commit hook (husky + lint-staged)", { timeout: 180_000 }, () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env: GIT_ENV }).toString().trim();
  const commit = (message: string, file: string) =>
    spawnSync("git", ["commit", "-m", message, "--", file], {
      cwd: repo,
      env: GIT_ENV,
      encoding: "utf8",
      timeout: 120_000,
    });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "cq-hooks-"));
    // The repository's own hook and configs; its node_modules and scripts by symlink (no install).
    for (const dir of ["node_modules", "scripts", "runbooks", "app"])
      symlinkSync(join(REPO_ROOT, dir), join(repo, dir));
    for (const file of [
      ".lintstagedrc.json",
      ".prettierrc.json",
      ".prettierignore",
      "eslint.config.js",
      "package.json",
    ]) {
      copyFileSync(join(REPO_ROOT, file), join(repo, file));
    }
    writeFileSync(join(repo, ".gitignore"), "node_modules\nscripts\nrunbooks\napp\n");
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-q", "--no-verify", "-m", "chore: initial");
    execFileSync(join(repo, "node_modules/.bin/husky"), [], { cwd: repo });
    mkdirSync(join(repo, ".husky"), { recursive: true });
    copyFileSync(join(REPO_ROOT, ".husky/pre-commit"), join(repo, ".husky/pre-commit"));
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("formats a badly formatted staged file and fixes what eslint can fix, then commits it", () => {
    writeFileSync(
      join(repo, "ugly.ts"),
      "const   x = {a:1,b:2}\nexport function f(y: number) { if (!!y) return x; return null }\n",
    );
    git("add", "ugly.ts");
    const result = commit("feat: ugly file", "ugly.ts");
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(git("show", "HEAD:ugly.ts")).toBe(
      [
        "const x = { a: 1, b: 2 };",
        "export function f(y: number) {",
        "  if (y) return x;",
        "  return null;",
        "}",
      ].join("\n"),
    );
  });

  it("refuses a staged file with an AWS secret key: non-zero exit, nothing committed, secret not shown", () => {
    const head = git("rev-parse", "HEAD");
    const secret = fakeSecretKey();
    writeFileSync(join(repo, "config.ts"), `export const awsSecretAccessKey = "${secret}";\n`);
    git("add", "config.ts");
    const result = commit("feat: leak", "config.ts");
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain("config.ts:1: AWS secret access key");
    expect(output).not.toContain(secret);
    expect(git("rev-parse", "HEAD")).toBe(head);
    expect(git("ls-tree", "-r", "--name-only", "HEAD")).not.toContain("config.ts");
  });

  it("refuses a staged .env file", () => {
    const head = git("rev-parse", "HEAD");
    writeFileSync(join(repo, ".env"), "ADMIN_API_KEY=whatever\n");
    git("add", "-f", ".env");
    const result = commit("chore: env", ".env");
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(".env:0: .env file");
    expect(git("rev-parse", "HEAD")).toBe(head);
  });
});
