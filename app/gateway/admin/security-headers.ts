import type { Middleware } from "koa";

/**
 * Everything the admin page loads comes from this origin: no inline script or style, no
 * frames, no plugins, and API calls only back to the Gateway itself.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function adminSecurityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set("Content-Security-Policy", ADMIN_CSP);
    ctx.set("X-Frame-Options", "DENY");
    ctx.set("Referrer-Policy", "no-referrer");
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Cross-Origin-Opener-Policy", "same-origin");
    ctx.set("Cache-Control", "no-store");
    await next();
  };
}
