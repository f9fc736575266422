import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";
import { startHostileCore, type HostileCore } from "./testing/hostile-core.js";

const TOKEN = "core-token-0123456789abcdefghijkl";
const DEADLINE_MS = 2_000;
const MIB = 1024 * 1024;

interface Held {
  status: number;
  retryAfter: string | undefined;
  /** ms from sending to the connection ending, whichever way */
  endedAfterMs: number;
}

/**
 * A caller that asks and reads whatever comes (a caller that never reads would not see the
 * Gateway close the connection until it read the bytes before the FIN).
 */
function holdOpen(url: string, key: string, method = "GET"): Promise<Held> {
  const started = Date.now();
  return new Promise((resolve) => {
    let status = 0;
    let retryAfter: string | undefined;
    const done = () => resolve({ status, retryAfter, endedAfterMs: Date.now() - started });
    const req = request(url, { method, headers: { "x-api-key": key }, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      retryAfter = res.headers["retry-after"] as string | undefined;
      res.resume();
      res.once("close", done);
    });
    req.on("error", done);
    req.end();
  });
}

/**
 * A hostile Core and a Gateway in front of it with these in-flight caps, and two API keys whose
 * Core is that one; both stop after the describe block that calls it.
 */
function gatewayOverHostileCore(caps: { perKey: number; total: number }) {
  // Filled in by beforeAll, before any test of the block reads it.
  const stack = { keys: [] } as unknown as { core: HostileCore; gw: TestGateway; keys: string[] };
  beforeAll(async () => {
    stack.core = await startHostileCore();
    stack.gw = await startTestGateway({
      PROXY_TOTAL_TIMEOUT_MS: String(DEADLINE_MS),
      PROXY_MAX_CONCURRENT_PER_KEY: String(caps.perKey),
      PROXY_MAX_CONCURRENT: String(caps.total),
    });
    for (let i = 0; i < 2; i++) {
      const { api_key } = await stack.gw.generateKey({ requests_per_minute: 1000 });
      await stack.gw.registerCore(api_key, stack.core.url, TOKEN);
      stack.keys.push(api_key);
    }
  }, 60_000);
  afterAll(async () => {
    await stack.gw?.close();
    await stack.core?.stop();
  });
  return stack;
}

function gatewayMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("a hostile Core (19 MiB, then one byte every 20 s; endless event streams)", () => {
  const stack = gatewayOverHostileCore({ perKey: 20, total: 30 });

  it("holds a bounded amount of memory for 20 such answers at once and ends each by the deadline", async () => {
    global.gc?.();
    const before = gatewayMemory();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, gatewayMemory())), 20);
    const held = await Promise.all(
      Array.from({ length: 20 }, () => holdOpen(`${stack.gw.url}/files/structure`, stack.keys[0]!)),
    );
    clearInterval(sampler);
    const grewMiB = (peak - before) / MIB;
    console.log(`hostile Core: Gateway memory grew by ${grewMiB.toFixed(1)} MiB for 20 held answers`);
    // Buffering would hold 20 × 19 MiB = 380 MiB.
    expect(grewMiB).toBeLessThan(100);
    // Cut at the deadline; the slack is the caller draining what was already on its socket (a
    // buffering proxy would still be waiting: the Core's trickle resets every idle timeout).
    for (const h of held) {
      expect(h.status).toBe(200);
      expect(h.endedAfterMs).toBeLessThan(DEADLINE_MS + 10_000);
    }
  }, 40_000);

  it("ends an endless event stream at the deadline", async () => {
    const held = await holdOpen(`${stack.gw.url}/mcp`, stack.keys[0]!, "POST");
    expect(held.status).toBe(200);
    expect(held.endedAfterMs).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(held.endedAfterMs).toBeLessThan(DEADLINE_MS + 3_000);
  }, 15_000);
});

describe("caps on proxied requests in flight", () => {
  const stack = gatewayOverHostileCore({ perKey: 3, total: 5 });

  it("answers 503 with Retry-After past the per-key and the total cap, and admits again once answers end", async () => {
    const first = await Promise.all(
      Array.from({ length: 5 }, () => holdOpen(`${stack.gw.url}/files/structure`, stack.keys[0]!)),
    );
    const statuses = first.map((h) => h.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503, 503]);
    expect(first.filter((h) => h.status === 503).every((h) => h.retryAfter === "1")).toBe(true);

    // Key A holds 3, key B may add 2 more before the total of 5 is reached.
    const a = Array.from({ length: 3 }, () => holdOpen(`${stack.gw.url}/files/structure`, stack.keys[0]!));
    await new Promise((r) => setTimeout(r, 300));
    const b = Array.from({ length: 3 }, () => holdOpen(`${stack.gw.url}/files/structure`, stack.keys[1]!));
    await new Promise((r) => setTimeout(r, 300));
    const refused = await stack.gw.call("GET", "/files/structure", { key: stack.keys[1]! });
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toMatch(/limit of requests in progress/);
    expect((await Promise.all(b)).map((h) => h.status).sort()).toEqual([200, 200, 503]);
    await Promise.all(a);

    expect((await holdOpen(`${stack.gw.url}/files/structure`, stack.keys[1]!)).status).toBe(200);
  }, 30_000);
});
