import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestProject } from "../../app/core/project/project-fixture.js";
import { createTempProject, type TempProject } from "../../app/core/testing/temp-project.js";
import { freePort } from "../support/moto.js";
import { spawnCore, waitUntil, type CoreProcess } from "./support/core-process.js";

/**
 * The Core as its own process, the project changed by another (this test), each change followed
 * at once by a request: the answer must already show it — the way an editor and an assistant
 * share a project.
 */
const API_KEY = "freshness-test-key-0123456789";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let project: TempProject;
let core: CoreProcess;
let url: string;

async function structure(): Promise<unknown> {
  const res = await fetch(`${url}/files/structure`, { headers: { "X-API-KEY": API_KEY } });
  expect(res.status).toBe(200);
  return res.json();
}

async function groundTruth(): Promise<unknown> {
  const fresh = openTestProject(project.root, { watch: "off", limits: { maxFiles: 100_000 } });
  try {
    return JSON.parse(JSON.stringify(await fresh.structure()));
  } finally {
    fresh.close();
  }
}

beforeAll(async () => {
  const files: Record<string, string> = {};
  for (let d = 0; d < 40; d++) files[`pkg${d % 8}/mod${d}/index.ts`] = `export const n = ${d};\n`;
  project = createTempProject(files);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  core = spawnCore({
    projectPath: project.root,
    apiKey: API_KEY,
    gatewayUrl: "",
    env: { CORE_PORT: String(port), LOG_LEVEL: "debug" },
  });
  // Nothing has asked yet: the listing and the watches come from the Core's own warm-up.
  await waitUntil(
    async () =>
      core.output().includes('"msg":"project tree listed"') &&
      core.output().includes("directory watches in place"),
    60_000,
    `the Core's directory watches\n${core.output()}`,
  );
}, 90_000);

afterAll(async () => {
  await core?.stop();
  project?.cleanup();
});

describe("Core freshness across processes", () => {
  it("answers every request with the tree as it is, right after another process changed it", async () => {
    const root = project.root;
    const changes: (() => void)[] = [
      () => writeFileSync(join(root, "pkg1/added.ts"), "a"),
      () => rmSync(join(root, "pkg2"), { recursive: true }),
      () => mkdirSync(join(root, "pkg3/new/deeper"), { recursive: true }),
      () => writeFileSync(join(root, "pkg3/new/deeper/leaf.ts"), "l"),
      () => writeFileSync(join(root, ".gitignore"), "pkg4/\n"),
      () => writeFileSync(join(root, "pkg5/.gitignore"), "index.ts\n"),
      () => renameSync(join(root, "pkg6"), join(root, "renamed")),
      () => mkdirSync(join(root, "pkg6")),
      () => writeFileSync(join(root, "pkg6/back.ts"), "b"),
      () => rmSync(join(root, ".gitignore")),
      () => writeFileSync(join(root, "pkg1/added.ts"), "content only"),
      () => rmSync(join(root, "pkg1/added.ts")),
    ];
    for (const [i, change] of changes.entries()) {
      // Settled and asked twice: the Core's watches vouch for the tree again before the change.
      await sleep(80);
      await structure();
      await structure();
      change();
      expect(await structure(), `after change ${i}\n${core.output().slice(-2000)}`).toEqual(
        await groundTruth(),
      );
    }
  }, 60_000);
});
