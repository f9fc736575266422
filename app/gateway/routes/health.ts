import { Router } from "@koa/router";

/** `GET /`: liveness for load balancers and humans; no auth, no storage. */
export function healthRoutes(info: { version: string }): Router {
  const router = new Router();
  router.get("/", (ctx) => {
    ctx.body = { status: "ok", service: "codequery-gateway", version: info.version };
  });
  return router;
}
