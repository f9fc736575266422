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
