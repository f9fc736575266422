import { Router } from "@koa/router";
import type { Context, Middleware } from "koa";
import { ForbiddenError, ServiceUnavailableError } from "../../common/errors.js";
import { principalOf } from "../middleware/authenticate.js";
import type { CoreTarget, TunnelRegistry } from "../registry/tunnel-registry.js";

/** Forwards the request to the caller's Core and writes its answer to `ctx`. */
export type CoreForwarder = (ctx: Context, target: CoreTarget) => Promise<void>;

export interface FilesProxyRoutesDeps {
  tunnels: TunnelRegistry;
  forward: CoreForwarder;
  authenticated: Middleware[];
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

export function filesProxyRoutes(deps: FilesProxyRoutesDeps): Router {
  const router = new Router();
  const toCore: Middleware = async (ctx) => {
    const principal = principalOf(ctx);
    if (principal.isAdmin)
      throw new ForbiddenError("The admin key has no Core; use the API key the Core registered with");
    const target = await deps.tunnels.target(principal.keyId);
    if (!target) {
      throw new ServiceUnavailableError(
        "No Core is registered for this API key: start the Core with this key so it registers its tunnel URL",
      );
    }
    try {
      await deps.forward(ctx, target);
    } catch (err) {
      // The Core may have registered again (new URL or token) through another Gateway instance.
      if ((err as { status?: number }).status === 502) deps.tunnels.invalidate(principal.keyId);
      throw err;
    }
  };
  for (const [method, path] of PROXIED_ROUTES) router[method](path, ...deps.authenticated, toCore);
  return router;
}
