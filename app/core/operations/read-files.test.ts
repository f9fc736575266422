import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { startTestCore, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

/** read_files and file_info as MCP tools: the same arguments and answers as the HTTP routes. */
let project: TempProject | undefined;
let running: RunningCore | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await running?.close();
  project?.cleanup();
  client = running = project = undefined;
});

async function connect(files: Record<string, string>) {
  project = createTempProject(files);
  running = await startTestCore(project.root);
  client = new Client({ name: "read-files-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
      requestInit: { headers: { "X-API-KEY": TEST_API_KEY } },
    }),
  );
  return client;
}

const textOf = (result: unknown) =>
  JSON.parse((result as { content: { text: string }[] }).content[0]!.text) as unknown;

describe("read_files and file_info over MCP", () => {
  it("read_files takes line ranges beside plain paths", async () => {
    const mcp = await connect({ "a.txt": "1\n2\n3\n", "b.txt": "b" });
    const result = await mcp.callTool({
      name: "read_files",
      arguments: { file_paths: [{ path: "a.txt", start_line: 2, end_line: 2 }, "b.txt"] },
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toEqual({
      "a.txt": { content: "2\n", total_lines: 3, start_line: 2, end_line: 2 },
      "b.txt": { content: "b", total_lines: 1, start_line: 1, end_line: 1 },
    });
  });

  it("read_files refuses a bad range, naming the field", async () => {
    const mcp = await connect({ "a.txt": "a" });
    const result = await mcp.callTool({
      name: "read_files",
      arguments: { file_paths: [{ path: "a.txt", start_line: 0 }] },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/start_line/);
  });

  it("file_info gives the facts of each path", async () => {
    const mcp = await connect({ "a.txt": "1\n2\n" });
    const result = await mcp.callTool({ name: "file_info", arguments: { paths: ["a.txt", "nope"] } });
    expect(textOf(result)).toEqual({
      "a.txt": { size: 4, total_lines: 2, modified: expect.any(String), binary: false },
      nope: { error: "File not found" },
    });
  });
});
