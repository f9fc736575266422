import { Router } from "@koa/router";
import type { Context, Middleware, Next } from "koa";
import { AppError } from "../../common/errors.js";
import { MCP_SCOPE } from "./authorization-server.js";

export const MCP_PATH = "/mcp";
export const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

/** RFC 9728 metadata of the Gateway's /mcp: which authorization server issues tokens for it. */
export function protectedResourceMetadata(issuer: string, resource: string) {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ["header"],
    resource_name: "CodeQuery Gateway (MCP)",
    resource_documentation: `${issuer}/openapi.json`,
  };
}

/**
 * Serves the metadata at the root well-known URL and at the path-suffixed one for /mcp (clients
 * try the latter first). Public and cacheable: it holds no secret.
 */
export function protectedResourceRoutes(issuer: string, resource: string): Router {
  const router = new Router();
  const body = protectedResourceMetadata(issuer, resource);
  for (const path of [RESOURCE_METADATA_PATH, `${RESOURCE_METADATA_PATH}${MCP_PATH}`]) {
    router.get(path, (ctx) => {
      ctx.set("Access-Control-Allow-Origin", "*");
      ctx.set("Cache-Control", "public, max-age=300");
      ctx.body = body;
    });
  }
  return router;
}

/**
 * A 401 from /mcp tells an OAuth client where to start (MCP authorization, RFC 9728 §5.1):
 * `WWW-Authenticate: Bearer resource_metadata="…"`, with `error="invalid_token"` when a bearer
 * token was sent and refused. Other routes keep their plain 401.
 */
export function mcpAuthChallenge(issuer: string): Middleware {
  const metadataUrl = `${issuer}${RESOURCE_METADATA_PATH}${MCP_PATH}`;
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 401 || ctx.path !== MCP_PATH) throw err;
      const sentBearer = /^bearer\s/i.test(ctx.get("authorization"));
      const params = [
        `resource_metadata="${metadataUrl}"`,
        `scope="${MCP_SCOPE}"`,
        ...(sentBearer ? [`error="invalid_token"`] : []),
      ];
      throw new AppError(err.status, err.message, err.extra, {
        ...err.headers,
        "WWW-Authenticate": `Bearer ${params.join(", ")}`,
      });
    }
  };
}
