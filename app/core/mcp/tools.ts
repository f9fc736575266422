import { McpServer, type CallToolResult } from "@modelcontextprotocol/server";
import { AppError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { coreOperations } from "../operations/index.js";
import type { CoreOperation, OperationContext } from "../operations/operation.js";
import { serverInstructions } from "./instructions.js";
import { toolArguments } from "./tool-arguments.js";
import { toolError, toolResult } from "./tool-result.js";

export const SERVER_INFO = { name: "codequery-core", version: "1.0.0" } as const;

/**
 * An MCP server exposing the project: one tool per Core operation, with the same arguments,
 * rules and limits as the HTTP routes. Built per request (the endpoint is stateless), for
 * either protocol era: the SDK speaks the era, the tools are the same.
 *
 * Arguments are checked by the SDK against the operation's strict zod `input`: an unknown or
 * ill-typed argument never reaches `run`; the caller gets a tool error naming it (MCP
 * 2025-11-25+: argument validation errors are tool execution errors, so a model can correct
 * itself).
 */
export function buildMcpServer(context: Omit<OperationContext, "signal">, logger: Logger): McpServer {
  const server = new McpServer(SERVER_INFO, {
    // Honest capabilities: the tool list is fixed for the life of the process, so there is no
    // list_changed notification to promise (the SDK would otherwise advertise one).
    capabilities: { tools: { listChanged: false } },
    instructions: serverInstructions(coreOperations.map((operation) => operation.name)),
  });
  for (const operation of coreOperations) {
    server.registerTool(
      operation.name,
      {
        title: operation.title,
        description: operation.description,
        inputSchema: toolArguments(operation.input),
        outputSchema: operation.output,
        annotations: {
          readOnlyHint: true,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: false,
        },
      },
      (args: unknown, ctx) =>
        callOperation(operation, { ...context, signal: ctx.mcpReq.signal }, args, logger),
    );
  }
  return server;
}

async function callOperation(
  operation: CoreOperation,
  context: OperationContext,
  args: unknown,
  logger: Logger,
): Promise<CallToolResult> {
  const maxChars = context.limits.maxResponseChars;
  try {
    return toolResult(await operation.run(context, args as never), maxChars);
  } catch (err) {
    if (err instanceof AppError) return toolError(err, maxChars);
    // The message of an unexpected error may name server paths: log it, tell the caller less.
    logger.error({ err, tool: operation.name }, "MCP tool failed");
    return toolError(new AppError(500, `${operation.name} failed unexpectedly; try again`), maxChars);
  }
}
