import type { Context } from "koa";

export const SESSION_COOKIE = "cq_admin_session";

/** "auto": Secure when the request arrived over https (directly, or per X-Forwarded-Proto). */
export type SecureCookies = "auto" | boolean;

/**
 * Whether the browser reached us over https. Behind the ALB the TLS ends at the balancer, so
 * X-Forwarded-Proto tells; trusting it here is harmless, since a client that lies only gets a
 * cookie its own plain-http connection will not send back.
 */
export function requestIsHttps(ctx: Context): boolean {
  if (ctx.secure) return true;
  const forwarded = ctx.get("x-forwarded-proto").split(",")[0]?.trim().toLowerCase();
  return forwarded === "https";
}

function attributes(ctx: Context, secure: SecureCookies, maxAgeSeconds: number): string {
  const parts = ["Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeSeconds}`];
  if (secure === true || (secure === "auto" && requestIsHttps(ctx))) parts.push("Secure");
  return parts.join("; ");
}

export function setSessionCookie(
  ctx: Context,
  id: string,
  maxAgeSeconds: number,
  secure: SecureCookies,
): void {
  ctx.append("Set-Cookie", `${SESSION_COOKIE}=${id}; ${attributes(ctx, secure, maxAgeSeconds)}`);
}

export function clearSessionCookie(ctx: Context, secure: SecureCookies): void {
  ctx.append("Set-Cookie", `${SESSION_COOKIE}=; ${attributes(ctx, secure, 0)}`);
}

/** The session id from the Cookie header, or undefined. */
export function readSessionCookie(ctx: Context): string | undefined {
  const header = ctx.get("cookie");
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}
