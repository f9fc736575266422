import type { GatewayConfig } from "../config.js";
import type { Logger } from "../../common/logger.js";
import type { GatewayMetrics } from "../metrics.js";
import { createCoreProxy } from "./core-proxy.js";
import { rewriteOpenApiForGateway } from "./openapi.js";
import type { CoreForwarder } from "../routes/files-proxy.js";

/**
 * The proxy to users' Cores as the files routes use it: the route's path on the Core, and for
 * `/openapi.json` the document rewritten so it names the Gateway (GATEWAY_PUBLIC_URL, or the
 * origin the caller used) and `X-API-KEY`.
 */
export function createCoreForwarder(
  config: GatewayConfig,
  metrics: GatewayMetrics,
  logger: Logger,
): CoreForwarder & { close(): Promise<void> } {
  const proxy = createCoreProxy({
    connectTimeoutMs: config.proxyConnectTimeoutMs,
    responseTimeoutMs: config.proxyResponseTimeoutMs,
    totalTimeoutMs: config.proxyTotalTimeoutMs,
    maxRequestBytes: config.proxyMaxRequestBytes,
    maxResponseBytes: config.proxyMaxResponseBytes,
    memoryBudgetBytes: config.proxyMemoryBudgetBytes,
    allowInsecure: config.allowInsecureTunnels,
    logger,
    onError: (kind) => metrics.proxyErrors.inc({ kind }),
  });
  const forward: CoreForwarder = (ctx, target, path) => {
    if (path !== "/openapi.json") return proxy.forward(ctx, target, path);
    const publicUrl = config.publicUrl ?? `${ctx.protocol}://${ctx.host}`;
    return proxy.forward(ctx, target, path, {
      rewriteJson: (doc: unknown) => rewriteOpenApiForGateway(doc, publicUrl),
    });
  };
  return Object.assign(forward, { close: () => proxy.close() });
}
