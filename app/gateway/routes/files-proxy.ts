import { Router } from "@koa/router";
import compose from "koa-compose";
import type { Context, Middleware, Next } from "koa";
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

export interface FilesProxy {
  /** the proxied routes, matched as every other route is (case-insensitive, trailing slash) */
  router: Router;
  /**
   * Mounted before compression, the not-found body and the routers: a `/files/*` request (the
   * hot path) runs its route's own middleware — the same authentication, rate limit and
   * forwarding — without being matched against every router in turn, and without steps only the
   * Gateway's own answers need. It matches as the router does: any letter case, one trailing
   * slash. Anything else goes on (a HEAD, a wrong method's 405, and `/mcp`, which OAuth's
   * challenge wraps, reach the router).
   */
  fastPath: Middleware;
}

export function filesProxy(deps: FilesProxyRoutesDeps): FilesProxy {
  const router = new Router();
  const exact = new Map<string, Middleware>();
  for (const [method, path] of PROXIED_ROUTES) {
    const chain = [...deps.authenticated, toCore(deps, path)];
    router[method](path, ...chain);
    if (path.startsWith("/files/")) exact.set(`${method.toUpperCase()} ${path}`, compose(chain));
  }
  const fastPath = (ctx: Context, next: Next) => {
    const path = routePath(ctx.path);
    const route = path === undefined ? undefined : exact.get(`${ctx.method} ${path}`);
    if (route === undefined) return next();
    // What the router would have recorded: metrics and the request log name the route by it.
    (ctx as Context & { _matchedRoute?: string })._matchedRoute = path;
    return route(ctx, next);
  };
  return { router, fastPath };
}

const ASCII_PATH = /^[\x21-\x7e]{1,64}$/;

/**
 * The route a path names under the router's rules (routes are case-insensitive and take one
 * trailing slash), or undefined. Only printable ASCII: every route is, and lower-casing
 * anything else could turn it into a route's letters (the Kelvin sign into "k").
 */
function routePath(path: string): string | undefined {
  if (!ASCII_PATH.test(path)) return undefined;
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith("/") ? lower.slice(0, -1) : lower;
}

function toCore(deps: FilesProxyRoutesDeps, path: ProxiedPath): Middleware {
  return async (ctx) => {
    const principal = principalOf(ctx);
    if (principal.isAdmin)
      throw new ForbiddenError("The admin key has no Core; use the API key the Core registered with");
    const known = deps.tunnels.target(principal.keyId);
    const target = known instanceof Promise ? await known : known;
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
}
