import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics of one Gateway instance. A registry per app (not prom-client's global
 * one), so several Gateways in one process, as in tests, count separately.
 */
export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "gateway_" });
  const requests = new Counter({
    name: "gateway_http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "gateway_http_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: "gateway_auth_failures_total",
    help: "Requests refused for a missing, invalid, expired or revoked key",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "gateway_rate_limited_total",
    help: "Requests refused with 429, by limit",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  const proxyErrors = new Counter({
    name: "gateway_proxy_errors_total",
    help: "Proxied requests that failed, by cause (timeout, connection_refused, core_unauthorized, ...)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const storeCalls = new Counter({
    name: "gateway_store_calls_total",
    help: "Calls to the record store by operation, record kind and outcome",
    labelNames: ["op", "kind", "outcome"] as const,
    registers: [registry],
  });
  return { registry, requests, latency, authFailures, rateLimited, proxyErrors, storeCalls };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
