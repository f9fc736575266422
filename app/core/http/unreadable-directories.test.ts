import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/moto.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

/**
 * Directories the Core may not read. Permissions do not bind root, so when the tests run as root
 * the Core runs as `nobody` (a real process, as `make core` starts it); otherwise as the test's
 * own user. Either way it is refused the same two directories:
 * - `locked/` (mode 000): cannot be listed at all;
 * - `listable/` (mode 644, no search permission): its names can be listed, nothing inside reached.
 */
const API_KEY = "unreadable-test-key-0123456789";
const NOBODY = 65_534;

let project: TempProject;
let core: ChildProcess;
let url: string;
let output = "";

beforeAll(async () => {
  project = createTempProject({
    "ok.txt": "needle",
    "src/a.ts": "needle",
    "locked/secret.txt": "needle",
    "listable/b.txt": "needle",
    "listable/sub/c.txt": "needle",
  });
  chmodSync(project.base, 0o755);
  chmodSync(`${project.root}/locked`, 0o000);
  chmodSync(`${project.root}/listable`, 0o644);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const asRoot = process.getuid?.() === 0;
  core = spawn(process.execPath, ["--import", "tsx", "app/core/main.ts"], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: "/tmp",
      PROJECT_PATH: project.root,
      API_KEY,
      CORE_HOST: "127.0.0.1",
      CORE_PORT: String(port),
      TUNNEL: "none",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const keep = (chunk: Buffer) => (output += chunk.toString("utf8"));
  core.stdout?.on("data", keep);
  core.stderr?.on("data", keep);
  const deadline = Date.now() + 60_000;
  while (!output.includes('"msg":"Core listening"')) {
    if (Date.now() > deadline || core.exitCode !== null)
      throw new Error(`the Core did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  if (core && core.exitCode === null) {
    const exited = new Promise((resolve) => core.once("exit", resolve));
    core.kill("SIGTERM");
    await exited;
  }
  if (project) {
    chmodSync(`${project.root}/locked`, 0o755);
    chmodSync(`${project.root}/listable`, 0o755);
    project.cleanup();
  }
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { headers: { "X-API-KEY": API_KEY } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const REPORT = {
  count: 2,
  directories: [
    { path: "listable/sub", error: "permission denied" },
    { path: "locked", error: "permission denied" },
  ],
};

describe("directories the Core may not read", () => {
  it("are skipped and reported by the structure, which serves everything else", async () => {
    const { status, body } = await get("/files/structure");
    expect(status).toBe(200);
    expect(body["/unreadable"]).toEqual(REPORT);
    expect(body["."]).toEqual({ directories: ["listable", "locked", "src"], files: ["ok.txt"] });
    expect(body["src"]).toEqual({ directories: [], files: ["a.ts"] });
  });

  it("are skipped and reported by the file list, which serves everything else", async () => {
    const { status, body } = await get("/files/list");
    expect(status).toBe(200);
    expect(body).toEqual({
      files: [
        { path: "listable/b.txt", size: null },
        { path: "ok.txt", size: 6 },
        { path: "src/a.ts", size: 6 },
      ],
      next_cursor: null,
      unreadable: REPORT,
    });
  });

  it("do not stop a search", async () => {
    const { status, body } = await get("/files/search?q=needle");
    expect(status).toBe(200);
    expect((body["results"] as { path: string }[]).map((r) => r.path).sort()).toEqual(["ok.txt", "src/a.ts"]);
  });
});
