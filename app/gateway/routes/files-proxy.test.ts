import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";

describe("proxy to the caller's Core", () => {
  let gw: TestGateway;
  let core: FakeCore;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    gw = await startTestGateway({ GATEWAY_PUBLIC_URL: "https://gateway.example.com" });
    core = await startFakeCore((req, res, received) => {
      if (req.url === "/") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
        return;
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"Invalid API Key"}');
        return;
      }
      if (req.url === "/openapi.json") {
        const doc = {
          openapi: "3.1.0",
          info: { title: "Core", version: "1" },
          servers: [{ url: "http://127.0.0.1:5001" }],
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
          security: [{ bearer: [] }],
          paths: {},
        };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: received.method, url: received.url, body: received.body }));
    });
    user = await gw.generateKey();
    await gw.registerCore(user.api_key, core.url, TOKEN);
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  it("forwards GET /files/structure with the Core's token, never the caller's key", async () => {
    const res = await gw.call("GET", "/files/structure", { key: user.api_key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "GET", url: "/files/structure" });
    const seen = core.received.at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.headers["x-api-key"]).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(user.api_key);
    expect(res.headers.get("ratelimit-limit")).toBe("60");
  });

  it("answers other spellings of a route (case, trailing slash) exactly as the route itself", async () => {
    const exact = await gw.call("GET", "/files/structure?depth=2", { key: user.api_key });
    const headerNames = (res: typeof exact) => {
      const names: string[] = [];
      res.headers.forEach((_value, name) => names.push(name));
      return names.filter((n) => n !== "date").sort();
    };
    for (const spelling of ["/FILES/Structure?depth=2", "/files/structure/?depth=2"]) {
      const res = await gw.call("GET", spelling, { key: user.api_key });
      expect(res.status).toBe(exact.status);
      expect(res.body).toEqual(exact.body);
      expect(core.received.at(-1)!.url).toBe("/files/structure?depth=2");
      expect(headerNames(res)).toEqual(headerNames(exact));
      expect(res.headers.get("vary")).toBe(exact.headers.get("vary"));
    }
    const metrics = await gw.call("GET", "/metrics", { key: gw.adminKey });
    expect(metrics.text).toMatch(/route="\/files\/structure",method="GET",status="200"/);
    expect(metrics.text).not.toMatch(/route="\/FILES/);
  });

  it("adds no Vary of its own to a Core's answer: the Core's headers say how it varies", async () => {
    // The fake Core sends no Vary; the Gateway's compression (its own answers only) adds one.
    for (const spelling of ["/files/structure", "/Files/Structure/"]) {
      const res = await gw.call("GET", spelling, { key: user.api_key });
      expect(res.status).toBe(200);
      expect(res.headers.get("vary")).toBeNull();
    }
    const own = await gw.call("GET", "/health");
    expect(own.headers.get("vary")).toBe("Accept-Encoding");
  });

  it("leaves to the router what is not a proxied route's spelling", async () => {
    const before = core.received.length;
    // A wrong method: 405 with the allowed ones, never forwarded.
    const wrong = await gw.call("DELETE", "/FILES/structure/", { key: user.api_key });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
    // Two trailing slashes, an encoded letter, a look-alike letter: no route, nothing forwarded.
    for (const path of [
      "/files/structure//",
      "/files/%73tructure",
      "/files/ſtructure",
      "/files/structure/x",
    ]) {
      const res = await gw.call("GET", path, { key: user.api_key });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404 });
    }
    expect(core.received.length).toBe(before);
    // HEAD is the GET route's too (the router's rule), and reaches the Core through the router.
    const head = await gw.call("HEAD", "/files/structure", { key: user.api_key });
    expect(head.status).toBe(200);
    expect(core.received.at(-1)!.method).toBe("HEAD");
  });

  it("forwards POST /files/content with its body and GET /files/search with its query", async () => {
    const content = await gw.call("POST", "/files/content", {
      key: user.api_key,
      body: { file_paths: ["a.ts"] },
    });
    expect(content.body).toMatchObject({
      method: "POST",
      url: "/files/content",
      body: '{"file_paths":["a.ts"]}',
    });
    const search = await gw.call("GET", "/files/search?q=needle&limit=3", { key: user.api_key });
    expect(search.body.url).toBe("/files/search?q=needle&limit=3");
  });

  it("forwards the read-only GET routes with their query: line ranges, file facts, file pages", async () => {
    for (const url of [
      "/files/content?path=a.ts&start_line=2&end_line=3",
      "/files/info?path=a.ts&path=b.ts",
      "/files/list?path=src&limit=10",
    ]) {
      const res = await gw.call("GET", url, { key: user.api_key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method: "GET", url });
    }
  });

  it("forwards POST /mcp", async () => {
    const res = await gw.call("POST", "/mcp", {
      key: user.api_key,
      body: { jsonrpc: "2.0", id: 1, method: "ping" },
    });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe("/mcp");
  });

  it("serves /openapi.json naming the Gateway and X-API-KEY", async () => {
    const res = await gw.call("GET", "/openapi.json", { key: user.api_key });
    expect(res.status).toBe(200);
    expect(res.body.servers).toEqual([{ url: "https://gateway.example.com" }]);
    expect(JSON.stringify(res.body.components)).toContain("X-API-KEY");
    expect(JSON.stringify(res.body)).not.toContain("bearer");
  });

  it("names the address the caller used when GATEWAY_PUBLIC_URL is unset", async () => {
    const plain = await startTestGateway();
    try {
      const k = await plain.generateKey();
      await plain.call("POST", "/ngrok-urls/", {
        key: k.api_key,
        body: { ngrok_url: core.url, core_token: TOKEN },
      });
      const res = await plain.call("GET", "/openapi.json", { key: k.api_key });
      expect(res.status).toBe(200);
      expect(res.body.servers).toEqual([{ url: plain.url }]);
    } finally {
      await plain.close();
    }
  });

  it("answers 503 when the caller has no Core registered", async () => {
    const other = await gw.generateKey();
    const res = await gw.call("GET", "/files/structure", { key: other.api_key });
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/No Core is registered/);
  });

  it("answers 502 when the Core is gone, and 401 without a key", async () => {
    const gone = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: gone.api_key,
      body: { ngrok_url: "http://127.0.0.1:9", core_token: TOKEN },
    });
    const res = await gw.call("GET", "/files/structure", { key: gone.api_key });
    expect(res.status).toBe(502);
    expect((await gw.call("GET", "/files/structure")).status).toBe(401);
  });

  it("answers 502 when the Core refuses the token (it registered again elsewhere)", async () => {
    const stale = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: stale.api_key,
      body: { ngrok_url: core.url, core_token: TOKEN + "old" },
    });
    const res = await gw.call("GET", "/files/structure", { key: stale.api_key });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/register/);
  });

  it("tells the admin page whether a key's Core is registered and answering", async () => {
    const up = await gw.call("GET", `/admin/api/cores/${user.key_id}`, { key: gw.adminKey });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ key_id: user.key_id, registered: true, answering: true });
    const other = await gw.generateKey();
    const none = await gw.call("GET", `/admin/api/cores/${other.key_id}`, { key: gw.adminKey });
    expect(none.body).toMatchObject({ registered: false, answering: null });
    // A user key is authenticated by the shared pipeline, then refused as not the admin.
    expect((await gw.call("GET", `/admin/api/cores/${user.key_id}`, { key: user.api_key })).status).toBe(403);
  });

  it("refuses the admin key on proxied routes", async () => {
    expect((await gw.call("GET", "/files/structure", { key: gw.adminKey })).status).toBe(403);
  });

  it("refuses a revoked key before reaching the Core", async () => {
    const revoked = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: revoked.api_key,
      body: { ngrok_url: core.url, core_token: TOKEN },
    });
    await gw.call("POST", "/api-keys/self/revoke", { key: revoked.api_key });
    const before = core.received.length;
    expect((await gw.call("GET", "/files/structure", { key: revoked.api_key })).status).toBe(401);
    expect(core.received.length).toBe(before);
  });
});
