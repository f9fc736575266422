import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";

/** Every way a secret could be spelled in a log line. */
function spellings(secret: string): string[] {
  return [secret, encodeURIComponent(secret), secret.slice(-20)];
}

describe("no key or key-like secret in any log line", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "1000" });
  });
  afterAll(async () => gw?.close());

  it("keeps a key out of the log when one character of it is percent-encoded in the path", async () => {
    const { api_key, key_id } = await gw.generateKey();
    const secret = api_key.slice(-43);
    const encoded = `${api_key.slice(0, -1)}%${api_key
      .charCodeAt(api_key.length - 1)
      .toString(16)
      .toUpperCase()}`;
    const res = await gw.call("GET", `/api-keys/${encoded}`, { key: api_key });
    expect(res.status).toBe(200);
    expect(res.body.key_id).toBe(key_id);
    for (const spelling of spellings(secret)) expect(gw.logs()).not.toContain(spelling);
    expect(gw.logs()).toContain(`"path":"/api-keys/cq_${key_id}_[redacted]"`);
  });

  it("keeps the admin key out of the log when it is typed into DELETE /api-keys/<key>", async () => {
    const res = await gw.call("DELETE", `/api-keys/${encodeURIComponent(gw.adminKey)}`, { key: gw.adminKey });
    expect(res.status).toBe(400);
    for (const spelling of spellings(gw.adminKey)) expect(gw.logs()).not.toContain(spelling);
    expect(gw.logs()).toContain('"path":"/api-keys/[redacted]"');
  });

  it("keeps a secret out of the log and the answer on a route that does not exist", async () => {
    const res = await gw.call("GET", `/no/such/${encodeURIComponent(gw.adminKey)}/route`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(gw.adminKey);
    for (const spelling of spellings(gw.adminKey)) expect(gw.logs()).not.toContain(spelling);
  });
});

/** Sends headers announcing a body, part of it, then drops the connection. */
function abortMidBody(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "1000", ...headers },
      agent: false,
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.write('{"partial": "');
    setTimeout(() => req.destroy(), 100);
  });
}

describe("a caller that aborts mid-body", () => {
  let gw: TestGateway;
  let core: FakeCore;
  let user: { api_key: string };

  beforeAll(async () => {
    gw = await startTestGateway();
    core = await startFakeCore((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    );
    user = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: user.api_key,
      body: { ngrok_url: core.url, core_token: TOKEN },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  it("causes no 5xx and no error log line, on open and on authenticated routes", async () => {
    await abortMidBody(`${gw.url}/admin/session`, {});
    await abortMidBody(`${gw.url}/files/content`, { "x-api-key": user.api_key });
    await abortMidBody(`${gw.url}/api-keys/generate`, { "x-api-key": gw.adminKey });
    await abortMidBody(`${gw.url}/ngrok-urls/`, { "x-api-key": user.api_key });
    const requestCounts = async () =>
      (await gw.call("GET", "/metrics", { key: gw.adminKey })).text
        .split("\n")
        .filter(
          (line) => line.startsWith("gateway_http_requests_total{") && !line.includes('route="/metrics"'),
        );
    await expect
      .poll(async () => (await requestCounts()).filter((l) => l.includes('status="499"')).length)
      .toBe(4);
    expect((await requestCounts()).filter((l) => /status="5\d\d"/.test(l))).toEqual([]);
    expect(gw.logs()).not.toMatch(/"level":50/);
    expect(gw.logs()).not.toContain("unhandled error");
  });
});

describe("one record per request: id, log line and metrics", () => {
  let gw: TestGateway;
  let core: FakeCore;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    gw = await startTestGateway();
    core = await startFakeCore((req, res) => {
      if (req.url === "/files/info?path=boom") {
        res.writeHead(500, { "content-type": "application/json" }).end('{"detail":"boom"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    user = await gw.generateKey();
    await gw.registerCore(user.api_key, core.url, TOKEN);
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  const linesWith = (id: string) =>
    gw
      .logs()
      .split("\n")
      .filter((line) => line.includes(`"req_id":"${id}"`) && line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const metric = async (pattern: RegExp) => {
    const text = (await gw.call("GET", "/metrics", { key: gw.adminKey })).text;
    return Number(pattern.exec(text)?.[1] ?? 0);
  };
  const count = (status: number) =>
    metric(
      new RegExp(
        `gateway_http_requests_total\\{route="/files/structure",method="GET",status="${status}"\\} (\\d+)`,
      ),
    );
  const observed = () =>
    metric(/gateway_http_request_duration_seconds_count\{route="\/files\/structure",method="GET"\} (\d+)/);

  it("keeps the caller's well-formed X-Request-Id, logs the request once under it, counts it once", async () => {
    const [before, observedBefore] = [await count(200), await observed()];
    const res = await gw.call("GET", "/Files/Structure/", {
      key: user.api_key,
      headers: { "x-request-id": "trace-42.a_b" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("trace-42.a_b");
    expect(core.received.at(-1)!.headers["x-request-id"]).toBe("trace-42.a_b");
    await expect.poll(() => linesWith("trace-42.a_b").length).toBe(1);
    expect(linesWith("trace-42.a_b")[0]).toMatchObject({
      level: 30,
      method: "GET",
      path: "/files/structure",
      status: 200,
      key_id: user.key_id,
    });
    expect(typeof linesWith("trace-42.a_b")[0]!.ms).toBe("number");
    expect(await count(200)).toBe(before + 1);
    expect(await observed()).toBe(observedBefore + 1);
  });

  it("replaces a malformed X-Request-Id with a new one, on the answer and in the log", async () => {
    for (const bad of ["has space", "x".repeat(129), "semi;colon"]) {
      const res = await gw.call("GET", "/files/structure", {
        key: user.api_key,
        headers: { "x-request-id": bad },
      });
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await expect.poll(() => linesWith(id).length).toBe(1);
      expect(gw.logs()).not.toContain(bad);
    }
  });

  it("records what the caller saw when the request failed: a refusal at info, a Core's 5xx at error", async () => {
    const refused = await gw.call("GET", "/files/structure", { key: "cq_nope" });
    expect(refused.status).toBe(401);
    const refusedId = refused.headers.get("x-request-id")!;
    await expect.poll(() => linesWith(refusedId).length).toBe(1);
    expect(linesWith(refusedId)[0]).toMatchObject({ level: 30, status: 401 });

    const failed = await gw.call("GET", "/files/info?path=boom", { key: user.api_key });
    expect(failed.status).toBe(500);
    const failedId = failed.headers.get("x-request-id")!;
    await expect.poll(() => linesWith(failedId).length).toBe(1);
    expect(linesWith(failedId)[0]).toMatchObject({ level: 50, status: 500, path: "/files/info" });
    expect(
      await metric(/gateway_http_requests_total\{route="\/files\/info",method="GET",status="500"\} (\d+)/),
    ).toBe(1);
  });
});
