import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCore, type FakeCore } from "./proxy/testing/harness.js";
import { startTestGateway, type TestGateway } from "./testing/gateway-harness.js";
import type { UsageRecord } from "./store/types.js";
import { readFileSync } from "node:fs";

const TOKEN = "core-token-0123456789abcdefghijkl";

/**
 * The record store handed to the Gateway is the real file store, observed call by call: the
 * counts below are what the Gateway asked of storage, nothing simulated.
 */
describe("hot path and storage", () => {
  let gw: TestGateway;
  let core: FakeCore;

  beforeAll(async () => {
    gw = await startTestGateway({ KEY_CACHE_TTL_SECONDS: "300", USAGE_FLUSH_SECONDS: "3600" });
    core = await startFakeCore((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  it("verifies keys and proxies without touching storage, and flushes usage in one batch", async () => {
    const a = await gw.generateKey({ requests_per_minute: 1000 });
    const b = await gw.generateKey({ requests_per_minute: 1000 });
    for (const k of [a, b]) {
      const reg = await gw.call("POST", "/ngrok-urls/", {
        key: k.api_key,
        body: { ngrok_url: core.url, core_token: TOKEN },
      });
      expect(reg.status).toBe(200);
    }
    await gw.gateway.flushUsage();

    gw.storeCalls.length = 0;
    for (let i = 0; i < 40; i++) {
      const k = i % 2 === 0 ? a : b;
      const res = await gw.call(
        i % 4 < 2 ? "GET" : "POST",
        i % 4 < 2 ? "/files/structure" : "/files/content",
        {
          key: k.api_key,
          body: i % 4 < 2 ? undefined : { file_paths: ["x"] },
        },
      );
      expect(res.status).toBe(200);
    }
    expect(gw.storeCalls).toEqual([]);

    await gw.gateway.flushUsage();
    // One read and one conditional write per key, however many requests there were.
    const usageCalls = gw.storeCalls.filter((c) => c.kind === "usage");
    expect(usageCalls).toHaveLength(4);
    expect(usageCalls.filter((c) => c.op === "put")).toHaveLength(2);
    expect(gw.storeCalls.filter((c) => c.kind !== "usage")).toEqual([]);

    const usage = JSON.parse(readFileSync(`${gw.dataDir}/usage/${a.key_id}.json`, "utf8")) as UsageRecord;
    expect(usage.total_requests).toBe(21); // 20 proxied + its registration
    expect(usage.last_used).toBe(new Date(gw.clock.ms).toISOString());
  });

  it("shows flushed and not-yet-flushed usage in the listing", async () => {
    const k = await gw.generateKey();
    await gw.call("GET", "/api-keys/self", { key: k.api_key });
    await gw.call("GET", "/api-keys/self", { key: k.api_key });
    const before = await gw.call("GET", `/api-keys/${k.key_id}`, { key: gw.adminKey });
    expect(before.body.total_requests).toBe(2);
    await gw.gateway.flushUsage();
    await gw.call("GET", "/api-keys/self", { key: k.api_key });
    const listing = await gw.call("GET", "/api-keys", { key: gw.adminKey });
    const mine = (listing.body.keys as Array<Record<string, unknown>>).find((x) => x.key_id === k.key_id)!;
    expect(mine.total_requests).toBe(3);
  });

  it("caches unknown key ids too, so forged keys cannot flood storage", async () => {
    const forged = `cq_zzzzzzzzzzzz_${"a".repeat(43)}`;
    await gw.call("GET", "/api-keys/self", { key: forged });
    gw.storeCalls.length = 0;
    for (let i = 0; i < 5; i++)
      expect((await gw.call("GET", "/api-keys/self", { key: forged })).status).toBe(401);
    expect(gw.storeCalls.filter((c) => c.kind === "keys")).toEqual([]);
  });
});
