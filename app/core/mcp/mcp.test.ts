import { request } from "node:http";
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

async function connect(files: Record<string, string>, env: Record<string, string> = {}) {
  project = createTempProject(files);
  running = await startTestCore(project.root, env);
  client = new Client({ name: "core-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
    requestInit: { headers: { "X-API-KEY": TEST_API_KEY } },
  });
  await client.connect(transport);
  return client;
}

const textOf = (result: unknown) =>
  JSON.parse((result as { content: { text: string }[] }).content[0]!.text) as unknown;

describe("MCP over Streamable HTTP", () => {
  it("lists the tools", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["list_files", "list_structure", "read_files", "search"]);
  });

  it("list_structure answers the visible tree", async () => {
    const mcp = await connect({ "a.txt": "a", ".env": "SECRET=1", "src/b.ts": "b" });
    const result = await mcp.callTool({ name: "list_structure", arguments: {} });
    expect(textOf(result)).toEqual({
      ".": { directories: ["src"], files: ["a.txt"] },
      src: { directories: [], files: ["b.ts"] },
    });
  });

  it("read_files reads with the same rules as the HTTP route", async () => {
    const mcp = await connect({ "a.txt": "hello", ".env": "SECRET=1" });
    const result = await mcp.callTool({
      name: "read_files",
      arguments: { file_paths: ["a.txt", ".env", "../outside/secret.txt"] },
    });
    expect(textOf(result)).toEqual({
      "a.txt": { content: "hello" },
      ".env": { error: "File not found" },
      "../outside/secret.txt": { error: "Path must not contain '..'" },
    });
  });

  it("read_files reports an error when every file is missing", async () => {
    const mcp = await connect({ "a.txt": "hello" });
    const result = await mcp.callTool({ name: "read_files", arguments: { file_paths: ["nope.txt"] } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatchObject({ error: "All requested files are missing" });
  });

  it("read_files refuses more files than allowed", async () => {
    const mcp = await connect({ "a.txt": "hello" }, { MAX_FILES_PER_REQUEST: "2" });
    const result = await mcp.callTool({ name: "read_files", arguments: { file_paths: ["a", "b", "c"] } });
    expect(result.isError).toBe(true);
  });

  it("search finds literal text", async () => {
    const mcp = await connect({ "src/a.ts": "x\nneedle\n", ".env": "needle" });
    const result = await mcp.callTool({ name: "search", arguments: { q: "needle" } });
    expect(textOf(result)).toMatchObject({
      results: [{ path: "src/a.ts", line: 2, text: "needle" }],
      truncated: false,
    });
  });
});

describe("MCP endpoint guards", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  };
  /** node:http, not fetch: fetch does not let a caller set the Host header. */
  const post = (headers: Record<string, string>, body = JSON.stringify(initialize)) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const req = request(
        `${running!.url}/mcp`,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json, text/event-stream",
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("refuses a Host header it does not know (DNS rebinding)", async () => {
    project = createTempProject({});
    running = await startTestCore(project.root);
    const res = await post({ "X-API-KEY": TEST_API_KEY, Host: "evil.example.com" });
    expect(res.status).toBe(403);
  });

  it("accepts the public (tunnel) host", async () => {
    project = createTempProject({});
    running = await startTestCore(project.root, { CORE_PUBLIC_URL: "https://abc.ngrok-free.app" });
    const res = await post({ "X-API-KEY": TEST_API_KEY, Host: "abc.ngrok-free.app" });
    expect(res.status).toBe(200);
  });

  it("answers 400 to malformed JSON", async () => {
    project = createTempProject({});
    running = await startTestCore(project.root);
    const res = await post({ "X-API-KEY": TEST_API_KEY }, "{not json");
    expect(res.status).toBe(400);
  });

  it("answers 405 to GET (stateless endpoint)", async () => {
    project = createTempProject({});
    running = await startTestCore(project.root);
    const res = await running.call("/mcp");
    expect(res.status).toBe(405);
  });
});
