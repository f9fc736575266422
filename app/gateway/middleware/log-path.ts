import type { Context } from "koa";
import { isKeyId, parseApiKey } from "../keys/key-format.js";

/** Path segments shaped like a secret (API key, admin key, token): never written to a log. */
const SECRET_LIKE = /^[A-Za-z0-9_~.+/=-]{16,}$/;
const REDACTED = "[redacted]";

/**
 * The request path as it may appear in a log line or an error message. A matched route is
 * written as its pattern with its parameters (already decoded by the router) filled in: a key id
 * or "self" as is, an API key as `cq_<key id>_[redacted]`, anything secret-like (the admin key
 * typed into `DELETE /api-keys/<key>`, however it was percent-encoded) as "[redacted]". An
 * unmatched path is decoded segment by segment, and every secret-like segment is replaced.
 */
export function loggablePath(ctx: Context): string {
  const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof route === "string") {
    if (!route.includes(":")) return route;
    const params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
    return route.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
      const value = params[name];
      if (value === undefined) return REDACTED;
      if (value === "self" || isKeyId(value)) return value;
      // An API key in the path: its key id says whose it was, the secret stays out.
      const keyId = parseApiKey(value)?.keyId;
      if (keyId !== undefined) return `cq_${keyId}_${REDACTED}`;
      return isSecretLike(value) ? REDACTED : value;
    });
  }
  return redactPath(ctx.path);
}

export function redactPath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => {
      return isSecretLike(decodeSegment(segment)) ? REDACTED : segment;
    })
    .join("/");
}

function isSecretLike(value: string): boolean {
  return SECRET_LIKE.test(value) || value.includes("cq_");
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
