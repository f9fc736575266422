/**
 * MCP through a real Gateway to a real Core: the protocol's own headers must cross the proxy in
 * both directions, and the Core's refusals (batches, foreign origins, bad headers) must reach the
 * caller as the Core gave them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  initializeRequest,
  MODERN_REVISION,
  modernRequest,
  postMcp,
} from "../../app/core/mcp/testing/raw-mcp.js";
import { startMcpStack, type McpStack } from "./support/mcp-stack.js";

let stack: McpStack;

beforeAll(async () => {
  stack = await startMcpStack({ "src/app.ts": "export const needle = 42;\n", "big.txt": "z".repeat(60_000) });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const viaGateway = (init: Parameters<typeof postMcp>[1]) =>
  postMcp(stack.gatewayMcpUrl, { ...init, headers: { "X-API-KEY": stack.key, ...init.headers } });

const modern = (id: number, method: string, params: Record<string, unknown> = {}, headers = {}) => {
  const req = modernRequest(id, method, params);
  return viaGateway({ body: req.body, headers: { ...req.headers, ...headers } });
};

describe("MCP through the Gateway", () => {
  it("serves a 2026-07-28 call with no handshake, answering JSON", async () => {
    const reply = await modern(1, "tools/call", { name: "search", arguments: { q: "needle" } });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    expect(reply.json).toMatchObject({
      id: 1,
      result: { structuredContent: { results: [{ path: "src/app.ts" }] } },
    });
  });

  it("carries MCP-Protocol-Version to the Core (the Core sees a header that disagrees with _meta)", async () => {
    const reply = await modern(2, "tools/list", {}, { "MCP-Protocol-Version": "2026-01-01" });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32020);
  });

  it("carries Mcp-Method to the Core", async () => {
    const reply = await modern(3, "tools/list", {}, { "Mcp-Method": "prompts/list" });
    expect(reply.status).toBe(400);
    expect(reply.json?.error).toMatchObject({ code: -32020, message: expect.stringContaining("Mcp-Method") });
  });

  it("carries Mcp-Name to the Core", async () => {
    const reply = await modern(
      4,
      "tools/call",
      { name: "search", arguments: { q: "needle" } },
      { "Mcp-Name": "read_files" },
    );
    expect(reply.status).toBe(400);
    expect(reply.json?.error).toMatchObject({ code: -32020, message: expect.stringContaining("Mcp-Name") });
  });

  it("carries a 2025 client's MCP-Protocol-Version to the Core", async () => {
    const known = await viaGateway({
      body: { jsonrpc: "2.0", id: 5, method: "tools/list", params: {} },
      headers: { "MCP-Protocol-Version": "2025-06-18" },
    });
    expect(known.status).toBe(200);
    const unknown = await viaGateway({
      body: { jsonrpc: "2.0", id: 6, method: "tools/list", params: {} },
      headers: { "MCP-Protocol-Version": "1999-01-01" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json?.error?.message).toMatch(/Unsupported protocol version: 1999-01-01/);
  });

  it("completes a 2025-06-18 initialize handshake", async () => {
    const reply = await viaGateway({ body: initializeRequest("2025-06-18") });
    expect(reply.status).toBe(200);
    expect(reply.json?.result).toMatchObject({ protocolVersion: "2025-06-18" });
    expect(reply.headers["mcp-session-id"]).toBeUndefined();
  });

  it("answers a notification with 202 and no body", async () => {
    const reply = await viaGateway({
      body: { jsonrpc: "2.0", method: "notifications/initialized" },
      headers: { "MCP-Protocol-Version": "2025-06-18" },
    });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe("");
  });

  it("refuses a JSON-RPC batch in a few hundred bytes (once: 12 KB in, 504 MB out)", async () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "tools/call",
      params: { name: "read_files", arguments: { file_paths: ["big.txt", "./big.txt", "big.txt/."] } },
    }));
    const reply = await viaGateway({ body: batch });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32600);
    expect(reply.text.length).toBeLessThan(1_000);
  });

  it("refuses a web page on another origin (403)", async () => {
    const reply = await viaGateway({
      body: initializeRequest("2025-06-18"),
      headers: { Origin: "https://evil.example.com" },
    });
    expect(reply.status).toBe(403);
  });

  it("accepts a web page on the Gateway's own origin", async () => {
    const reply = await viaGateway({
      body: initializeRequest("2025-06-18"),
      headers: { Origin: stack.gateway.url },
    });
    expect(reply.status).toBe(200);
  });

  it("names an unknown tool argument instead of ignoring it", async () => {
    const reply = await modern(7, "tools/call", {
      name: "read_files",
      arguments: { file_paths: ["big.txt"], offset: 1000 },
    });
    expect(reply.status).toBe(200);
    expect(reply.json?.result).toMatchObject({ isError: true });
    expect(JSON.stringify(reply.json)).toMatch(/unknown argument \\"offset\\"/);
    expect(reply.text).not.toContain("zzzz");
  });

  it("serves the revision the modern clients ask for", async () => {
    const reply = await modern(8, "server/discover");
    expect(reply.json?.result).toMatchObject({ supportedVersions: [MODERN_REVISION] });
  });
});
