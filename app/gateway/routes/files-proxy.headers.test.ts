import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";
const LISTING = JSON.stringify({ tree: Array.from({ length: 200 }, (_, i) => `src/file${i}.ts`) });

/**
 * A Core run by a key holder who wants to attack the Gateway's users through its answers, and
 * an ordinary Core that compresses: both seen through a real Gateway.
 */
describe("what the Gateway passes back from a Core", () => {
  let gw: TestGateway;
  let core: FakeCore;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    gw = await startTestGateway({ GATEWAY_PUBLIC_URL: "https://gateway.example.com" });
    core = await startFakeCore((req, res) => {
      if (req.url === "/files/search?q=hostile") {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-security-policy": "default-src *",
          "clear-site-data": '"*"',
          "strict-transport-security": "max-age=0",
          refresh: "0; url=https://evil.example",
          link: "<https://evil.example/x.css>; rel=stylesheet",
          "ratelimit-limit": "999999",
          "ratelimit-remaining": "999999",
          "x-request-id": "core-chosen",
          "mcp-protocol-version": "2025-06-18",
          "mcp-session-id": "s-1",
          "cache-control": "no-store",
        });
        res.end("{}");
        return;
      }
      if (req.url === "/files/search?q=html") {
        res.writeHead(200, { "content-type": "text/html" }).end("<script>alert(1)</script>");
        return;
      }
      if (req.url?.startsWith("/openapi.json")) {
        const doc = {
          openapi: "3.1.0",
          info: { title: "Core", version: "1" },
          servers: [{ url: core.url }],
          paths: {},
        };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
        return;
      }
      // The Core compresses when asked (its own middleware); the Gateway must not touch it.
      if (req.headers["accept-encoding"]?.includes("gzip")) {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          vary: "Accept-Encoding",
        });
        res.end(gzipSync(LISTING));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(LISTING);
    });
    user = await gw.generateKey();
    await gw.registerCore(user.api_key, core.url, TOKEN);
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  it("passes only listed headers, keeps MCP's, and the Gateway's own headers win", async () => {
    const res = await gw.call("GET", "/files/search?q=hostile", { key: user.api_key });
    expect(res.status).toBe(200);
    for (const name of ["clear-site-data", "strict-transport-security", "refresh", "link"]) {
      expect(res.headers.get(name), name).toBeNull();
    }
    expect(res.headers.get("content-security-policy")).toBe(
      "sandbox; default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("ratelimit-limit")).toBe("60");
    expect(res.headers.get("x-request-id")).not.toBe("core-chosen");
    expect(res.headers.get("mcp-protocol-version")).toBe("2025-06-18");
    expect(res.headers.get("mcp-session-id")).toBe("s-1");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a content type the Core does not serve with 502", async () => {
    const res = await gw.call("GET", "/files/search?q=html", { key: user.api_key });
    expect(res.status).toBe(502);
    expect(res.body.detail).toBe(
      "The Core answered with content type text/html, which the Gateway does not pass on",
    );
    expect(res.text).not.toContain("<script>");
  });

  it("forwards the MCP and content negotiation headers the Core needs", async () => {
    await send(`${gw.url}/mcp`, {
      method: "POST",
      headers: {
        "x-api-key": user.api_key,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "accept-encoding": "gzip",
        "mcp-protocol-version": "2025-06-18",
        "mcp-session-id": "s-1",
        "last-event-id": "42",
        origin: "https://claude.ai",
      },
      body: "{}",
    });
    const seen = core.received.at(-1)!.headers;
    expect(seen).toMatchObject({
      accept: "application/json, text/event-stream",
      "accept-encoding": "gzip",
      "mcp-protocol-version": "2025-06-18",
      "mcp-session-id": "s-1",
      "last-event-id": "42",
      origin: "https://claude.ai",
    });
  });

  it("relays a compressed answer byte for byte, with its Content-Encoding", async () => {
    const reply = await send(`${gw.url}/files/structure`, {
      headers: { "x-api-key": user.api_key, "accept-encoding": "gzip" },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBe("gzip");
    expect(core.received.at(-1)!.headers["accept-encoding"]).toBe("gzip");
    const raw = await rawBody(`${gw.url}/files/structure`, {
      "x-api-key": user.api_key,
      "accept-encoding": "gzip",
    });
    expect(gunzipSync(raw).toString("utf8")).toBe(LISTING);
  });

  it("compresses its own JSON answers over 1 KB when the caller accepts it", async () => {
    for (let i = 0; i < 30; i++) await gw.generateKey({ label: `padding key ${i}` });
    const raw = await rawBody(`${gw.url}/api-keys`, { "x-api-key": gw.adminKey, "accept-encoding": "gzip" });
    const listing = JSON.parse(gunzipSync(raw).toString("utf8")) as { keys: unknown[] };
    expect(listing.keys.length).toBeGreaterThan(30);
    const small = await send(`${gw.url}/`, { headers: { "accept-encoding": "gzip" } });
    expect(small.headers["content-encoding"]).toBeUndefined();
  });

  it.each(["/OPENAPI.JSON", "/OpenApi.Json", "/openapi.json/"])(
    "serves the Gateway's own OpenAPI document however the path is spelled (%s)",
    async (path) => {
      const before = core.received.length;
      const res = await gw.call("GET", path, { key: user.api_key });
      expect(res.status).toBe(200);
      expect(res.text).toContain("https://gateway.example.com");
      expect(res.text).not.toContain(core.url);
      expect(core.received.length).toBe(before);
    },
  );

  it("forwards a proxied route as the route spells it, whatever the caller's case", async () => {
    const res = await gw.call("GET", "/FILES/Structure", { key: user.api_key });
    expect(res.status).toBe(200);
    expect(core.received.at(-1)!.url).toBe("/files/structure");
  });
});

/** The body exactly as it came over the wire (fetch would decompress it). */
async function rawBody(url: string, headers: Record<string, string>): Promise<Buffer> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if (res.headers["content-encoding"] !== "gzip") reject(new Error(`not gzip: ${res.statusCode}`));
        else resolve(Buffer.concat(chunks));
      });
    });
    req.on("error", reject);
    req.end();
  });
}
