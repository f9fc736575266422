import type { GatewayConfig } from "../config.js";
import type { Logger } from "../../common/logger.js";
import type { GatewayMetrics } from "../metrics.js";
import { createCoreProxy } from "./core-proxy.js";
import type { CoreForwarder } from "../routes/files-proxy.js";

/**
 * The proxy to users' Cores as the files routes use it: the route's own path on the Core.
 * (`/openapi.json` is not proxied: the Gateway serves its own, see routes/actions-openapi.ts.)
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
  const forward: CoreForwarder = (ctx, target, path) => proxy.forward(ctx, target, path);
  return Object.assign(forward, { close: () => proxy.close() });
}
