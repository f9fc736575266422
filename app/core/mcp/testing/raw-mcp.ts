import { request, type IncomingHttpHeaders } from "node:http";

export const MODERN_REVISION = "2026-07-28";

/** The per-request `_meta` envelope a 2026-07-28 client sends with every request. */
export const modernMeta = (revision = MODERN_REVISION) => ({
  "io.modelcontextprotocol/protocolVersion": revision,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw-test-client", version: "1.0.0" },
});

/** A 2026-07-28 request as a client sends it: envelope in `_meta`, the standard headers beside it. */
export function modernRequest(id: number, method: string, params: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { "MCP-Protocol-Version": MODERN_REVISION, "Mcp-Method": method };
  if (typeof params.name === "string") headers["Mcp-Name"] = params.name;
  return { body: { jsonrpc: "2.0", id, method, params: { ...params, _meta: modernMeta() } }, headers };
}

/** A 2025-era `initialize` request. */
export const initializeRequest = (protocolVersion: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw-test-client", version: "1.0.0" } },
});

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** the body as JSON, or undefined when it is not JSON */
  json:
    | { result?: Record<string, unknown>; error?: { code: number; message: string }; [k: string]: unknown }
    | undefined;
}

/**
 * POST to an MCP endpoint with exactly the given headers (node:http, not fetch: fetch does not
 * let a caller set Host, and adds an Origin of its own in some runtimes).
 */
export function postMcp(
  url: string,
  init: { body?: unknown; rawBody?: string; headers?: Record<string, string> },
): Promise<RawReply> {
  const payload = init.rawBody ?? JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          ...init.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: RawReply["json"];
          try {
            json = JSON.parse(text) as RawReply["json"];
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
