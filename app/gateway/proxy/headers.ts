import type { IncomingHttpHeaders } from "node:http";

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); never forwarded. */
const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Caller headers the Core must never see: credentials meant for the Gateway (the caller's API
 * key, an admin session cookie and its CSRF token), and headers the Gateway sets itself.
 * Forwarding headers are dropped too: callers can forge them and the Core has no use for them.
 */
const NOT_FORWARDED_TO_CORE = new Set([
  "x-api-key",
  "authorization",
  "cookie",
  "x-csrf-token",
  "host",
  "content-length",
  "expect",
  "x-request-id",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
]);

/**
 * The Core response headers the caller gets; everything else stays behind. An allowlist,
 * because a Core is run by a key holder: it must not set cookies on the Gateway's domain, its
 * own CSP, Clear-Site-Data, HSTS, Refresh, Link or Alt-Svc, nor overwrite the Gateway's
 * RateLimit-* and X-Request-Id. Content-Length is recomputed for the body actually sent.
 */
const RETURNED_TO_CALLER: ReadonlySet<string> = new Set([
  "content-type",
  "content-encoding",
  "content-language",
  "cache-control",
  "vary",
  "etag",
  "last-modified",
  "retry-after",
  "mcp-protocol-version",
  "mcp-session-id",
]);

/** What a Core serves: JSON (and problem+json errors), MCP's event streams, plain-text errors. */
const CORE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/problem+json",
  "text/event-stream",
  "text/plain",
]);

/** The media type of a Content-Type value ("application/json; charset=utf-8" → "application/json"). */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** True when the Core's answer has no content type or one the Core is known to serve. */
export function isCoreContentType(contentType: HeaderValue): boolean {
  if (contentType === undefined) return true;
  if (Array.isArray(contentType)) return false;
  return CORE_CONTENT_TYPES.has(mediaTypeOf(contentType));
}

/**
 * Set on every proxied answer: never sniffed into something executable, and if a browser
 * renders one anyway it runs sandboxed, with nothing loaded and no framing.
 */
export const PROXIED_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
});

type HeaderValue = string | string[] | undefined;
export type OutgoingHeaders = Record<string, string | string[]>;

const NO_TOKENS: ReadonlySet<string> = new Set();

/** Names listed in the `Connection` header: hop-by-hop for this message only. */
function connectionTokens(headers: Record<string, HeaderValue>): ReadonlySet<string> {
  const raw = headers.connection;
  if (raw === undefined) return NO_TOKENS; // the usual case, on the hot path
  const tokens = new Set<string>();
  for (const value of Array.isArray(raw) ? raw : [raw]) {
    for (const token of value.split(",")) {
      const name = token.trim().toLowerCase();
      if (name !== "") tokens.add(name);
    }
  }
  return tokens;
}

function isHopByHop(name: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP_HEADERS.has(name) || name.startsWith("proxy-") || named.has(name);
}

/**
 * The headers the Gateway sends to the Core: the caller's end-to-end headers (Accept,
 * Content-Type, MCP session headers, ...) minus hop-by-hop and credential headers, plus the
 * Core's own registration token as a bearer token and the Gateway's request id.
 */
export function headersForCore(
  incoming: IncomingHttpHeaders,
  coreToken: string,
  requestId?: string,
): OutgoingHeaders {
  const named = connectionTokens(incoming);
  const out: OutgoingHeaders = {};
  // Node and undici already give header names in lower case.
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || isHopByHop(name, named) || NOT_FORWARDED_TO_CORE.has(name)) continue;
    out[name] = value;
  }
  out.authorization = `Bearer ${coreToken}`;
  if (requestId) out["x-request-id"] = requestId;
  return out;
}

/** Whether a Core response header goes on to the caller (see RETURNED_TO_CALLER). */
export function isReturnedToCaller(name: string): boolean {
  return RETURNED_TO_CALLER.has(name);
}
