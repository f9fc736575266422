import { describe, expect, it } from "vitest";
import { coreForEachTest, type RunningCore } from "../testing/start-core.js";

const cores = coreForEachTest();
const start = cores.start;

const postContent = (core: RunningCore, body: string) =>
  core.call("/files/content", { method: "POST", body, headers: { "Content-Type": "application/json" } });

describe("POST /files/content", () => {
  it("answers {path: {content, total_lines, start_line, end_line}} and a per-file error", async () => {
    const core = await start({ "a.txt": "hello\nworld\n" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a.txt", "missing.txt"] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "a.txt": { content: "hello\nworld\n", total_lines: 2, start_line: 1, end_line: 2 },
      "missing.txt": { error: "File not found" },
    });
  });

  it("reads line ranges given as objects beside plain paths", async () => {
    const core = await start({ "a.txt": "1\n2\n3\n4\n", "b.txt": "b\n" });
    const res = await postContent(
      core,
      JSON.stringify({
        file_paths: [
          { path: "a.txt", start_line: 2, end_line: 3 },
          "b.txt",
          { path: "a.txt", start_line: 4 },
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "a.txt": { content: "2\n3\n", total_lines: 4, start_line: 2, end_line: 3 },
      "b.txt": { content: "b\n", total_lines: 1, start_line: 1, end_line: 1 },
      "a.txt#L4-": { content: "4\n", total_lines: 4, start_line: 4, end_line: 4 },
    });
  });

  it.each([
    [
      "start_line 0",
      { path: "a.txt", start_line: 0 },
      "file_paths[0].start_line must be a whole number of at least 1",
    ],
    [
      "a negative end_line",
      { path: "a.txt", end_line: -3 },
      "file_paths[0].end_line must be a whole number of at least 1",
    ],
    [
      "a fractional start_line",
      { path: "a.txt", start_line: 1.5 },
      "file_paths[0].start_line must be a whole number",
    ],
    [
      "a string start_line",
      { path: "a.txt", start_line: "10" },
      "file_paths[0].start_line must be a whole number",
    ],
    [
      "start_line after end_line",
      { path: "a.txt", start_line: 5, end_line: 2 },
      "file_paths[0].start_line must not be after end_line",
    ],
    ["no path", { start_line: 1 }, "file_paths[0].path must be a file path"],
    ["an unknown field", { path: "a.txt", lines: "1-2" }, "file_paths[0] has unknown field(s) lines"],
  ])("answers 400 naming the field for %s", async (_name, request, message) => {
    const core = await start({ "a.txt": "hello" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a.txt", request].slice(1) }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });

  it("keeps the whole answer within MAX_RESPONSE_CHARS, saying where to go on", async () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i + 1} "quoted"\n`).join("");
    const core = await start({ "a.txt": text, "b.txt": text }, { MAX_RESPONSE_CHARS: "2000" });
    const res = await postContent(core, JSON.stringify({ file_paths: ["a.txt", "b.txt"] }));
    const body = await res.text();
    expect(body.length).toBeLessThanOrEqual(2000);
    const answer = JSON.parse(body) as Record<
      string,
      { content?: string; next_start_line?: number; skipped?: true }
    >;
    expect(answer["a.txt"]!.next_start_line).toBeGreaterThan(1);
    expect(answer["a.txt"]!.content!.endsWith("\n")).toBe(true);
    expect(answer["b.txt"]!.skipped ?? answer["b.txt"]!.next_start_line).toBeTruthy();
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

  it("stops a file above MAX_FILE_BYTES on a whole line and flags it", async () => {
    const core = await start(
      { "big.txt": "x".repeat(49) + "\n" + "y".repeat(2000) },
      { MAX_FILE_BYTES: "100" },
    );
    const res = await postContent(core, JSON.stringify({ file_paths: ["big.txt"] }));
    expect(await res.json()).toEqual({
      "big.txt": {
        content: "x".repeat(49) + "\n",
        total_lines: 2,
        start_line: 1,
        end_line: 1,
        truncated: true,
        next_start_line: 2,
        size: 2050,
      },
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

describe("GET /files/content", () => {
  it("reads one file as an entry keyed by its path", async () => {
    const core = await start({ "src/a.ts": "one\ntwo\nthree\n" });
    const res = await core.call("/files/content?path=src/a.ts&start_line=2&end_line=3");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "src/a.ts": { content: "two\nthree\n", total_lines: 3, start_line: 2, end_line: 3 },
    });
  });

  it("reads the whole file without a range", async () => {
    const core = await start({ "a.txt": "hello" });
    expect(await (await core.call("/files/content?path=a.txt")).json()).toEqual({
      "a.txt": { content: "hello", total_lines: 1, start_line: 1, end_line: 1 },
    });
  });

  it("answers 404 for a missing, hidden or escaping file", async () => {
    const core = await start({ "a.txt": "a", ".env": "SECRET=1" });
    for (const path of ["nope.txt", ".env", "..%2Foutside%2Fsecret.txt", "%2Fetc%2Fpasswd"]) {
      const res = await core.call(`/files/content?path=${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/SECRET|root:/);
    }
  });

  it("says when start_line is past the end", async () => {
    const core = await start({ "a.txt": "1\n2\n" });
    expect(await (await core.call("/files/content?path=a.txt&start_line=3")).json()).toEqual({
      "a.txt": { error: "start_line 3 is past the end of the file (it has 2 lines)", total_lines: 2 },
    });
  });

  it.each([
    ["no path", "", "path is required"],
    ["path twice", "path=a.txt&path=b.txt", "path must be given once"],
    ["start_line=0", "path=a.txt&start_line=0", "start_line must be a whole number of at least 1"],
    ["start_line=-1", "path=a.txt&start_line=-1", "start_line must be a whole number of at least 1"],
    ["end_line=2.5", "path=a.txt&end_line=2.5", "end_line must be a whole number"],
    ["start_line=abc", "path=a.txt&start_line=abc", "start_line must be a whole number"],
    ["start_line= (empty)", "path=a.txt&start_line=", "start_line must be a whole number"],
    [
      "start_line after end_line",
      "path=a.txt&start_line=4&end_line=3",
      "start_line must not be after end_line",
    ],
    ["start_line twice", "path=a.txt&start_line=1&start_line=2", "start_line must be given once"],
  ])("answers 400 naming the field for %s", async (_name, query, message) => {
    const core = await start({ "a.txt": "hello" });
    const res = await core.call(`/files/content?${query}`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error.startsWith(message)).toBe(true);
  });
});

describe("GET /files/info", () => {
  it("gives size, total lines, modification time and binary or text per path, errors per path", async () => {
    const core = await start({ "a.txt": "1\n2\n3", "b.bin": Buffer.from([1, 0, 2]) });
    const res = await core.call("/files/info?path=a.txt&path=b.bin&path=nope.txt&path=.env");
    expect(res.status).toBe(200);
    const modified = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await res.json()).toEqual({
      "a.txt": { size: 5, total_lines: 3, modified, binary: false },
      "b.bin": { size: 3, modified, binary: true },
      "nope.txt": { error: "File not found" },
      ".env": { error: "File not found" },
    });
  });

  it("answers 404 when no path exists, 400 without a path", async () => {
    const core = await start({ "a.txt": "a" });
    expect((await core.call("/files/info?path=nope.txt")).status).toBe(404);
    const res = await core.call("/files/info");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/path is required/);
  });

  it("answers 400 for more paths than MAX_FILES_PER_REQUEST", async () => {
    const core = await start({ "a.txt": "a" }, { MAX_FILES_PER_REQUEST: "2" });
    const res = await core.call("/files/info?path=a&path=b&path=c");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/at most 2/);
  });
});

describe("the OpenAPI document", () => {
  it("describes GET /files/content with its range parameters, and POST as not consequential", async () => {
    const core = await start({ "a.txt": "a" });
    const doc = (await (await core.call("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string }[]; "x-openai-isConsequential"?: boolean }>
      >;
      components: {
        schemas: Record<string, { additionalProperties?: { properties?: Record<string, unknown> } }>;
      };
    };
    const content = doc.paths["/files/content"]!;
    expect(content.get!.parameters!.map((p) => p.name)).toEqual(["path", "start_line", "end_line"]);
    expect(content.post!["x-openai-isConsequential"]).toBe(false);
    expect(doc.paths["/files/info"]!.get!.parameters!.map((p) => p.name)).toEqual(["path"]);
    expect(
      Object.keys(doc.components.schemas.ContentResponse!.additionalProperties?.properties ?? {}),
    ).toEqual(
      expect.arrayContaining(["total_lines", "start_line", "end_line", "next_start_line", "duplicate_of"]),
    );
  });
});
