import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

describe("rate limit per key", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  it("sends RateLimit-* headers, then 429 with detail, limit, reset_at and Retry-After", async () => {
    const { api_key } = await gw.generateKey({ requests_per_minute: 3 });
    const first = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("3");
    expect(first.headers.get("ratelimit-remaining")).toBe("2");
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    await gw.call("GET", "/api-keys/self", { key: api_key });
    const third = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(third.headers.get("ratelimit-remaining")).toBe("0");

    const limited = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(limited.status).toBe(429);
    expect(limited.body.detail).toBe("Rate limit exceeded: 3 requests per minute");
    expect(limited.body.limit).toBe(3);
    expect(Date.parse(limited.body.reset_at as string)).not.toBeNaN();
    expect(limited.headers.get("ratelimit-limit")).toBe("3");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("limits each key on its own", async () => {
    const a = await gw.generateKey({ requests_per_minute: 1 });
    const b = await gw.generateKey({ requests_per_minute: 1 });
    expect((await gw.call("GET", "/api-keys/self", { key: a.api_key })).status).toBe(200);
    expect((await gw.call("GET", "/api-keys/self", { key: a.api_key })).status).toBe(429);
    expect((await gw.call("GET", "/api-keys/self", { key: b.api_key })).status).toBe(200);
  });

  it("does not limit the admin", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await gw.call("GET", "/api-keys", { key: gw.adminKey });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-limit")).toBeNull();
    }
  });
});
