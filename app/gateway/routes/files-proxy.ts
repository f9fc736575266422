import { Router } from "@koa/router";
import type { Context, Middleware } from "koa";
import { ForbiddenError, ServiceUnavailableError } from "../../common/errors.js";
import { principalOf } from "../middleware/authenticate.js";
import type { ProxyAdmission } from "../proxy/admission.js";
import type { CoreTarget, TunnelRegistry } from "../registry/tunnel-registry.js";

/**
 * Forwards the request to `path` on the caller's Core and writes its answer to `ctx`. `path` is
 * the route's own spelling, never the caller's: `/OPENAPI.JSON` matches the same route (routes
 * are case-insensitive) and is forwarded, and rewritten, as `/openapi.json`.
 */
export type CoreForwarder = (ctx: Context, target: CoreTarget, path: ProxiedPath) => Promise<void>;

export interface FilesProxyRoutesDeps {
  tunnels: TunnelRegistry;
  forward: CoreForwarder;
  authenticated: Middleware[];
  admission: ProxyAdmission;
}

/** The routes answered by the caller's own Core, reached through its registered tunnel. */
export const PROXIED_ROUTES = [
  ["get", "/files/structure"],
  ["post", "/files/content"],
  ["get", "/files/content"],
  ["get", "/files/info"],
  ["get", "/files/list"],
  ["get", "/files/search"],
  ["post", "/mcp"],
] as const;

export type ProxiedPath = (typeof PROXIED_ROUTES)[number][1];

export function filesProxyRoutes(deps: FilesProxyRoutesDeps): Router {
  const router = new Router();
  const toCore =
    (path: ProxiedPath): Middleware =>
    async (ctx) => {
      const principal = principalOf(ctx);
      if (principal.isAdmin)
        throw new ForbiddenError("The admin key has no Core; use the API key the Core registered with");
      const target = await deps.tunnels.target(principal.keyId);
      if (!target) {
        throw new ServiceUnavailableError(
          "No Core is registered for this API key: start the Core with this key so it registers its tunnel URL",
        );
      }
      const release = deps.admission.admit(principal.keyId);
      // Held until the answer has gone out (a streamed one included), or the caller left.
      ctx.res.once("close", release);
      try {
        await deps.forward(ctx, target, path);
      } catch (err) {
        release();
        // The Core may have registered again (new URL or token) through another Gateway instance.
        if ((err as { status?: number }).status === 502) deps.tunnels.invalidate(principal.keyId);
        throw err;
      }
    };
  for (const [method, path] of PROXIED_ROUTES) router[method](path, ...deps.authenticated, toCore(path));
  return router;
}
