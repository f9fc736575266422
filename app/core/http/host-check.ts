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
