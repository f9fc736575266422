import type { IncomingHttpHeaders } from "node:http";

/** Server-sent events (MCP answers with them): relayed as they arrive, never buffered. */
export function isEventStream(headers: IncomingHttpHeaders): boolean {
  return /^text\/event-stream\b/i.test(String(headers["content-type"] ?? ""));
}
