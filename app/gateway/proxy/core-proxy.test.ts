import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  startFakeCore,
  startProxyHarness,
  send,
  TOKEN,
  type FakeCore,
  type ProxyHarness,
} from "./testing/harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setUp(
  handle: Parameters<typeof startFakeCore>[0],
  overrides: Parameters<typeof startProxyHarness>[1] = {},
  forwardOptions?: Parameters<typeof startProxyHarness>[2],
): Promise<{ core: FakeCore; gateway: ProxyHarness }> {
  const core = await startFakeCore(handle);
  cleanups.push(core.close);
  const gateway = await startProxyHarness({ url: core.url, token: TOKEN }, overrides, forwardOptions);
  cleanups.push(gateway.close);
  return { core, gateway };
}

const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) =>
  ((_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }) as Parameters<typeof startFakeCore>[0];

describe("createCoreProxy: what the Core receives", () => {
  it("forwards method, path and body, authenticated with the Core's token as a bearer", async () => {
    const { core, gateway } = await setUp(json(200, { "a.ts": { content: "x" } }));
    const body = JSON.stringify({ file_paths: ["a.ts"] });
    const reply = await send(`${gateway.url}/files/content`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "cq_abcdefabcdef_secret" },
      body,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ "a.ts": { content: "x" } });
    const got = core.received[0]!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe("/files/content");
    expect(got.body).toBe(body);
    expect(got.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["content-length"]).toBe(String(body.length));
    expect(got.headers.host).toBe(`127.0.0.1:${core.port}`);
  });

  it("never forwards the caller's API key, Authorization, Cookie or CSRF token", async () => {
    const { core, gateway } = await setUp(json(200, {}));
    await send(`${gateway.url}/files/structure`, {
      headers: {
        "x-api-key": "cq_abcdefabcdef_callerkey",
        authorization: "Bearer caller-supplied",
        cookie: "cq_admin_session=abc",
        "x-csrf-token": "csrf",
      },
    });
    const headers = core.received[0]!.headers;
    expect(headers["x-api-key"]).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
    expect(headers["x-csrf-token"]).toBeUndefined();
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(headers)).not.toContain("callerkey");
  });

  it("strips hop-by-hop headers, including those named by Connection, and keeps end-to-end ones", async () => {
    const { core, gateway } = await setUp(json(200, {}));
    await send(`${gateway.url}/mcp`, {
      method: "POST",
      headers: {
        connection: "keep-alive, X-Hop-Secret",
        "keep-alive": "timeout=5",
        "x-hop-secret": "per-connection",
        te: "trailers",
        trailer: "x-checksum",
        upgrade: "h2c",
        "proxy-authorization": "Basic Zm9vOmJhcg==",
        "proxy-whatever": "1",
        "x-forwarded-for": "6.6.6.6",
        accept: "application/json, text/event-stream",
        "mcp-session-id": "session-1",
        "x-end-to-end": "kept",
        "content-type": "application/json",
      },
      body: "{}",
    });
    const headers = core.received[0]!.headers;
    for (const name of [
      "x-hop-secret",
      "keep-alive",
      "te",
      "trailer",
      "upgrade",
      "proxy-authorization",
      "proxy-whatever",
      "x-forwarded-for",
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers.connection ?? "keep-alive").not.toMatch(/x-hop-secret/i);
    expect(headers.accept).toBe("application/json, text/event-stream");
    expect(headers["mcp-session-id"]).toBe("session-1");
    expect(headers["x-end-to-end"]).toBe("kept");
  });

  it("passes the query string through unchanged", async () => {
    const { core, gateway } = await setUp(json(200, { matches: [] }));
    await send(`${gateway.url}/files/search?q=hello%20world&glob=src%2F**%2F*.ts&max=5`);
    expect(core.received[0]!.url).toBe("/files/search?q=hello%20world&glob=src%2F**%2F*.ts&max=5");
  });

  it("sends the Gateway's request id to the Core", async () => {
    const { core, gateway } = await setUp(json(200, {}));
    const reply = await send(`${gateway.url}/files/structure`, { headers: { "x-request-id": "trace-123" } });
    expect(reply.headers["x-request-id"]).toBe("trace-123");
    expect(core.received[0]!.headers["x-request-id"]).toBe("trace-123");
  });

  it("keeps the path prefix of the registered URL", async () => {
    const core = await startFakeCore(json(200, {}));
    cleanups.push(core.close);
    const gateway = await startProxyHarness({ url: `${core.url}/prefix/`, token: TOKEN });
    cleanups.push(gateway.close);
    await send(`${gateway.url}/files/structure?x=1`);
    expect(core.received[0]!.url).toBe("/prefix/files/structure?x=1");
  });

  it("reuses a pooled keep-alive connection for consecutive requests", async () => {
    const { core, gateway } = await setUp(json(200, {}));
    await send(`${gateway.url}/files/structure`);
    await send(`${gateway.url}/files/structure`);
    expect(core.received).toHaveLength(2);
    expect(core.received[1]!.socketPort).toBe(core.received[0]!.socketPort);
  });
});

describe("createCoreProxy: what the caller receives", () => {
  it("passes the Core's status and error body through", async () => {
    const { gateway } = await setUp(json(404, { error: "All requested files are missing" }));
    const reply = await send(`${gateway.url}/files/content`, { method: "POST", body: "{}" });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ error: "All requested files are missing" });
  });

  it("strips hop-by-hop, cookie and unlisted headers from the Core's response", async () => {
    const { gateway } = await setUp(
      json(
        200,
        { ok: true },
        {
          connection: "keep-alive, x-core-hop",
          "x-core-hop": "1",
          "keep-alive": "timeout=99, max=7",
          "proxy-authenticate": "Basic",
          "set-cookie": ["cq_admin_session=stolen; Path=/"],
          "alt-svc": 'h3=":443"',
          "x-core-e2e": "kept",
        },
      ),
    );
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(200);
    for (const name of ["x-core-hop", "proxy-authenticate", "set-cookie", "alt-svc"]) {
      expect(reply.headers[name], name).toBeUndefined();
    }
    expect(reply.headers["keep-alive"] ?? "").not.toContain("max=7");
    // Only listed headers pass (proxy/headers.ts): a Core's own additions stay behind.
    expect(reply.headers["x-core-e2e"]).toBeUndefined();
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["content-length"]).toBe(String(JSON.stringify({ ok: true }).length));
  });

  it("takes a Core header named __proto__ or constructor as a header, and does not pass it on", async () => {
    const { gateway } = await setUp((_req, res) => {
      // A flat list of names and values: an object literal could not even hold these names.
      res.writeHead(200, ["content-type", "application/json", "__proto__", "polluted", "constructor", "x"]);
      res.end('{"ok":true}');
    });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{"ok":true}');
    expect(Object.keys(reply.headers)).not.toContain("constructor");
    expect(Object.keys(reply.headers)).not.toContain("__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers 502 when the Core rejects the Gateway's token, without passing the 401 on", async () => {
    const { gateway } = await setUp(json(401, { error: "Invalid API Key" }));
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).detail).toMatch(/refused the Gateway's credentials/);
    expect(gateway.errors).toEqual(["core_unauthorized"]);
  });

  it("rewrites a JSON answer when asked (the OpenAPI document)", async () => {
    const { core, gateway } = await setUp(
      json(200, { openapi: "3.1.0", paths: {} }),
      {},
      {
        rewriteJson: (doc) => ({ ...(doc as object), servers: [{ url: "https://gw.example" }] }),
      },
    );
    const reply = await send(`${gateway.url}/openapi.json`, { headers: { "accept-encoding": "gzip" } });
    expect(JSON.parse(reply.body)).toEqual({
      openapi: "3.1.0",
      paths: {},
      servers: [{ url: "https://gw.example" }],
    });
    expect(core.received[0]!.headers["accept-encoding"]).toBe("identity");
  });
});

describe("createCoreProxy: body size caps", () => {
  it("refuses a declared request body over the cap with 413 before reaching the Core", async () => {
    const { core, gateway } = await setUp(json(200, {}), { maxRequestBytes: 1024 });
    const reply = await send(`${gateway.url}/files/content`, { method: "POST", body: "x".repeat(5000) });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).detail).toMatch(/larger than the Gateway's limit of 1024 bytes/);
    expect(core.received).toHaveLength(0);
    expect(gateway.errors).toEqual(["request_too_large"]);
  });

  it("refuses a chunked request body over the cap with 413", async () => {
    const { core, gateway } = await setUp(json(200, {}), { maxRequestBytes: 1024 });
    const reply = await send(`${gateway.url}/files/content`, {
      method: "POST",
      body: "y".repeat(5000),
      chunked: true,
    });
    expect(reply.status).toBe(413);
    expect(core.received).toHaveLength(0);
  });

  it("forwards a body exactly at the cap", async () => {
    const { core, gateway } = await setUp(json(200, {}), { maxRequestBytes: 1024 });
    const reply = await send(`${gateway.url}/files/content`, {
      method: "POST",
      body: "z".repeat(1024),
      chunked: true,
    });
    expect(reply.status).toBe(200);
    expect(core.received[0]!.body).toHaveLength(1024);
  });

  it("answers 502 when the Core declares a response over the cap", async () => {
    const { gateway } = await setUp(json(200, { big: "b".repeat(4000) }), { maxResponseBytes: 1000 });
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({
      detail: "The Core's response is larger than the Gateway's limit of 1000 bytes",
    });
    expect(gateway.errors).toEqual(["response_too_large"]);
  });

  it("answers 502 when a chunked response grows over the cap", async () => {
    const { gateway } = await setUp(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        for (let i = 0; i < 10; i++) res.write("c".repeat(500));
        res.end();
      },
      { maxResponseBytes: 1000 },
    );
    const reply = await send(`${gateway.url}/files/structure`);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).detail).toMatch(/larger than the Gateway's limit/);
  });
});

describe("createCoreProxy: streamed responses", () => {
  it("relays server-sent events as they arrive", async () => {
    let sendRest: () => void = () => {};
    const { gateway } = await setUp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write('event: message\ndata: {"n":1}\n\n');
      // The rest only once the caller has seen the first event: proves nothing is buffered.
      sendRest = () => res.end('event: message\ndata: {"n":2}\n\n');
    });
    const events = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      const req = request(`${gateway.url}/mcp`, { method: "POST", agent: false }, (res) => {
        expect(res.headers["content-type"]).toBe("text/event-stream");
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          seen.push(chunk);
          if (seen.length === 1) sendRest();
        });
        res.on("end", () => resolve(seen));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end("{}");
    });
    expect(events.join("")).toBe('event: message\ndata: {"n":1}\n\nevent: message\ndata: {"n":2}\n\n');
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it("cuts a stream that grows over the response cap", async () => {
    const { gateway } = await setUp(
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (let i = 0; i < 20; i++) res.write(`data: ${"e".repeat(200)}\n\n`);
        res.end();
      },
      { maxResponseBytes: 1000 },
    );
    const outcome = await new Promise<{ bytes: number; completed: boolean }>((resolve) => {
      let bytes = 0;
      const req = request(`${gateway.url}/mcp`, { method: "POST", agent: false }, (res) => {
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve({ bytes, completed: true }));
        res.on("error", () => resolve({ bytes, completed: false }));
        res.on("aborted", () => resolve({ bytes, completed: false }));
      });
      req.on("error", () => resolve({ bytes, completed: false }));
      req.end("{}");
    });
    expect(outcome.completed).toBe(false);
    expect(outcome.bytes).toBeLessThanOrEqual(1000);
    await expect.poll(() => gateway.errors).toEqual(["response_too_large"]);
  });

  it("cuts the caller's stream when the Core drops it mid-way", async () => {
    const { gateway } = await setUp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n", () => setImmediate(() => res.socket?.destroy()));
    });
    const outcome = await new Promise<{ body: string; completed: boolean }>((resolve) => {
      let body = "";
      const req = request(`${gateway.url}/mcp`, { method: "POST", agent: false }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ body, completed: true }));
        res.on("error", () => resolve({ body, completed: false }));
      });
      req.on("error", () => resolve({ body, completed: false }));
      req.end("{}");
    });
    expect(outcome.completed).toBe(false);
    expect(outcome.body).toBe("data: first\n\n");
    await expect.poll(() => gateway.errors).toEqual(["connection_failed"]);
  });

  it("closes the Core's stream when the caller leaves, without counting an error", async () => {
    let coreStreamClosed = false;
    const { gateway } = await setUp((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: hello\n\n");
      res.on("close", () => (coreStreamClosed = true));
    });
    await new Promise<void>((resolve, reject) => {
      const req = request(`${gateway.url}/mcp`, { method: "POST", agent: false }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
      req.end("{}");
    });
    await expect.poll(() => coreStreamClosed, { timeout: 10_000 }).toBe(true);
    expect(gateway.errors).toEqual([]);
  });
});
