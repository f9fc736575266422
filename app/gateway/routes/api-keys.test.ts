import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("API key lifecycle over HTTP", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      ROTATION_GRACE_HOURS: "24",
      REVOKED_RETENTION_DAYS: "30",
      DEFAULT_RPM: "60",
    });
  });
  afterAll(async () => gw?.close());

  it("answers health without a key", async () => {
    const res = await gw.call("GET", "/");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
  });

  it("answers unknown routes and wrong methods with JSON", async () => {
    const missing = await gw.call("GET", "/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/No route for GET \/nope/);
    const wrong = await gw.call("PUT", "/api-keys/generate", { key: gw.adminKey });
    expect(wrong.status).toBe(405);
    expect(wrong.body.detail).toMatch(/POST/);
  });

  it("generates a key with the defaults, shown once in the documented shape", async () => {
    const res = await gw.call("POST", "/api-keys/generate", { key: gw.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.api_key).toMatch(/^cq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(res.body.key_id).toBe((res.body.api_key as string).slice(3, 15));
    expect(res.body.rate_limit).toBe(60);
    expect(Date.parse(res.body.expires_at as string) - gw.clock.ms).toBe(30 * DAY);
    expect(res.body.message).toMatch(/shown only once/);
  });

  it("generates with expiration_days, requests_per_minute and label", async () => {
    const res = await gw.call("POST", "/api-keys/generate", {
      key: gw.adminKey,
      body: { expiration_days: 7, requests_per_minute: 5, label: "laptop" },
    });
    expect(res.status).toBe(200);
    expect(res.body.rate_limit).toBe(5);
    expect(res.body.label).toBe("laptop");
    expect(Date.parse(res.body.expires_at as string) - gw.clock.ms).toBe(7 * DAY);
  });

  it("never stores the key itself, only its HMAC", async () => {
    const { api_key, key_id } = await gw.generateKey();
    const { readFileSync } = await import("node:fs");
    const stored = readFileSync(`${gw.dataDir}/keys/${key_id}.json`, "utf8");
    expect(stored).not.toContain(api_key);
    expect(stored).not.toContain(api_key.slice(16));
    expect(JSON.parse(stored).secret.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      "a string expiration_days",
      { expiration_days: "7" },
      /expiration_days: expected a whole number from 1 to 365/,
    ],
    [
      "a fractional expiration_days",
      { expiration_days: 1.5 },
      /expiration_days: expected a whole number from 1 to 365/,
    ],
    [
      "zero expiration_days",
      { expiration_days: 0 },
      /expiration_days: expected a whole number from 1 to 365/,
    ],
    [
      "expiration_days above the maximum",
      { expiration_days: 100_000 },
      /expiration_days: expected a whole number from 1 to 365/,
    ],
    [
      "a negative requests_per_minute",
      { requests_per_minute: -1 },
      /requests_per_minute: expected a whole number from 1 to 10000/,
    ],
    [
      "a requests_per_minute above the maximum",
      { requests_per_minute: 10_000_000 },
      /requests_per_minute: expected a whole number from 1 to 10000/,
    ],
    [
      "a null requests_per_minute",
      { requests_per_minute: null },
      /requests_per_minute: expected a whole number/,
    ],
    ["a numeric label", { label: 42 }, /label: expected a string/],
    ["a label with control characters", { label: "a\u0000b" }, /label: control characters/],
    ["a too long label", { label: "x".repeat(101) }, /label: at most 100/],
    ["an unknown field", { expires: 3 }, /expires/],
  ])("refuses %s with a clear 400", async (_name, body, message) => {
    const res = await gw.call("POST", "/api-keys/generate", { key: gw.adminKey, body });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(message);
  });

  it("refuses malformed JSON, a JSON array and a huge body", async () => {
    const headers = { "Content-Type": "application/json" };
    const bad = await gw.call("POST", "/api-keys/generate", {
      key: gw.adminKey,
      rawBody: "{not json",
      headers,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe("Request body is not valid JSON");
    const array = await gw.call("POST", "/api-keys/generate", {
      key: gw.adminKey,
      rawBody: "[1,2]",
      headers,
    });
    expect(array.status).toBe(400);
    expect(array.body.detail).toMatch(/JSON object/);
    const huge = await gw.call("POST", "/api-keys/generate", {
      key: gw.adminKey,
      rawBody: JSON.stringify({ label: "x".repeat(100_000) }),
      headers,
    });
    expect(huge.status).toBe(413);
  });

  it("requires the admin key to generate", async () => {
    const missing = await gw.call("POST", "/api-keys/generate");
    expect(missing.status).toBe(401);
    expect(missing.body.detail).toBe("Missing API Key");
    const { api_key } = await gw.generateKey();
    const user = await gw.call("POST", "/api-keys/generate", { key: api_key });
    expect(user.status).toBe(403);
  });

  it("lists every key for the admin, without hashes", async () => {
    const { key_id } = await gw.generateKey({ label: "listed" });
    const res = await gw.call("GET", "/api-keys", { key: gw.adminKey });
    expect(res.status).toBe(200);
    const keys = res.body.keys as Array<Record<string, unknown>>;
    const mine = keys.find((k) => k.key_id === key_id)!;
    expect(mine).toMatchObject({
      label: "listed",
      status: "active",
      total_requests: 0,
      last_used: null,
      tunnel: null,
    });
    expect(res.text).not.toMatch(/"hash"|pepper|secret/);
  });

  it("refuses the listing to a key holder", async () => {
    const { api_key } = await gw.generateKey();
    expect((await gw.call("GET", "/api-keys", { key: api_key })).status).toBe(403);
  });

  it("shows a key holder its own key under /api-keys/self", async () => {
    const { api_key, key_id } = await gw.generateKey({ label: "me" });
    const res = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key_id, label: "me", status: "active" });
  });

  it("refuses every cross-key attempt with 403, whether the other key exists or not", async () => {
    const a = await gw.generateKey();
    const b = await gw.generateKey();
    for (const [method, path] of [
      ["GET", `/api-keys/${b.key_id}`],
      ["GET", `/api-keys/${b.api_key}`],
      ["POST", `/api-keys/${b.key_id}/rotate`],
      ["POST", `/api-keys/${b.key_id}/revoke`],
      ["POST", `/api-keys/${b.key_id}/restore`],
      ["DELETE", `/api-keys/${b.key_id}`],
      ["DELETE", `/api-keys/${b.api_key}`],
      ["DELETE", `/api-keys/zzzzzzzzzzzz`],
      ["GET", `/ngrok-urls/${b.key_id}`],
    ] as const) {
      const res = await gw.call(method, path, { key: a.api_key });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await gw.call("GET", "/api-keys/self", { key: b.api_key })).body.status).toBe("active");
  });

  it("rotates: the new key works, the old one during the grace period and not after", async () => {
    const { api_key: oldKey, key_id } = await gw.generateKey();
    const res = await gw.call("POST", "/api-keys/self/rotate", { key: oldKey });
    expect(res.status).toBe(200);
    const newKey = res.body.api_key as string;
    expect(newKey).not.toBe(oldKey);
    expect(res.body.key_id).toBe(key_id);
    expect(Date.parse(res.body.previous_key_valid_until as string) - gw.clock.ms).toBe(24 * HOUR);

    expect((await gw.call("GET", "/api-keys/self", { key: newKey })).body.status).toBe("rotating");
    expect((await gw.call("GET", "/api-keys/self", { key: oldKey })).status).toBe(200);
    gw.clock.advance(24 * HOUR + 1000);
    const late = await gw.call("GET", "/api-keys/self", { key: oldKey });
    expect(late.status).toBe(401);
    expect(late.body.detail).toMatch(/rotated/);
    const fresh = await gw.call("GET", "/api-keys/self", { key: newKey });
    expect(fresh.status).toBe(200);
    expect(fresh.body.status).toBe("active");
  });

  it("lets the admin rotate any key by id", async () => {
    const { key_id } = await gw.generateKey();
    const res = await gw.call("POST", `/api-keys/${key_id}/rotate`, { key: gw.adminKey });
    expect(res.status).toBe(200);
    expect((await gw.call("GET", "/api-keys/self", { key: res.body.api_key as string })).status).toBe(200);
  });

  it("revokes (soft): the key is refused, the admin restores it within retention", async () => {
    const { api_key, key_id } = await gw.generateKey();
    const revoked = await gw.call("POST", "/api-keys/self/revoke", { key: api_key });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
    const refused = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe("API Key has been revoked");

    const again = await gw.call("POST", `/api-keys/${key_id}/revoke`, { key: gw.adminKey });
    expect(again.status).toBe(200);
    const restored = await gw.call("POST", `/api-keys/${key_id}/restore`, { key: gw.adminKey });
    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe("active");
    expect((await gw.call("GET", "/api-keys/self", { key: api_key })).status).toBe(200);
  });

  it("refuses to restore a key that is not revoked (409) or revoked too long ago (410)", async () => {
    const { key_id } = await gw.generateKey({ expiration_days: 365 });
    expect((await gw.call("POST", `/api-keys/${key_id}/restore`, { key: gw.adminKey })).status).toBe(409);
    await gw.call("POST", `/api-keys/${key_id}/revoke`, { key: gw.adminKey });
    gw.clock.advance(31 * DAY);
    const late = await gw.call("POST", `/api-keys/${key_id}/restore`, { key: gw.adminKey });
    expect(late.status).toBe(410);
    expect(late.body.detail).toMatch(/30 days/);
  });

  it("does not let a key holder restore its own revoked key", async () => {
    const { api_key } = await gw.generateKey();
    await gw.call("POST", "/api-keys/self/revoke", { key: api_key });
    expect((await gw.call("POST", "/api-keys/self/restore", { key: api_key })).status).toBe(401);
  });

  it("refuses to rotate a revoked key (409)", async () => {
    const { key_id } = await gw.generateKey();
    await gw.call("POST", `/api-keys/${key_id}/revoke`, { key: gw.adminKey });
    expect((await gw.call("POST", `/api-keys/${key_id}/rotate`, { key: gw.adminKey })).status).toBe(409);
  });

  it("purges by key, by id and by self: record, tunnel and usage gone for good", async () => {
    const { existsSync } = await import("node:fs");
    const byKey = await gw.generateKey();
    const res = await gw.call("DELETE", `/api-keys/${byKey.api_key}`, { key: gw.adminKey });
    expect(res.status).toBe(200);
    expect(existsSync(`${gw.dataDir}/keys/${byKey.key_id}.json`)).toBe(false);
    expect((await gw.call("GET", "/api-keys/self", { key: byKey.api_key })).status).toBe(401);

    const byId = await gw.generateKey();
    expect((await gw.call("DELETE", `/api-keys/${byId.key_id}`, { key: gw.adminKey })).status).toBe(200);
    expect((await gw.call("DELETE", `/api-keys/${byId.key_id}`, { key: gw.adminKey })).status).toBe(404);

    const self = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: self.api_key,
      body: { ngrok_url: "http://127.0.0.1:9", core_token: "t".repeat(32) },
    });
    await gw.call("GET", "/api-keys/self", { key: self.api_key });
    await gw.gateway.flushUsage();
    expect(existsSync(`${gw.dataDir}/tunnels/${self.key_id}.json`)).toBe(true);
    expect(existsSync(`${gw.dataDir}/usage/${self.key_id}.json`)).toBe(true);
    expect((await gw.call("DELETE", "/api-keys/self", { key: self.api_key })).status).toBe(200);
    await gw.gateway.flushUsage();
    for (const kind of ["keys", "tunnels", "usage"]) {
      expect(existsSync(`${gw.dataDir}/${kind}/${self.key_id}.json`), kind).toBe(false);
    }
  });

  it("never purges, revokes or rotates the admin key (403)", async () => {
    for (const [method, path] of [
      ["DELETE", "/api-keys/self"],
      ["DELETE", "/api-keys/admin"],
      ["POST", "/api-keys/self/revoke"],
      ["POST", "/api-keys/admin/rotate"],
    ] as const) {
      const res = await gw.call(method, path, { key: gw.adminKey });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.detail).toMatch(/admin key cannot/);
    }
  });

  it("answers 404 for an unknown id and 400 for a path that is not a key", async () => {
    expect((await gw.call("GET", "/api-keys/abcdefghijkl", { key: gw.adminKey })).status).toBe(404);
    const bad = await gw.call("DELETE", "/api-keys/not-a-key", { key: gw.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/key id/);
  });

  it("shows the status expired once a key's time has passed", async () => {
    const { api_key, key_id } = await gw.generateKey({ expiration_days: 1 });
    gw.clock.advance(DAY + 1);
    const res = await gw.call("GET", "/api-keys/self", { key: api_key });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("API Key has expired");
    const listed = await gw.call("GET", `/api-keys/${key_id}`, { key: gw.adminKey });
    expect(listed.body.status).toBe("expired");
  });
});

describe("public key generation", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      PUBLIC_KEY_GENERATION: "true",
      PUBLIC_KEYS_PER_HOUR_PER_IP: "3",
      DEFAULT_RPM: "60",
    });
  });
  afterAll(async () => gw?.close());

  it("keeps the defaults as the ceiling for anonymous callers", async () => {
    const res = await gw.call("POST", "/api-keys/generate", { body: { requests_per_minute: 1000 } });
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/requests_per_minute at most 60/);
  });

  it("lets anyone generate a few keys per address, then answers 429; the admin is not limited", async () => {
    expect((await gw.call("POST", "/api-keys/generate")).status).toBe(200);
    expect((await gw.call("POST", "/api-keys/generate", { body: { label: "x" } })).status).toBe(200);
    const next = await gw.call("POST", "/api-keys/generate");
    expect(next.status).toBe(429);
    expect(Number(next.headers.get("retry-after"))).toBeGreaterThan(0);
    const admin = await gw.call("POST", "/api-keys/generate", {
      key: gw.adminKey,
      body: { requests_per_minute: 1000 },
    });
    expect(admin.status).toBe(200);
  });
});
