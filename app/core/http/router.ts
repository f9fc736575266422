import Router from "@koa/router";
import { AppError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import type { CoreConfig } from "../config.js";
import type { CoreCredentials } from "../credentials.js";
import { buildOpenApiDocument } from "../openapi.js";
import type { Project } from "../project/project.js";
import { requireAuth } from "./auth.js";
import { fileInfoHandler, getContentHandler, postContentHandler } from "./content-routes.js";
import { requireAllowedOrigin, requireKnownHost } from "./host-check.js";
import { listFilesHandler, structureHandler } from "./listing-routes.js";
import { mcpHandler } from "./mcp-route.js";
import { searchHandler } from "./search-routes.js";

export interface RouterDeps {
  config: CoreConfig;
  project: Project;
  credentials: CoreCredentials;
  /** The URL clients should use: tunnel URL, CORE_PUBLIC_URL or the local URL. */
  publicUrl: () => string | undefined;
  logger: Logger;
}

/** Wires the Core's routes; the handlers live beside this file. */
export function createCoreRouter({ config, project, credentials, publicUrl, logger }: RouterDeps): Router {
  const router = new Router();
  const auth = requireAuth(credentials);
  const limits = config.limits;

  router.get("/", (ctx) => {
    ctx.body = { status: "ok", service: "codequery-core" };
  });
  router.get("/files/structure", auth, structureHandler({ project, limits }));
  router.get("/files/list", auth, listFilesHandler({ project, limits }));
  router.post("/files/content", auth, postContentHandler(project, limits));
  router.get("/files/content", auth, getContentHandler(project, limits));
  router.get("/files/info", auth, fileInfoHandler(project, limits));
  router.get("/files/search", auth, searchHandler(project, limits));
  router.get("/openapi.json", auth, (ctx) => {
    ctx.body = buildOpenApiDocument({
      // Not ctx.origin: in Koa 3 that reads the Origin request header.
      publicUrl: publicUrl() ?? `${ctx.protocol}://${ctx.host}`,
      maxFileBytes: limits.maxFileBytes,
      maxFilesPerRequest: limits.maxFilesPerRequest,
      maxRequestBytes: limits.maxRequestBytes,
      searchMaxResults: limits.searchMaxResults,
      maxResponseChars: limits.maxResponseChars,
    });
  });
  const hostCheck = requireKnownHost({ bindHost: config.host, extraHosts: config.allowedHosts, publicUrl });
  const originCheck = requireAllowedOrigin({
    extraOrigins: config.allowedOrigins,
    publicUrl,
    ...(config.gatewayUrl ? { gatewayUrl: config.gatewayUrl } : {}),
  });
  router.post("/mcp", hostCheck, originCheck, auth, mcpHandler(project, limits, logger));
  // Stateless MCP: no server-initiated stream (GET) and no session to end (DELETE).
  router.all("/mcp", hostCheck, originCheck, auth, () => {
    throw new AppError(
      405,
      "Method not allowed: this MCP endpoint is stateless, use POST",
      {},
      { Allow: "POST" },
    );
  });
  return router;
}
