import type { Context, Middleware, Next } from "koa";
import { ForbiddenError } from "../../common/errors.js";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * DNS-rebinding defence for the MCP endpoint: the Host header must name loopback, the bind
 * address, the current public (tunnel) URL's host, or a host listed in CORE_ALLOWED_HOSTS.
 * The public URL is read per request because a tunnel may change it.
 */
export function requireKnownHost(options: {
  bindHost: string;
  extraHosts: string[];
  publicUrl: () => string | undefined;
}): Middleware {
  return async (ctx: Context, next: Next) => {
    const host = hostnameOf(ctx.get("host"));
    const allowed =
      host !== undefined &&
      (LOOPBACK.has(host) ||
        host === options.bindHost.toLowerCase() ||
        options.extraHosts.includes(host) ||
        host === publicHost(options.publicUrl()));
    if (!allowed)
      throw new ForbiddenError(
        "Host not allowed: add it to CORE_ALLOWED_HOSTS if this Core is reached under that name",
      );
    return next();
  };
}

/**
 * Cross-site defence for the MCP endpoint (the MCP transport spec: an invalid `Origin` is a 403).
 * Assistants and SDK clients send no `Origin`; a browser always does, and a page on another site
 * must not drive the tools with a user's credentials. Allowed: the request's own origin, the
 * public (tunnel) URL, the Gateway (it forwards its callers' `Origin`), and CORE_ALLOWED_ORIGINS.
 */
export function requireAllowedOrigin(options: {
  extraOrigins: string[];
  publicUrl: () => string | undefined;
  gatewayUrl?: string;
}): Middleware {
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get("origin");
    if (origin === "") return next();
    const allowed = new Set([
      // Not ctx.origin: in Koa 3 that reads the Origin header itself.
      `${ctx.protocol}://${ctx.host}`.toLowerCase(),
      ...options.extraOrigins,
      ...[options.publicUrl(), options.gatewayUrl].map(originOf).filter((o) => o !== undefined),
    ]);
    // `null` (opaque origins: sandboxed frames, file://) never matches: it names no site.
    if (!allowed.has(originOf(origin) ?? "")) {
      throw new ForbiddenError(
        "Origin not allowed: add it to CORE_ALLOWED_ORIGINS if a web page there should call this MCP endpoint",
      );
    }
    return next();
  };
}

function hostnameOf(header: string): string | undefined {
  if (header === "") return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function publicHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
