import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifact } from "../../scripts/build-artifact.js";
import { freePort } from "../support/moto.js";
import { waitUntil } from "./support/core-process.js";

/**
 * The Core as a hosted release runs it: the bundle from `make artifact`, unpacked where no
 * node_modules of this checkout can be found (so nothing the release does not ship, such as
 * esbuild, is there), started with plain `node`. Its search workers must start from the prebuilt
 * worker bundle and open files through the shipped koffi.
 */
const API_KEY = "release-core-test-key-0123456789";
let base: string;
let child: ChildProcess | undefined;
let output = "";
let url: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "cq-release-core-"));
  const { tarball } = await buildArtifact(join(base, "dist"));
  const release = join(base, "release");
  mkdirSync(release);
  execFileSync("tar", ["-xzf", tarball, "-C", release]);
  const project = join(base, "project");
  mkdirSync(join(project, "src"), { recursive: true });
  writeFileSync(join(project, "src/a.ts"), "const needle = 1;\nconst other = 2;\n");
  writeFileSync(join(project, ".env"), "needle_secret=1\n");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ["app/core/main.mjs"], {
    cwd: release,
    env: {
      PATH: process.env.PATH,
      PROJECT_PATH: project,
      API_KEY,
      CORE_HOST: "127.0.0.1",
      CORE_PORT: String(port),
      TUNNEL: "none",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString("utf8");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  await waitUntil(
    async () => output.includes('"msg":"search workers ready"') || child?.exitCode !== null,
    60_000,
    `the released Core's search workers\n${output}`,
  );
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(base, { recursive: true, force: true });
});

describe("the Core from the release artifact", () => {
  it("starts its search workers with the prebuilt bundle, opens files with openat and finds ripgrep", () => {
    expect(child?.exitCode, output).toBeNull();
    expect(output).toContain('"file_opening":"openat"');
    expect(output).toMatch(/"prefilter":"rg \d+\.\d+\.\d+"/);
  });

  it("searches the project, never its deny-listed files, the first time and the next", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/files/search?q=needle`, { headers: { "x-api-key": API_KEY } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        results: [{ path: "src/a.ts", line: 1, text: "const needle = 1;" }],
        truncated: false,
      });
    }
  });
});
