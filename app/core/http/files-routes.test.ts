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

const postContent = (core: RunningCore, body: string) =>
  core.call("/files/content", { method: "POST", body, headers: { "Content-Type": "application/json" } });

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

describe("POST /files/content", () => {
  it("answers {path: {content}} and a per-file error", async () => {
    const core = await start({ "a.txt": "hello" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a.txt", "missing.txt"] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "a.txt": { content: "hello" },
      "missing.txt": { error: "File not found" },
    });
  });

  it("answers 404 when every file is missing or refused", async () => {
    const core = await start({ "a.txt": "hello" });
    const res = await postContent(
      core,
      JSON.stringify({ file_paths: ["nope.txt", "/etc/passwd", "../outside/secret.txt"] }),
    );
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; files: Record<string, unknown> };
    expect(body.error).toBe("All requested files are missing");
    expect(Object.keys(body.files)).toHaveLength(3);
  });

  it.each([
    ["no body", ""],
    ["no file_paths", "{}"],
    ["an empty list", '{"file_paths": []}'],
    ["a string instead of a list", '{"file_paths": "a.txt"}'],
    ["a list with a number", '{"file_paths": ["a.txt", 3]}'],
    ["a JSON array body", '["a.txt"]'],
    ["a JSON null body", "null"],
  ])("answers 400 for %s", async (_name, body) => {
    const core = await start({ "a.txt": "hello" });
    const res = await postContent(core, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.any(String) });
  });

  it("answers 400 for malformed JSON", async () => {
    const core = await start({ "a.txt": "hello" });
    const res = await postContent(core, '{"file_paths": ["a.txt"');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "Request body is not valid JSON" });
  });

  it("answers 400 for more files than MAX_FILES_PER_REQUEST", async () => {
    const core = await start({ "a.txt": "hello" }, { MAX_FILES_PER_REQUEST: "3" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a", "b", "c", "d"] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/Too many files: at most 3/);
  });

  it("answers 413 for a body above MAX_BODY_BYTES", async () => {
    const core = await start({ "a.txt": "hello" }, { MAX_BODY_BYTES: "1024" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a".repeat(5000)] }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "Request body is larger than 1024 bytes" });
  });

  it("stops reading a streamed (chunked) body above MAX_BODY_BYTES and keeps serving", async () => {
    const core = await start({ "a.txt": "hello" }, { MAX_BODY_BYTES: "1024" });
    const huge = JSON.stringify({ file_paths: ["a".repeat(200_000)] });
    // The shared body reader cuts the connection once the limit is passed (no Content-Length to refuse early).
    const status = await core
      .call("/files/content", {
        method: "POST",
        body: new Blob([huge]).stream(),
        duplex: "half",
      } as RequestInit)
      .then((r) => r.status)
      .catch(() => "connection closed");
    expect([413, "connection closed"]).toContain(status);
    expect(await fetch(`${core.url}/`).then((r) => r.status)).toBe(200);
  });

  it("truncates a file above MAX_FILE_BYTES and flags it", async () => {
    const core = await start({ "big.txt": "x".repeat(2000) }, { MAX_FILE_BYTES: "100" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["big.txt"] }));
    expect(await res.json()).toEqual({
      "big.txt": { content: "x".repeat(100), truncated: true, size: 2000 },
    });
  });

  it("reports a binary file as binary", async () => {
    const core = await start({ "a.bin": Buffer.from([1, 2, 0, 3]) });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a.bin"] }));
    expect(await res.json()).toEqual({
      "a.bin": { error: "Binary file: content not shown", binary: true, size: 4 },
    });
  });
});

describe("unknown routes", () => {
  it("answer 404 with an error body", async () => {
    const core = await start({});
    const res = await core.call("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "No route for GET /nope" });
  });
});
