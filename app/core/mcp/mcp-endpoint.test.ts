import { describe, expect, it } from "vitest";
import { ConfigError } from "../../common/config.js";
import { loadCoreConfig } from "../config.js";
import { coreForEachTest, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { createTempProject } from "../testing/temp-project.js";
import { initializeRequest, MODERN_REVISION, modernRequest, postMcp } from "./testing/raw-mcp.js";

const cores = coreForEachTest();
let running: RunningCore | undefined;

async function start(
  env: Record<string, string> = {},
  files: Record<string, string> = { "a.txt": "hello\n" },
) {
  running = await cores.start(files, env);
  return running;
}

const KEY = { "X-API-KEY": TEST_API_KEY };
const post = (init: Parameters<typeof postMcp>[1]) =>
  postMcp(`${running!.url}/mcp`, { ...init, headers: { ...KEY, ...init.headers } });
const modern = (id: number, method: string, params: Record<string, unknown> = {}, headers = {}) => {
  const req = modernRequest(id, method, params);
  return post({ body: req.body, headers: { ...req.headers, ...headers } });
};

describe("MCP 2026-07-28 on POST /mcp", () => {
  it("answers server/discover with no handshake: its revision, honest capabilities and instructions", async () => {
    await start();
    const reply = await modern(1, "server/discover");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    expect(reply.json?.result).toMatchObject({
      supportedVersions: [MODERN_REVISION],
      capabilities: { tools: { listChanged: false } },
      instructions: expect.stringContaining("read_files"),
    });
    expect(Object.keys(reply.json?.result?.capabilities as object)).toEqual(["tools"]);
  });

  it("serves a tool call on its own: no initialize, no session", async () => {
    await start();
    const reply = await modern(7, "tools/call", { name: "read_files", arguments: { file_paths: ["a.txt"] } });
    expect(reply.status).toBe(200);
    expect(reply.headers["mcp-session-id"]).toBeUndefined();
    expect(reply.json).toMatchObject({
      id: 7,
      result: { structuredContent: { "a.txt": { content: "hello\n" } } },
    });
    expect(reply.json?.result?.isError).toBeFalsy();
  });

  it("refuses a request whose MCP-Protocol-Version header disagrees with its _meta (-32020)", async () => {
    await start();
    const reply = await modern(1, "tools/list", {}, { "MCP-Protocol-Version": "2026-01-01" });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32020);
  });

  it("refuses a request whose Mcp-Name header names another tool than its body (-32020)", async () => {
    await start();
    const reply = await modern(
      1,
      "tools/call",
      { name: "read_files", arguments: { file_paths: ["a.txt"] } },
      {
        "Mcp-Name": "search",
      },
    );
    expect(reply.status).toBe(400);
    expect(reply.json?.error).toMatchObject({ code: -32020, message: expect.stringContaining("Mcp-Name") });
  });

  it("refuses a revision it does not serve, naming the ones it does (-32022)", async () => {
    await start();
    const req = modernRequest(1, "tools/list");
    const meta = { ...req.body.params._meta, "io.modelcontextprotocol/protocolVersion": "2099-01-01" };
    const reply = await post({
      body: { ...req.body, params: { _meta: meta } },
      headers: { ...req.headers, "MCP-Protocol-Version": "2099-01-01" },
    });
    expect(reply.status).toBe(400);
    expect(reply.json?.error).toMatchObject({ code: -32022, data: { supported: [MODERN_REVISION] } });
  });

  it("refuses a 2026-07-28 header on a request without the _meta envelope (-32602)", async () => {
    await start();
    const reply = await post({
      body: { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} },
      headers: { "MCP-Protocol-Version": MODERN_REVISION },
    });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32602);
  });
});

describe("2025-era clients on the same POST /mcp", () => {
  it.each(["2025-11-25", "2025-06-18"])("completes the initialize handshake at %s", async (revision) => {
    await start();
    const reply = await post({ body: initializeRequest(revision) });
    expect(reply.status).toBe(200);
    expect(reply.json?.result).toMatchObject({
      protocolVersion: revision,
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: "codequery-core" },
      instructions: expect.stringContaining("search"),
    });
  });

  it("answers a 2025-06-18 request statelessly, without a session id", async () => {
    await start();
    const reply = await post({
      body: {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "search", arguments: { q: "hello" } },
      },
      headers: { "MCP-Protocol-Version": "2025-06-18" },
    });
    expect(reply.status).toBe(200);
    expect(reply.json?.result).toMatchObject({
      structuredContent: { results: [{ path: "a.txt", line: 1 }] },
    });
  });

  it("refuses an unknown MCP-Protocol-Version (400)", async () => {
    await start();
    const reply = await post({
      body: { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} },
      headers: { "MCP-Protocol-Version": "1999-01-01" },
    });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.message).toMatch(/Unsupported protocol version/);
  });
});

describe("one HTTP request, one call, one answer budget", () => {
  it("refuses a JSON-RPC batch (-32600) without running any of it", async () => {
    // Issue 12 #6: a 12 KB batch of reads (one path spelled many ways) once produced a 504 MB answer.
    const big = "y".repeat(60_000);
    await start({}, { "big.txt": big });
    const spellings = ["big.txt", "./big.txt", "big.txt/.", "./././big.txt"];
    const batch = Array.from({ length: 100 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "tools/call",
      params: { name: "read_files", arguments: { file_paths: spellings } },
    }));
    const reply = await post({ body: batch });
    expect(reply.status).toBe(400);
    expect(reply.json?.error).toMatchObject({ code: -32600, message: expect.stringMatching(/batch/) });
    expect(reply.text.length).toBeLessThan(1_000);
  });

  it("refuses an empty batch too", async () => {
    await start();
    const reply = await post({ body: [] });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32600);
  });

  it("refuses subscriptions/listen at once instead of holding a stream open", async () => {
    await start();
    const reply = await modern(3, "subscriptions/listen", { filter: { toolsListChanged: true } });
    expect(reply.json).toMatchObject({ id: 3, error: { code: -32601 } });
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("answers a body that is not JSON with a JSON-RPC parse error (-32700)", async () => {
    await start();
    const reply = await post({ rawBody: "{not json" });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32700);
  });

  it("answers an empty body with a JSON-RPC parse error (-32700)", async () => {
    await start();
    const reply = await post({ rawBody: "" });
    expect(reply.status).toBe(400);
    expect(reply.json?.error?.code).toBe(-32700);
  });

  it("refuses a body that is not declared as JSON (415)", async () => {
    await start();
    const reply = await post({
      body: initializeRequest("2025-06-18"),
      headers: { "Content-Type": "text/plain" },
    });
    expect(reply.status).toBe(415);
  });

  it("refuses a body over MAX_BODY_BYTES (413)", async () => {
    await start({ MAX_BODY_BYTES: "1024" });
    const reply = await modern(1, "tools/call", { name: "search", arguments: { q: "z".repeat(2_000) } });
    expect(reply.status).toBe(413);
  });

  it("answers 405 to GET (no server-initiated stream: stateless endpoint)", async () => {
    await start();
    const res = await running!.call("/mcp");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("MCP endpoint guards", () => {
  it("refuses a Host header it does not know (DNS rebinding)", async () => {
    await start();
    const reply = await post({
      body: initializeRequest("2025-06-18"),
      headers: { Host: "evil.example.com" },
    });
    expect(reply.status).toBe(403);
  });

  it("accepts the public (tunnel) host", async () => {
    await start({ CORE_PUBLIC_URL: "https://abc.ngrok-free.app" });
    const reply = await post({
      body: initializeRequest("2025-06-18"),
      headers: { Host: "abc.ngrok-free.app" },
    });
    expect(reply.status).toBe(200);
  });

  it("refuses a request from a web page on another origin (403), even with a valid key", async () => {
    await start();
    const reply = await post({
      body: initializeRequest("2025-06-18"),
      headers: { Origin: "https://evil.example.com" },
    });
    expect(reply.status).toBe(403);
    expect(reply.json?.error).toMatch(/Origin not allowed.*CORE_ALLOWED_ORIGINS/);
  });

  it("refuses the opaque origin `null` (sandboxed frames, file:// pages)", async () => {
    await start();
    const reply = await post({ body: initializeRequest("2025-06-18"), headers: { Origin: "null" } });
    expect(reply.status).toBe(403);
  });

  it("accepts a request without Origin (assistants and SDK clients send none)", async () => {
    await start();
    const reply = await post({ body: initializeRequest("2025-06-18") });
    expect(reply.status).toBe(200);
  });

  it("accepts its own origin, the public URL's and the Gateway's", async () => {
    await start({ CORE_PUBLIC_URL: "https://abc.ngrok-free.app", GATEWAY_URL: "https://gw.example.com" });
    const own = new URL(running!.url).origin;
    for (const origin of [own, "https://abc.ngrok-free.app", "https://gw.example.com"]) {
      const reply = await post({ body: initializeRequest("2025-06-18"), headers: { Origin: origin } });
      expect(reply.status, origin).toBe(200);
    }
  });

  it("accepts an origin listed in CORE_ALLOWED_ORIGINS", async () => {
    await start({ CORE_ALLOWED_ORIGINS: "https://inspector.example.com, http://localhost:6274" });
    for (const origin of ["https://inspector.example.com", "http://localhost:6274"]) {
      const reply = await post({ body: initializeRequest("2025-06-18"), headers: { Origin: origin } });
      expect(reply.status, origin).toBe(200);
    }
    const other = await post({
      body: initializeRequest("2025-06-18"),
      headers: { Origin: "http://localhost:6275" },
    });
    expect(other.status).toBe(403);
  });

  it("refuses a CORE_ALLOWED_ORIGINS entry that is not an origin, naming it", () => {
    const project = createTempProject({});
    try {
      const load = (value: string) =>
        loadCoreConfig({ PROJECT_PATH: project.root, API_KEY: TEST_API_KEY, CORE_ALLOWED_ORIGINS: value });
      expect(() => load("https://ok.example.com,https://app.example.com/path")).toThrow(ConfigError);
      expect(() => load("*")).toThrow(/CORE_ALLOWED_ORIGINS.*"\*"/s);
      expect(load("HTTPS://App.Example.com/").allowedOrigins).toEqual(["https://app.example.com"]);
    } finally {
      project.cleanup();
    }
  });

  it("still requires the API key", async () => {
    await start();
    const reply = await postMcp(`${running!.url}/mcp`, { body: initializeRequest("2025-06-18") });
    expect(reply.status).toBe(401);
  });
});
