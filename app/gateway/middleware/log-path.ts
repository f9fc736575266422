import type { Context } from "koa";
import { isKeyId, parseApiKey } from "../keys/key-format.js";

/** Path segments shaped like a secret (API key, admin key, token): never written to a log. */
const SECRET_LIKE = /^[A-Za-z0-9_~.+/=-]{16,}$/;
const REDACTED = "[redacted]";

/**
 * The request path as it may appear in a log line or an error message. A matched route is
 * written as its pattern with each parameter filled in only when it is a key id or "self" (an
 * API key shows as `cq_<key id>_[redacted]`);
 * anything else (an API key, the admin key typed into `DELETE /api-keys/<key>`, however it is
 * percent-encoded) becomes "[redacted]". An unmatched path is decoded first, then every
 * secret-like segment is replaced.
 */
export function loggablePath(ctx: Context): string {
  const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof route === "string") {
    if (!route.includes(":")) return route;
    const params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
    return route.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
      const value = params[name];
      if (value !== undefined && (value === "self" || isKeyId(value))) return value;
      // An API key in the path: its key id says whose it was, the secret stays out.
      const keyId = value === undefined ? undefined : parseApiKey(value)?.keyId;
      return keyId === undefined ? REDACTED : `cq_${keyId}_${REDACTED}`;
    });
  }
  return redactPath(ctx.path);
}

export function redactPath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => {
      const decoded = decodeSegment(segment);
      return SECRET_LIKE.test(decoded) || decoded.includes("cq_") ? REDACTED : segment;
    })
    .join("/");
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
