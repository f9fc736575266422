import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { AppError } from "../../common/errors.js";
import { coreOperations } from "../operations/index.js";
import type { OperationContext } from "../operations/operation.js";

const asText = (value: unknown) => ({
  content: [{ type: "text" as const, text: JSON.stringify(value, null, 2) }],
});

/**
 * An MCP server exposing the project: one tool per Core operation, with the same arguments,
 * rules and limits as the HTTP routes. Built per request: the endpoint is stateless.
 */
export function buildMcpServer(context: OperationContext): McpServer {
  const server = new McpServer({ name: "codequery-core", version: "1.0.0" });
  for (const operation of coreOperations) {
    server.registerTool(
      operation.name,
      {
        title: operation.title,
        description: operation.description,
        inputSchema: operation.input,
        annotations: { readOnlyHint: true },
      },
      async (args: unknown) => {
        try {
          return asText(await operation.run(context, args as never));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return { ...asText({ error: err.message, ...err.extra }), isError: true };
        }
      },
    );
  }
  return server;
}
