import type { Context } from "koa";
import { PayloadTooLargeError } from "../../common/errors.js";
import { readRequestBytes } from "../../common/http.js";
import type { Logger } from "../../common/logger.js";
import type { CoreConfig } from "../config.js";
import { createMcpEndpoint } from "../mcp/endpoint.js";
import { jsonRpcError, PARSE_ERROR } from "../mcp/refusals.js";
import { buildMcpServer } from "../mcp/tools.js";
import { sendWebResponse, toWebRequest } from "../mcp/web-exchange.js";
import type { Project } from "../project/project.js";

/**
 * POST /mcp: one stateless MCP exchange per request, for clients of MCP 2026-07-28 and of the
 * 2025 revisions alike. Host, Origin and auth checks run before this; the body is read here
 * with our size limit, then the SDK answers and Koa steps aside.
 */
export function mcpHandler(project: Project, limits: CoreConfig["limits"], logger: Logger) {
  const endpoint = createMcpEndpoint(() => buildMcpServer({ project, limits }, logger), logger);
  return async (ctx: Context) => {
    const tooLarge = () =>
      new PayloadTooLargeError(`Request body is larger than ${limits.maxBodyBytes} bytes`);
    if (Number(ctx.get("content-length") || "0") > limits.maxBodyBytes) throw tooLarge();
    const bytes = await readRequestBytes(ctx.req, limits.maxBodyBytes, tooLarge).catch((err: unknown) => {
      if (err instanceof PayloadTooLargeError) ctx.set("Connection", "close");
      throw err;
    });
    const body = parseJson(bytes);
    if (body === INVALID) {
      await sendWebResponse(
        ctx,
        jsonRpcError(400, PARSE_ERROR, "Parse error: the request body is not valid JSON"),
      );
      return;
    }
    await sendWebResponse(ctx, await endpoint.handle(toWebRequest(ctx, bytes), body));
  };
}

const INVALID = Symbol("invalid JSON");

function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}
