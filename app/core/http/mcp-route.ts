import type { Context } from "koa";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { readJsonBody } from "../../common/http.js";
import type { Project } from "../project/project.js";
import type { CoreConfig } from "../config.js";
import { buildMcpServer } from "../mcp/tools.js";

/**
 * POST /mcp: one stateless MCP exchange per request. Auth and the Host check run before this;
 * the body is read with our size limit, then Koa steps aside and the SDK writes the response.
 */
export function mcpHandler(project: Project, limits: CoreConfig["limits"]) {
  return async (ctx: Context) => {
    const body = await readJsonBody(ctx, limits.maxBodyBytes);
    const server = buildMcpServer({ project, limits });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    ctx.respond = false;
    ctx.res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(ctx.req, ctx.res, body);
  };
}
