import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { coreOperations } from "../operations/index.js";
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

/** A Core over `files`, and the official 2.x client connected to it the 2026-07-28 way (server/discover). */
async function connect(files: Record<string, string>, env: Record<string, string> = {}) {
  project = createTempProject(files);
  running = await startTestCore(project.root, env);
  client = new Client({ name: "core-test", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  const transport = new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
    requestInit: { headers: { "X-API-KEY": TEST_API_KEY } },
  });
  await client.connect(transport);
  expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
  return client;
}

type ToolResult = {
  isError?: boolean;
  structuredContent?: unknown;
  content: Array<{ type: string; text?: string }>;
};
const textOf = (result: unknown) => (result as ToolResult).content.map((block) => block.text ?? "").join("");
const jsonOf = (result: unknown) => JSON.parse(textOf(result)) as unknown;

describe("MCP tools", () => {
  it("lists one tool per Core operation, with strict arguments, an output schema and read-only hints", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(coreOperations.map((o) => o.name));
    for (const tool of tools) {
      expect(tool.inputSchema, tool.name).toMatchObject({ type: "object", additionalProperties: false });
      expect(tool.outputSchema, tool.name).toMatchObject({ type: "object" });
      expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    }
  });

  it("answers with structuredContent and the same value as compact JSON text", async () => {
    const mcp = await connect({ "a.txt": "a", ".env": "SECRET=1", "src/b.ts": "b" });
    const result = await mcp.callTool({ name: "list_structure", arguments: {} });
    expect(result.structuredContent).toEqual({
      ".": { directories: ["src"], files: ["a.txt"] },
      src: { directories: [], files: ["b.ts"] },
    });
    expect(jsonOf(result)).toEqual(result.structuredContent);
    expect(textOf(result)).toBe(JSON.stringify(result.structuredContent));
  });

  it("read_files reads with the same rules as the HTTP route", async () => {
    const mcp = await connect({ "a.txt": "hello", ".env": "SECRET=1" });
    const result = await mcp.callTool({
      name: "read_files",
      arguments: { file_paths: ["a.txt", ".env", "../outside/secret.txt"] },
    });
    expect(result.isError).toBeFalsy();
    const files = result.structuredContent as Record<string, { content?: string; error?: string }>;
    expect(files["a.txt"]?.content).toBe("hello");
    expect(files[".env"]).toEqual({ error: expect.any(String) });
    expect(files["../outside/secret.txt"]).toEqual({ error: expect.any(String) });
    expect(textOf(result)).not.toContain("SECRET");
  });

  it("read_files reports an error when every file is missing", async () => {
    const mcp = await connect({ "a.txt": "hello" });
    const result = await mcp.callTool({ name: "read_files", arguments: { file_paths: ["nope.txt"] } });
    expect(result.isError).toBe(true);
    expect(jsonOf(result)).toMatchObject({ error: "All requested files are missing" });
  });

  it("read_files refuses more files than allowed", async () => {
    const mcp = await connect({ "a.txt": "hello" }, { MAX_FILES_PER_REQUEST: "2" });
    const result = await mcp.callTool({ name: "read_files", arguments: { file_paths: ["a", "b", "c"] } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/at most 2/);
  });

  it("search finds text", async () => {
    const mcp = await connect({ "src/a.ts": "x\nneedle\n", ".env": "needle" });
    const result = await mcp.callTool({ name: "search", arguments: { q: "needle" } });
    expect(result.structuredContent).toMatchObject({
      results: [{ path: "src/a.ts", line: 2, text: "needle" }],
      truncated: false,
    });
  });
});

describe("MCP tool arguments", () => {
  it("refuses an unknown argument instead of ignoring it, naming it and the accepted ones", async () => {
    const mcp = await connect({ "a.txt": "the whole file" });
    const result = await mcp.callTool({
      name: "read_files",
      arguments: { file_paths: ["a.txt"], offset: 1000 },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/unknown argument "offset" \(accepted arguments: file_paths\)/);
    expect(textOf(result)).not.toContain("the whole file");
  });

  it("refuses an ill-typed argument, naming it", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const result = await mcp.callTool({ name: "search", arguments: { q: 42 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/argument "q": .*expected string/);
  });

  it("refuses a missing argument, naming it", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const result = await mcp.callTool({ name: "read_files", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('argument "file_paths"');
  });

  it("answers a tool it does not have with invalid params (-32602)", async () => {
    const mcp = await connect({ "a.txt": "a" });
    await expect(mcp.callTool({ name: "write_files", arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
  });
});

describe("MCP answer budget", () => {
  const MAX = 1_000;
  const big = "x".repeat(120) + "\n";

  it("never returns a tool result longer than MAX_RESPONSE_CHARS", async () => {
    const files: Record<string, string> = { "big.txt": big.repeat(50) };
    for (let i = 0; i < 60; i++) files[`dir/file-with-a-rather-long-name-${i}.txt`] = `${big}needle ${i}\n`;
    const mcp = await connect(files, { MAX_RESPONSE_CHARS: String(MAX) });
    const calls = [
      { name: "list_structure", arguments: {} },
      { name: "read_files", arguments: { file_paths: ["big.txt"] } },
      { name: "search", arguments: { q: "needle" } },
    ];
    for (const call of calls) {
      const result = await mcp.callTool(call);
      expect(textOf(result).length, call.name).toBeLessThanOrEqual(MAX);
      // Cut or refused, the answer says so: never a silently partial one.
      if (result.isError) expect(textOf(result), call.name).toMatch(/limit|at most|narrow|ask for less/i);
    }
  });
});

describe("MCP server description", () => {
  it("advertises tools only, without a list_changed notification it could never send", async () => {
    const mcp = await connect({ "a.txt": "a" });
    expect(mcp.getServerCapabilities()).toEqual({ tools: { listChanged: false } });
  });

  it("tells a model how to explore a large repository with its tools", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const instructions = mcp.getInstructions() ?? "";
    for (const operation of coreOperations) expect(instructions).toContain(operation.name);
    expect(instructions).toMatch(/cursor/);
    expect(instructions).toMatch(/line range/);
  });
});
