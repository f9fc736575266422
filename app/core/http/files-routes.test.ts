import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { startTestCore, type RunningCore } from "../testing/start-core.js";

let project: TempProject | undefined;
let running: RunningCore | undefined;
afterEach(async () => {
  await running?.close();
  project?.cleanup();
  running = undefined;
});

async function start(files: Record<string, string | Buffer>, env: Record<string, string> = {}) {
  project = createTempProject(files);
  running = await startTestCore(project.root, env);
  return running;
}

describe("GET /", () => {
  it("answers health without credentials", async () => {
    const core = await start({});
    const res = await fetch(`${core.url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", service: "codequery-core" });
  });
});

describe("GET /files/structure", () => {
  it("answers the structure in the earlier shape", async () => {
    const core = await start({ "a.txt": "a", "src/b.ts": "b", ".env": "SECRET=1" });
    const res = await core.call("/files/structure");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ".": { directories: ["src"], files: ["a.txt"] },
      src: { directories: [], files: ["b.ts"] },
    });
  });
});

describe("GET /files/search", () => {
  it("finds text with line numbers", async () => {
    const core = await start({ "src/a.ts": "x\nneedle here\n" });
    const res = await core.call("/files/search?q=needle&path=src&glob=*.ts&limit=5");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      query: "needle",
      results: [{ path: "src/a.ts", line: 2, text: "needle here" }],
      truncated: false,
      files_searched: 1,
    });
  });

  it.each([
    ["no q", "/files/search", /q is required/],
    ["q twice", "/files/search?q=a&q=b", /q must be given once/],
    ["a non-numeric limit", "/files/search?q=a&limit=ten", /limit must be a whole number/],
    ["a bad ignore_case", "/files/search?q=a&ignore_case=maybe", /ignore_case must be true or false/],
    ["a path escaping the root", "/files/search?q=a&path=..%2F..", /path: Path must not contain/],
  ])("answers 400 for %s", async (_name, path, message) => {
    const core = await start({ "a.txt": "a" });
    const res = await core.call(path);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });
});

describe("unknown routes", () => {
  it("answer 404 with an error body", async () => {
    const core = await start({});
    const res = await core.call("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "No route for GET /nope" });
  });
});
