import { tmpdir } from "node:os";
import { Router } from "@koa/router";
import { loadCoreConfig, MIN_API_KEY_LENGTH } from "../../core/config.js";
import { buildOpenApiDocument } from "../../core/openapi.js";
import { buildActionsDocument, type ActionRoute } from "../proxy/openapi.js";
import { PROXIED_ROUTES } from "./files-proxy.js";

/** The proxied routes a GPT may call: every read, not the MCP endpoint. */
export const ACTION_ROUTES: readonly ActionRoute[] = PROXIED_ROUTES.filter(([, path]) => path !== "/mcp");

/**
 * `GET /openapi.json`, public: the document a GPT editor imports with "Import from URL", which
 * sends no key. It describes the Core of this release with its default limits (a Core's own
 * settings are enforced by that Core), so no user's Core is asked and no tunnel URL can leak.
 */
export function actionsDocumentRoutes(options: { publicUrl: string | undefined }): Router {
  // The limits a Core has when nothing overrides them (the placeholder key is never used).
  const { limits } = loadCoreConfig(
    { API_KEY: "x".repeat(MIN_API_KEY_LENGTH), LOG_LEVEL: "silent" },
    tmpdir(),
  );
  const coreDoc = buildOpenApiDocument({
    publicUrl: "https://core.invalid",
    maxFileBytes: limits.maxFileBytes,
    maxFilesPerRequest: limits.maxFilesPerRequest,
    maxRequestBytes: limits.maxRequestBytes,
    searchMaxResults: limits.searchMaxResults,
    maxResponseChars: limits.maxResponseChars,
  });
  const configured = options.publicUrl
    ? buildActionsDocument(coreDoc, options.publicUrl, ACTION_ROUTES)
    : null;
  const router = new Router();
  router.get("/openapi.json", (ctx) => {
    if (configured) {
      ctx.set("Cache-Control", "public, max-age=300");
      ctx.body = configured;
      return;
    }
    // Without GATEWAY_PUBLIC_URL the document names the address the caller used: never cache it for others.
    ctx.set("Cache-Control", "no-store");
    ctx.body = buildActionsDocument(coreDoc, `${ctx.protocol}://${ctx.host}`, ACTION_ROUTES);
  });
  return router;
}
