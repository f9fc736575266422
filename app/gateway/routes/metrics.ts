import { Router } from "@koa/router";
import type { Middleware } from "koa";
import type { Registry } from "prom-client";
import { requireAdmin } from "../middleware/authenticate.js";

/** `GET /metrics` in the Prometheus text format, for the admin only. */
export function metricsRoutes(deps: { registry: Registry; authenticated: Middleware[] }): Router {
  const router = new Router();
  router.get("/metrics", ...deps.authenticated, requireAdmin(), async (ctx) => {
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
  return router;
}
