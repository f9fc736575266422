/**
 * The first install says what it is doing and about how long it takes, before npm's own silence;
 * an install that is up to date says nothing and runs nothing. Run with `make -n` (print the
 * commands, run none) on a copy of the Makefile beside a package.json and lock file.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function checkout(): string {
  dir = mkdtempSync(join(tmpdir(), "cq-install-"));
  copyFileSync("Makefile", join(dir, "Makefile"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(join(dir, "package-lock.json"), "{}\n");
  return dir;
}

async function makeInstall(cwd: string): Promise<string> {
  const env = { ...process.env };
  for (const name of ["MAKEFLAGS", "MFLAGS", "MAKELEVEL"]) delete env[name];
  const { stdout } = await run("make", ["-n", "--no-print-directory", "install"], { cwd, env });
  return stdout;
}

describe("make install", () => {
  it("says what it does and about how long, when node_modules is missing", async () => {
    const out = await makeInstall(checkout());
    expect(out).toMatch(/Installing dependencies \(npm ci\): about 1–2 minutes the first time/);
    expect(out).toMatch(/npm ci --no-audit --no-fund/);
  });

  it("installs again when the lock file is newer than the last install", async () => {
    const cwd = checkout();
    mkdirSync(join(cwd, "node_modules"));
    writeFileSync(join(cwd, "node_modules/.install-stamp"), "");
    const past = Date.now() / 1000 - 3600;
    utimesSync(join(cwd, "node_modules/.install-stamp"), past, past);
    expect(await makeInstall(cwd)).toMatch(/npm ci/);
  });

  it("runs nothing when the install is up to date", async () => {
    const cwd = checkout();
    mkdirSync(join(cwd, "node_modules"));
    writeFileSync(join(cwd, "node_modules/.install-stamp"), "");
    const out = await makeInstall(cwd);
    expect(out).not.toMatch(/npm ci|Installing dependencies/);
  });
});
