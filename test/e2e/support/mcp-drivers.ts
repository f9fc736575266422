import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** One tool call of a plan, run the same way by every client. */
export interface McpCall {
  tool: string;
  arguments: Record<string, unknown>;
}

export type McpCallOutcome =
  | { is_error: boolean; structured: unknown; text: string }
  | { protocol_error: { code: number; message: string } };

/** What a client saw: the negotiated revision, the server's self-description and every call's outcome. */
export interface McpSession {
  protocol_version: string | undefined;
  instructions: string | null | undefined;
  capabilities: unknown;
  tools: Array<{ name: string; inputSchema: unknown; outputSchema?: unknown; annotations?: unknown }>;
  results: McpCallOutcome[];
}

/** An official MCP client, connecting the way it does by default (or pinned to one revision). */
export interface McpDriver {
  name: string;
  /** the protocol revision this client must end up speaking with the Core */
  revision: string;
  run(url: string, headers: Record<string, string>, calls: McpCall[]): Promise<McpSession>;
}

type ToolResult = { isError?: boolean; structuredContent?: unknown; content?: unknown };

const textOf = (result: ToolResult) =>
  ((result.content ?? []) as Array<{ type: string; text?: string }>)
    .filter((block) => block.type === "text")
    .map((block) => block.text ?? "")
    .join("");

async function callEach(call: (c: McpCall) => Promise<unknown>, calls: McpCall[]): Promise<McpCallOutcome[]> {
  const outcomes: McpCallOutcome[] = [];
  for (const c of calls) {
    try {
      const result = (await call(c)) as ToolResult;
      outcomes.push({
        is_error: result.isError === true,
        structured: result.structuredContent ?? null,
        text: textOf(result),
      });
    } catch (err) {
      const { code, message } = err as { code?: unknown; message?: unknown };
      if (typeof code !== "number") throw err;
      outcomes.push({ protocol_error: { code, message: String(message) } });
    }
  }
  return outcomes;
}

/** `@modelcontextprotocol/sdk` 1.x: the `initialize` handshake at its latest revision, 2025-11-25. */
export const sdkV1Legacy: McpDriver = {
  name: "TypeScript SDK 1.x (initialize)",
  revision: "2025-11-25",
  async run(url, headers, calls) {
    const client = new ClientV1({ name: "codequery-test-v1", version: "1.0.0" });
    await client.connect(new TransportV1(new URL(url), { requestInit: { headers } }));
    try {
      const { tools } = await client.listTools();
      const results = await callEach((c) => client.callTool({ name: c.tool, arguments: c.arguments }), calls);
      return {
        protocol_version: (client.transport as TransportV1 | undefined)?.protocolVersion,
        instructions: client.getInstructions(),
        capabilities: client.getServerCapabilities(),
        tools,
        results,
      };
    } finally {
      await client.close();
    }
  },
};

function sdkV2(
  name: string,
  revision: string,
  options: ConstructorParameters<typeof ClientV2>[1],
): McpDriver {
  return {
    name,
    revision,
    async run(url, headers, calls) {
      const client = new ClientV2({ name: "codequery-test-v2", version: "1.0.0" }, options);
      await client.connect(new TransportV2(new URL(url), { requestInit: { headers } }));
      try {
        const { tools } = await client.listTools();
        const results = await callEach(
          (c) => client.callTool({ name: c.tool, arguments: c.arguments }),
          calls,
        );
        return {
          protocol_version: client.getNegotiatedProtocolVersion(),
          instructions: client.getInstructions(),
          capabilities: client.getServerCapabilities(),
          tools,
          results,
        };
      } finally {
        await client.close();
      }
    },
  };
}

/** `@modelcontextprotocol/client` 2.x negotiating as it does when asked to: `server/discover`, then stateless 2026-07-28. */
export const sdkV2Modern = sdkV2("TypeScript SDK 2.x (server/discover)", "2026-07-28", {
  versionNegotiation: { mode: "auto" },
});

/** `@modelcontextprotocol/client` 2.x as a 2025-06-18 client: the `initialize` handshake at that revision. */
export const sdkV2Legacy20250618 = sdkV2("TypeScript SDK 2.x (initialize, 2025-06-18)", "2025-06-18", {
  supportedProtocolVersions: ["2025-06-18"],
});

const PYTHON_CLIENT = fileURLToPath(new URL("./mcp_client.py", import.meta.url));

/**
 * The Python `mcp` client in `mode` ("auto": discover, then 2026-07-28; "legacy": initialize), in
 * its own process. `python` names an interpreter that has it (known only once it is installed).
 */
export function pythonClient(python: () => string, mode: "auto" | "legacy", revision: string): McpDriver {
  return {
    name: `Python mcp (${mode})`,
    revision,
    run: (url, headers, calls) =>
      new Promise((resolve, reject) => {
        const child = spawn(python(), [PYTHON_CLIENT], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8").slice(0, 20_000)));
        child.on("error", reject);
        child.on("close", (code) => {
          if (code !== 0) return reject(new Error(`Python mcp client exited with ${code}:\n${stderr}`));
          try {
            resolve(JSON.parse(stdout) as McpSession);
          } catch {
            reject(new Error(`Python mcp client printed no JSON:\n${stdout}\n${stderr}`));
          }
        });
        child.stdin.end(JSON.stringify({ url, headers, mode, calls }));
      }),
  };
}
