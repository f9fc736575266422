import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startLocalGateway, type LocalGateway } from "./support/local-gateway.js";

const run = promisify(execFile);
let gw: LocalGateway;
let project: string;

/** `make smoke URL=...` without make (make would first check the install stamp). */
function smoke(args: string[], adminKey: string) {
  return run(process.execPath, ["--import", "tsx", "scripts/smoke.ts", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ADMIN_API_KEY: adminKey },
    timeout: 180_000,
  });
}

beforeAll(async () => {
  gw = await startLocalGateway();
  project = mkdtempSync(join(tmpdir(), "cq-smoke-project-"));
  writeFileSync(join(project, "hello.txt"), "hello from the smoke test\n");
}, 60_000);

afterAll(async () => {
  await gw?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("make smoke", { timeout: 200_000 }, () => {
  it("passes against a local Gateway with a local Core, and leaves no key behind", async () => {
    const { stdout } = await smoke(["--url", gw.url, "--core", project], gw.adminKey);
    expect(stdout).toContain("structure through the Gateway (200)");
    expect(stdout).toContain("file hello.txt through the Gateway (200)");
    expect(stdout).toContain("the rate limit answers 429");
    expect(stdout).toContain("the old key works during its grace period (200)");
    expect(stdout).toContain("a revoked key is refused (401)");
    expect(stdout).toMatch(/smoke test passed: \d+ checks/);
    const keys = await http(`${gw.url}/api-keys`, { key: gw.adminKey });
    expect(keys.body.keys).toEqual([]);
  });

  it("fails clearly with a wrong admin key and creates nothing", async () => {
    const failed = await smoke(["--url", gw.url], "not-the-admin-key").catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/the admin creates a key: expected 200, got 401/);
    expect((await http(`${gw.url}/api-keys`, { key: gw.adminKey })).body.keys).toEqual([]);
  });

  it("asks for the URL and the admin key", async () => {
    const noUrl = await smoke([], gw.adminKey).catch((err: { stderr: string }) => err);
    expect((noUrl as { stderr: string }).stderr).toMatch(/give the Gateway's URL: make smoke URL=/);
    const noKey = await smoke(["--url", gw.url], "").catch((err: { stderr: string }) => err);
    expect((noKey as { stderr: string }).stderr).toMatch(/set ADMIN_API_KEY/);
  });
});
