/** JSON-RPC error codes used before a message reaches the SDK (JSON-RPC 2.0 §5.1). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;

/** A JSON-RPC error answer with its HTTP status, as the MCP Streamable HTTP transport sends them. */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
): Response {
  return Response.json({ jsonrpc: "2.0", id, error: { code, message } }, { status });
}

/**
 * What this endpoint refuses before either protocol era sees the message, so that one HTTP
 * request is one call with one answer budget:
 * - a JSON-RPC batch (removed from MCP in 2025-06-18): a batch of reads once multiplied one
 *   12 KB request into a 504 MB answer;
 * - `subscriptions/listen` (2026-07-28): the server has nothing to notify (its tools never
 *   change and it has no resources), so a stream would only hold a connection open.
 */
export function refusalOf(body: unknown): Response | undefined {
  if (body === undefined) return jsonRpcError(400, PARSE_ERROR, "Parse error: the request body is empty");
  if (Array.isArray(body)) {
    return jsonRpcError(
      400,
      INVALID_REQUEST,
      "Invalid Request: JSON-RPC batches are not supported (MCP removed them in 2025-06-18); send one message per HTTP request",
    );
  }
  const message = body as { method?: unknown; id?: unknown };
  if (typeof message === "object" && message !== null && message.method === "subscriptions/listen") {
    const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
    return jsonRpcError(
      200,
      METHOD_NOT_FOUND,
      "Method not found: this server sends no notifications (its tool list is fixed), so there is nothing to listen for",
      id,
    );
  }
  return undefined;
}
