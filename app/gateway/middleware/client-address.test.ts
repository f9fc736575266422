import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const wrongKey = (i: number) => `cq_aaaaaaaaaaaa_${String(i).padStart(43, "x")}`;

async function auditSources(gw: TestGateway): Promise<string[]> {
  const res = await gw.call("GET", "/audit?action=auth.failure&limit=1000", { key: gw.adminKey });
  return (res.body.records as Array<{ source_ip: string }>).map((r) => r.source_ip);
}

describe("TRUST_PROXY=true: the address the trusted proxy appended", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ TRUST_PROXY: "true", AUTH_FAILURES_PER_MINUTE_PER_IP: "3" });
  });
  afterAll(async () => gw?.close());

  it("counts failures against the rightmost X-Forwarded-For hop, whatever the client wrote before it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await gw.call("GET", "/api-keys/self", {
        key: wrongKey(i),
        headers: { "X-Forwarded-For": `198.51.100.${i}, 203.0.113.7` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // Another caller behind the same proxy is not affected.
    const other = await gw.call("GET", "/api-keys/self", {
      key: wrongKey(9),
      headers: { "X-Forwarded-For": "203.0.113.8" },
    });
    expect(other.status).toBe(401);
  });

  it("audits a validated address, never the text a client put in the header", async () => {
    await gw.call("GET", "/api-keys/self", {
      key: wrongKey(20),
      headers: { "X-Forwarded-For": "10.0.0.5 (ops-bastion), 203.0.113.50" },
    });
    await gw.call("GET", "/api-keys/self", {
      key: wrongKey(21),
      headers: { "X-Forwarded-For": "203.0.113.51, 10.0.0.5 (ops-bastion)" },
    });
    const sources = await auditSources(gw);
    expect(sources).toContain("203.0.113.50");
    // A garbled last hop falls back to the connection's own address.
    expect(sources).toContain("127.0.0.1");
    expect(sources.join(" ")).not.toMatch(/ops-bastion|10\.0\.0\.5/);
  });
});

describe("TRUST_PROXY_HOPS=2: two trusted proxies (CDN, then load balancer)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ TRUST_PROXY: "true", TRUST_PROXY_HOPS: "2" });
  });
  afterAll(async () => gw?.close());

  it("takes the address the outer proxy saw", async () => {
    await gw.call("GET", "/api-keys/self", {
      key: wrongKey(1),
      headers: { "X-Forwarded-For": "6.6.6.6, 203.0.113.60, 192.0.2.1" },
    });
    expect(await auditSources(gw)).toEqual(["203.0.113.60"]);
  });
});

describe("TRUST_PROXY=false", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  it("ignores X-Forwarded-For and records the connection's address", async () => {
    await gw.call("GET", "/api-keys/self", {
      key: wrongKey(1),
      headers: { "X-Forwarded-For": "203.0.113.70" },
    });
    expect(await auditSources(gw)).toEqual(["127.0.0.1"]);
  });
});
