import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runMain } from "../runbooks/lib/run-main.js";
import { REPO_ROOT, runScript } from "../runbooks/lib/run-script.js";
import { main } from "./init.js";

/** A project directory with the real template and manifests, and an up-to-date node_modules stamp. */
function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "cq-init-"));
  copyFileSync(join(REPO_ROOT, ".env.example"), join(dir, ".env.example"));
  copyFileSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
  writeFileSync(join(dir, "package-lock.json"), "{}\n");
  mkdirSync(join(dir, "node_modules"));
  writeFileSync(join(dir, "node_modules", ".install-stamp"), "");
  const past = new Date(Date.now() - 60_000);
  for (const f of ["package.json", "package-lock.json"]) utimesSync(join(dir, f), past, past);
  return dir;
}

const env = (overrides: Record<string, string> = {}) => ({ CI: "", ...overrides });
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const value = (text: string, name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1];

describe("make init", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeProject();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reports prerequisites, skips what is up to date, and creates .env with random secrets (as a command)", async () => {
    const result = await runScript("scripts/init.ts", [], { cwd: dir, env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/✔ Node\.js +v\d+/);
    expect(result.stdout).toMatch(/npm/);
    expect(result.output).toContain("dependencies up to date");
    expect(result.output).toContain("not a git repository: git hooks skipped");
    expect(result.output).not.toContain("\u001b["); // NO_COLOR and a pipe: no colour codes
    const created = read(dir, ".env");
    for (const name of ["ADMIN_API_KEY", "KEY_PEPPER"])
      expect(value(created, name)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // API_KEY is a real key, issued on the local Gateway's file store under DATA_DIR.
    const keyId = /^cq_([a-z0-9]{12})_[A-Za-z0-9_-]{43}$/.exec(value(created, "API_KEY") ?? "")?.[1];
    expect(keyId).toBeDefined();
    expect(existsSync(join(dir, ".data", "gateway"))).toBe(true);
    expect(result.output).toContain(`API_KEY: key ${keyId} issued on the local Gateway's store`);
    expect(value(created, "ALLOW_INSECURE_TUNNELS")).toBe("true");
    // Everything else is the template, line for line.
    const strip = (t: string) =>
      t
        .replace(/^(API_KEY|ADMIN_API_KEY|KEY_PEPPER)=.*$/gm, "$1=")
        .replace(/^ALLOW_INSECURE_TUNNELS=.*$/m, "ALLOW_INSECURE_TUNNELS=false");
    expect(strip(created)).toBe(read(dir, ".env.example"));
  });

  it("keeps an existing .env when it cannot ask (no terminal, no --yes)", async () => {
    writeFileSync(join(dir, ".env"), "MINE=1\n");
    const result = await runMain(main, [], { cwd: dir, env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(".env exists: kept");
    expect(read(dir, ".env")).toBe("MINE=1\n");
  });

  it("tells a user of make to add YES=1, not --yes", async () => {
    writeFileSync(join(dir, ".env"), "MINE=1\n");
    const result = await runMain(main, [], { cwd: dir, env: env({ CQ_VIA_MAKE: "1" }) });
    expect(result.output).toContain(".env exists: kept (re-run with YES=1 to replace it from the template)");
  });

  it("replaces an existing .env with --yes and keeps the old one as .env.backup", async () => {
    writeFileSync(join(dir, ".env"), "MINE=1\n");
    const result = await runMain(main, ["--yes"], { cwd: dir, env: env({ CI: "true" }) });
    expect(result.code, result.output).toBe(0);
    expect(read(dir, ".env.backup")).toBe("MINE=1\n");
    expect(read(dir, ".env")).toContain("GATEWAY_PORT=8080");
  });

  it("dry run says it would install stale dependencies and create .env, and changes nothing", async () => {
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, "package-lock.json"), future, future);
    const result = await runMain(main, ["--dry-run"], { cwd: dir, env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("package-lock.json changed since the last install: would run npm ci");
    expect(result.output).toContain("would create .env");
    expect(existsSync(join(dir, ".env"))).toBe(false);
  });

  it("fails with one clear line when Node.js is too old for the project", async () => {
    const pkg = JSON.parse(read(dir, "package.json")) as Record<string, unknown>;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, engines: { node: ">=99" } }));
    const result = await runMain(main, ["--skip-install"], { cwd: dir, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/✖ init: missing prerequisites: Node\.js/);
    expect(existsSync(join(dir, ".env"))).toBe(false);
  });

  it("rejects an unknown option", async () => {
    const result = await runMain(main, ["--frobnicate"], { cwd: dir, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown option --frobnicate/);
  });
});
