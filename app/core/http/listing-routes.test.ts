import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { startTestCore, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

let project: TempProject | undefined;
let running: RunningCore | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await running?.close();
  project?.cleanup();
  client = running = project = undefined;
});

async function start(files: Record<string, string>, env: Record<string, string> = {}) {
  project = createTempProject(files);
  running = await startTestCore(project.root, env);
  return running;
}

const TREE = {
  "README.md": "r",
  "app/index.ts": "i",
  "app/core/a.ts": "a",
  "app/core/deep/b.ts": "b",
  ".env": "S=1",
};

async function bodyOf(res: Response): Promise<unknown> {
  return JSON.parse(await res.text()) as unknown;
}

describe("GET /files/structure", () => {
  it("answers, without parameters, byte for byte what it answered before paths and depths", async () => {
    const core = await start({ "a.txt": "a", "src/b.ts": "b", ".env": "SECRET=1" });
    const res = await core.call("/files/structure");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await res.text()).toBe(
      '{".":{"directories":["src"],"files":["a.txt"]},"src":{"directories":[],"files":["b.ts"]}}',
    );
  });

  it("answers only what lies under path, one level deep with depth=1", async () => {
    const core = await start(TREE);
    const res = await core.call("/files/structure?path=app&depth=1");
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ app: { directories: ["core"], files: ["index.ts"] } });
  });

  it("answers a cut listing with a note, within MAX_RESPONSE_CHARS", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`pkg-${i}/src/deep/module-${i}.ts`] = "x";
    const core = await start(files, { MAX_RESPONSE_CHARS: "1500" });
    const text = await (await core.call("/files/structure")).text();
    expect(text.length).toBeLessThanOrEqual(1500);
    const answer = JSON.parse(text) as Record<string, unknown>;
    expect(answer["/truncated"]).toMatchObject({
      levels_shown: expect.any(Number),
      not_expanded: expect.any(Array),
    });
  });

  it.each([
    ["a path outside the root", "?path=..%2Foutside", "path: Path must not contain '..'"],
    [
      "an absolute path",
      "?path=%2Fetc",
      "path: Absolute paths are not allowed: give a path relative to the project root",
    ],
    ["a symlink leading outside", "?path=escape", "path: Path is outside the project"],
    ["a file", "?path=README.md", "path must be a directory: README.md is a file (read it instead)"],
    ["depth 0", "?depth=0", "depth must be a whole number from 1 to 100"],
    ["depth 101", "?depth=101", "depth must be a whole number from 1 to 100"],
    ["a fractional depth", "?depth=1.5", "depth must be a whole number from 1 to 100"],
    ["a negative depth", "?depth=-1", "depth must be a whole number from 1 to 100"],
    ["a depth that is not a number", "?depth=all", "depth must be a whole number from 1 to 100"],
    ["depth given twice", "?depth=1&depth=2", "depth must be given once"],
    ["path given twice", "?path=app&path=app", "path must be given once"],
  ])("answers 400 for %s", async (_what, query, error) => {
    const core = await start(TREE);
    project!.symlink("escape", project!.outside);
    const res = await core.call(`/files/structure${query}`);
    expect(res.status).toBe(400);
    expect(await bodyOf(res)).toMatchObject({ error });
  });

  it.each([
    ["missing", "missing"],
    ["deny-listed", ".git"],
  ])("answers 404 for a %s directory", async (_what, path) => {
    const core = await start({ ...TREE, ".git/config": "c" });
    const res = await core.call(`/files/structure?path=${path}`);
    expect(res.status).toBe(404);
    expect(await bodyOf(res)).toMatchObject({ error: `Directory not found: ${path}` });
  });
});

describe("GET /files/list", () => {
  it("pages through every visible file with its size until next_cursor is null", async () => {
    const core = await start(TREE);
    const seen: { path: string; size: number }[] = [];
    let query = "?limit=2";
    for (let i = 0; i < 10; i++) {
      const page = (await bodyOf(await core.call(`/files/list${query}`))) as {
        files: { path: string; size: number }[];
        next_cursor: string | null;
      };
      seen.push(...page.files);
      if (page.next_cursor === null) break;
      query = `?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(seen).toEqual([
      { path: "README.md", size: 1 },
      { path: "app/core/a.ts", size: 1 },
      { path: "app/core/deep/b.ts", size: 1 },
      { path: "app/index.ts", size: 1 },
    ]);
  });

  it("narrows to path and glob", async () => {
    const core = await start(TREE);
    const res = await core.call("/files/list?path=app&glob=*.ts&limit=10");
    expect(await bodyOf(res)).toEqual({
      files: [
        { path: "app/core/a.ts", size: 1 },
        { path: "app/core/deep/b.ts", size: 1 },
        { path: "app/index.ts", size: 1 },
      ],
      next_cursor: null,
    });
  });

  it.each([
    [
      "a cursor this Core did not issue",
      "?cursor=bm9wZQ",
      "cursor is not valid: pass next_cursor from the previous page unchanged",
    ],
    ["limit 0", "?limit=0", "limit must be a whole number from 1 to 10000"],
    ["limit 10001", "?limit=10001", "limit must be a whole number from 1 to 10000"],
    ["a limit that is not a number", "?limit=ten", "limit must be a whole number from 1 to 10000"],
    ["a path outside the root", "?path=..", "path: Path must not contain '..'"],
    ["a glob too long", `?glob=${"*".repeat(257)}`, "glob is too long: at most 256 characters"],
    ["glob given twice", "?glob=a&glob=b", "glob must be given once"],
  ])("answers 400 for %s", async (_what, query, error) => {
    const core = await start(TREE);
    const res = await core.call(`/files/list${query}`);
    expect(res.status).toBe(400);
    expect(await bodyOf(res)).toMatchObject({ error });
  });

  it("refuses a caller without credentials", async () => {
    const core = await start(TREE);
    const res = await fetch(`${core.url}/files/list`);
    expect(res.status).toBe(401);
  });
});

describe("the MCP tools", () => {
  async function connect(core: RunningCore) {
    client = new Client({ name: "listing-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${core.url}/mcp`), {
        requestInit: { headers: { "X-API-KEY": TEST_API_KEY } },
      }),
    );
    return client;
  }
  const textOf = (result: unknown) =>
    JSON.parse((result as { content: { text: string }[] }).content[0]!.text) as unknown;

  it("answer list_structure and list_files exactly as the HTTP routes do", async () => {
    const core = await start(TREE);
    const mcp = await connect(core);
    const structure = await mcp.callTool({ name: "list_structure", arguments: { path: "app", depth: 2 } });
    expect(textOf(structure)).toEqual(await bodyOf(await core.call("/files/structure?path=app&depth=2")));
    const files = await mcp.callTool({
      name: "list_files",
      arguments: { path: "app", glob: "*.ts", limit: 1 },
    });
    expect(textOf(files)).toEqual(await bodyOf(await core.call("/files/list?path=app&glob=*.ts&limit=1")));
  });

  it("list a directory named __proto__ like any other, over HTTP and MCP", async () => {
    const core = await start({ "__proto__/a.txt": "a", "b.txt": "b" });
    const mcp = await connect(core);
    const expected =
      '{".":{"directories":["__proto__"],"files":["b.txt"]},"__proto__":{"directories":[],"files":["a.txt"]}}';
    expect(await (await core.call("/files/structure")).text()).toBe(expected);
    const result = await mcp.callTool({ name: "list_structure", arguments: {} });
    expect((result as { content: { text: string }[] }).content[0]!.text).toBe(expected);
    const files = await mcp.callTool({ name: "list_files", arguments: {} });
    expect(textOf(files)).toEqual({
      files: [
        { path: "__proto__/a.txt", size: 1 },
        { path: "b.txt", size: 1 },
      ],
      next_cursor: null,
    });
  });

  it("refuse a depth out of range with the same message", async () => {
    const core = await start(TREE);
    const mcp = await connect(core);
    const result = await mcp.callTool({ name: "list_structure", arguments: { depth: 0 } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("depth must be a whole number from 1 to 100");
  });
});
