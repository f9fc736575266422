import type { Context, Middleware, Next } from "koa";
import type { GatewayMetrics } from "../metrics.js";

/** Counts requests and observes latency by route pattern (never the raw path: it may hold a key). */
export function httpMetrics(metrics: GatewayMetrics): Middleware {
  return async (ctx: Context, next: Next) => {
    const stopTimer = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      const seconds = Number(process.hrtime.bigint() - stopTimer) / 1e9;
      metrics.requests.inc({ route, method: ctx.method, status: String(ctx.status) });
      metrics.latency.observe({ route, method: ctx.method }, seconds);
    }
  };
}
