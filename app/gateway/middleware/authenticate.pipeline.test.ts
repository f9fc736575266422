import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const count = (statuses: number[], wanted: number) => statuses.filter((s) => s === wanted).length;

/** Read from the audit file: over HTTP, the blocked test address would get 429 itself. */
function auditFailures(gw: TestGateway, action: string): number {
  const lines = readFileSync(join(gw.dataDir, "audit.jsonl"), "utf8").split("\n").filter(Boolean);
  return lines
    .map((line) => JSON.parse(line) as { action: string; outcome: string })
    .filter((r) => r.action === action && r.outcome === "failure").length;
}

describe("one failure budget per address, reserved before the credential is checked", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "20" });
  });
  afterAll(async () => gw?.close());

  it("lets at most the limit of parallel wrong keys through to a 401", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        gw
          .call("GET", "/api-keys/self", { key: `cq_aaaaaaaaaaaa_${String(i).padStart(43, "w")}` })
          .then((r) => r.status),
      ),
    );
    expect(count(statuses, 401)).toBe(20);
    expect(count(statuses, 429)).toBe(80);
  });
});

describe("honest parallel traffic from one address", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // No key cache: every request waits for storage, the worst case for a held reservation.
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "3", KEY_CACHE_TTL_SECONDS: "0" });
  });
  afterAll(async () => gw?.close());

  it("never meets the failure budget, however many good requests wait at once", async () => {
    const { api_key } = await gw.generateKey({ requests_per_minute: 1000 });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        gw.call("GET", "/api-keys/self", { key: api_key }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(40).fill(200));
  });
});

describe("admin routes go through the same pipeline", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "20" });
  });
  afterAll(async () => gw?.close());

  it("limits and audits wrong admin keys on /admin/api/health and /admin/api/cores/*", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const path = i % 2 === 0 ? "/admin/api/health" : "/admin/api/cores/aaaaaaaaaaaa";
      statuses.push((await gw.call("GET", path, { key: `wrong-admin-key-${i}` })).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    expect(auditFailures(gw, "auth.failure")).toBe(20);
    // The right key from that address waits too: a guesser cannot tell a hit from a miss.
    expect((await gw.call("GET", "/admin/api/health", { key: gw.adminKey })).status).toBe(429);
  });
});

describe("admin sign-in under a burst of guesses", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "20" });
  });
  afterAll(async () => gw?.close());

  const signIn = (key: string) =>
    fetch(`${gw.url}/admin/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ admin_key: key }),
    }).then(async (r) => {
      await r.body?.cancel();
      return r.status;
    });

  it("refuses every attempt past the budget, the right key included, and audits each refusal", async () => {
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => signIn(`guess-${i}`)));
    expect(count(statuses, 401)).toBe(20);
    expect(count(statuses, 429)).toBe(180);
    expect(await signIn(gw.adminKey)).toBe(429);
    expect(auditFailures(gw, "admin.sign_in")).toBe(20);
  });
});

describe("Authorization: Bearer", () => {
  let gw: TestGateway;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "1000" });
    user = await gw.generateKey();
  });
  afterAll(async () => gw?.close());

  it("accepts an API key as a bearer token, the same key as X-API-KEY", async () => {
    const res = await gw.call("GET", "/api-keys/self", {
      headers: { Authorization: `Bearer ${user.api_key}` },
    });
    expect(res.status).toBe(200);
    expect(res.body.key_id).toBe(user.key_id);
    expect(res.headers.get("ratelimit-limit")).toBe("60");
  });

  it("accepts the admin key as a bearer token", async () => {
    const res = await gw.call("GET", "/api-keys", { headers: { Authorization: `Bearer ${gw.adminKey}` } });
    expect(res.status).toBe(200);
  });

  it("refuses a bearer token nobody knows as an invalid key", async () => {
    const res = await gw.call("GET", "/api-keys/self", {
      headers: { Authorization: "Bearer made-up-token" },
    });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("Invalid API Key");
  });

  it("treats other schemes as no credential", async () => {
    const res = await gw.call("GET", "/api-keys/self", { headers: { Authorization: "Basic Zm9vOmJhcg==" } });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("Missing API Key");
  });
});
