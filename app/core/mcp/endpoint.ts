import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpServer,
} from "@modelcontextprotocol/server";
import type { Logger } from "../../common/logger.js";
import { refusalOf } from "./refusals.js";

/** One MCP endpoint serving both protocol eras from one server factory. */
export interface McpEndpoint {
  /** Answers one HTTP exchange; `body` is the request's parsed JSON body. */
  handle(request: Request, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Serves MCP 2026-07-28 (stateless: every request carries its protocol version and client
 * capabilities in `_meta`; `server/discover`) and, on the same URL, the 2025-era revisions
 * (`initialize` handshake) statelessly. The SDK's entry is hand-wired, as its docs describe, so
 * that 2025-era answers are plain JSON like 2026-era ones: one request, one JSON answer, which
 * a proxy can bound and a log can size.
 *
 * Before either era sees a message, what one HTTP request may ask is narrowed to one call
 * (see refusals.ts): no batches, no long-lived notification stream.
 */
export function createMcpEndpoint(buildServer: () => McpServer, logger: Logger): McpEndpoint {
  const modern = createMcpHandler(() => buildServer(), {
    legacy: "reject",
    // The SDK reports every refused request here; they are the caller's mistakes, not ours.
    onerror: (err) => logger.debug({ err }, "MCP request refused"),
  });

  async function serveLegacy(request: Request, body: unknown): Promise<Response> {
    const server = buildServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, { parsedBody: body });
    } finally {
      void transport.close().catch(() => {});
      void server.close().catch(() => {});
    }
  }

  return {
    async handle(request, body) {
      const refusal = refusalOf(body);
      if (refusal) return refusal;
      if (await isLegacyRequest(request, body)) return serveLegacy(request, body);
      return modern.fetch(request, { parsedBody: body });
    },
    close: () => modern.close(),
  };
}
