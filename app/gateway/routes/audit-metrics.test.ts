import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../store/types.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";

describe("audit trail and metrics", () => {
  let gw: TestGateway;
  const rawKeys: string[] = [];
  let keyId = "";

  beforeAll(async () => {
    gw = await startTestGateway();
    const created = await gw.generateKey({ label: "audited" });
    gw.clock.advance(1000);
    keyId = created.key_id;
    rawKeys.push(created.api_key);
    await gw.call("POST", "/ngrok-urls/", {
      key: created.api_key,
      body: { ngrok_url: "http://127.0.0.1:9", core_token: TOKEN },
    });
    gw.clock.advance(1000);
    const rotated = await gw.call("POST", "/api-keys/self/rotate", { key: created.api_key });
    gw.clock.advance(1000);
    rawKeys.push(rotated.body.api_key as string);
    await gw.call("POST", `/api-keys/${keyId}/revoke`, { key: gw.adminKey });
    gw.clock.advance(1000);
    await gw.call("POST", `/api-keys/${keyId}/restore`, { key: gw.adminKey });
    gw.clock.advance(1000);
    await gw.call("GET", "/api-keys/self", { key: `cq_${keyId}_${"F".repeat(43)}` });
    gw.clock.advance(1000);
    const other = await gw.generateKey();
    rawKeys.push(other.api_key);
    await gw.call("DELETE", `/api-keys/${keyId}`, { key: other.api_key });
    gw.clock.advance(1000);
    await gw.call("DELETE", `/api-keys/${rotated.body.api_key as string}`, { key: gw.adminKey });
    gw.clock.advance(1000);
  });
  afterAll(async () => gw?.close());

  it("records every key operation, registration and auth failure with who, what, when, where", async () => {
    const res = await gw.call("GET", `/audit?key_id=${keyId}`, { key: gw.adminKey });
    expect(res.status).toBe(200);
    const records = res.body.records as AuditRecord[];
    const actions = records.map((r) => `${r.action}:${r.outcome}:${r.actor}`).reverse();
    expect(actions).toEqual([
      "key.generate:success:admin",
      "tunnel.register:success:" + keyId,
      "key.rotate:success:" + keyId,
      "key.revoke:success:admin",
      "key.restore:success:admin",
      "auth.failure:failure:anonymous",
      expect.stringMatching(/^key.purge:failure:[a-z0-9]{12}$/),
      "key.purge:success:admin",
    ]);
    for (const r of records) {
      expect(r.target).toBe(keyId);
      expect(r.source_ip).toMatch(/127\.0\.0\.1/);
      expect(r.request_id).toBeTruthy();
      expect(Date.parse(r.time)).not.toBeNaN();
    }
  });

  it("filters by action, time and limit, newest first", async () => {
    const failures = await gw.call("GET", "/audit?action=auth.failure", { key: gw.adminKey });
    expect((failures.body.records as AuditRecord[]).every((r) => r.action === "auth.failure")).toBe(true);
    const limited = await gw.call("GET", "/audit?limit=2", { key: gw.adminKey });
    expect(limited.body.records).toHaveLength(2);
    const future = await gw.call("GET", "/audit?since=2099-01-01T00:00:00Z", { key: gw.adminKey });
    expect(future.body.records).toEqual([]);
    const past = await gw.call("GET", "/audit?until=2000-01-01T00:00:00Z", { key: gw.adminKey });
    expect(past.body.records).toEqual([]);
  });

  it.each([
    ["a limit that is not a number", "limit=lots", /limit: expected a whole number from 1 to 1000/],
    ["a limit of zero", "limit=0", /limit: expected a whole number from 1 to 1000/],
    ["a limit above 1000", "limit=5000", /limit: expected a whole number from 1 to 1000/],
    ["a since that is not a time", "since=yesterday", /since: expected an ISO 8601 time/],
  ])("refuses %s with 400", async (_name, query, message) => {
    const res = await gw.call("GET", `/audit?${query}`, { key: gw.adminKey });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(message);
  });

  it("shows the audit log to the admin only", async () => {
    const { api_key } = await gw.generateKey();
    expect((await gw.call("GET", "/audit", { key: api_key })).status).toBe(403);
    expect((await gw.call("GET", "/audit")).status).toBe(401);
  });

  it("never writes a raw key, the admin key or a Core token to the audit file or the logs", () => {
    const audit = readFileSync(`${gw.dataDir}/audit.jsonl`, "utf8");
    const logs = gw.logs();
    expect(audit.length).toBeGreaterThan(0);
    expect(logs).toContain("/api-keys/cq_");
    for (const secret of [...rawKeys, gw.adminKey, TOKEN]) {
      expect(audit).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice(16));
    }
  });

  it("serves Prometheus metrics to the admin only", async () => {
    const { api_key } = await gw.generateKey();
    expect((await gw.call("GET", "/metrics")).status).toBe(401);
    expect((await gw.call("GET", "/metrics", { key: api_key })).status).toBe(403);
    const res = await gw.call("GET", "/metrics", { key: gw.adminKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /gateway_http_requests_total\{route="\/api-keys\/generate",method="POST",status="200"\} \d+/,
    );
    expect(res.text).toMatch(/gateway_http_request_duration_seconds_bucket/);
    expect(res.text).toMatch(/gateway_auth_failures_total\{reason="invalid"\} [1-9]/);
    expect(res.text).toMatch(/gateway_store_calls_total\{op="put",kind="keys",outcome="ok"\} [1-9]/);
    expect(res.text).not.toContain("cq_");
  });
});
