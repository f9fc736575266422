import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";

describe("Core registration (ngrok-urls)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  it("registers the caller's Core and shows it without the token", async () => {
    const { api_key, key_id } = await gw.generateKey();
    const res = await gw.call("POST", "/ngrok-urls/", {
      key: api_key,
      body: { ngrok_url: "http://127.0.0.1:5999", core_token: TOKEN },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key_id, ngrok_url: "http://127.0.0.1:5999" });
    expect(res.text).not.toContain(TOKEN);

    for (const ref of ["self", key_id, api_key]) {
      const got = await gw.call("GET", `/ngrok-urls/${ref}`, { key: api_key });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        key_id,
        ngrok_url: "http://127.0.0.1:5999",
        registered_at: res.body.registered_at,
      });
    }
    const admin = await gw.call("GET", `/ngrok-urls/${key_id}`, { key: gw.adminKey });
    expect(admin.body.ngrok_url).toBe("http://127.0.0.1:5999");
    const listing = await gw.call("GET", "/api-keys", { key: gw.adminKey });
    expect(listing.text).not.toContain(TOKEN);
    expect(listing.text).toContain("http://127.0.0.1:5999");
  });

  it("stores the token encrypted, never in the clear, and never logs it", async () => {
    const { api_key, key_id } = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls", {
      key: api_key,
      body: { ngrok_url: "http://127.0.0.1:6001", core_token: TOKEN },
    });
    const stored = readFileSync(`${gw.dataDir}/tunnels/${key_id}.json`, "utf8");
    expect(stored).not.toContain(TOKEN);
    expect(JSON.parse(stored).core_token_enc).toMatch(/^v1\./);
    expect(gw.logs()).not.toContain(TOKEN);
    for (const name of readdirSync(gw.dataDir)) {
      if (name.endsWith(".jsonl")) expect(readFileSync(`${gw.dataDir}/${name}`, "utf8")).not.toContain(TOKEN);
    }
  });

  it("replaces the registration when the Core registers again", async () => {
    const { api_key } = await gw.generateKey();
    await gw.call("POST", "/ngrok-urls/", {
      key: api_key,
      body: { ngrok_url: "http://127.0.0.1:7001", core_token: TOKEN },
    });
    await gw.call("POST", "/ngrok-urls/", {
      key: api_key,
      body: { ngrok_url: "http://127.0.0.1:7002", core_token: TOKEN + "x" },
    });
    expect((await gw.call("GET", "/ngrok-urls/self", { key: api_key })).body.ngrok_url).toBe(
      "http://127.0.0.1:7002",
    );
  });

  it("accepts an api_key in the body only when it is the header's key", async () => {
    const a = await gw.generateKey();
    const b = await gw.generateKey();
    const same = await gw.call("POST", "/ngrok-urls/", {
      key: a.api_key,
      body: { ngrok_url: "http://127.0.0.1:6100", core_token: TOKEN, api_key: a.api_key },
    });
    expect(same.status).toBe(200);
    const other = await gw.call("POST", "/ngrok-urls/", {
      key: a.api_key,
      body: { ngrok_url: "http://127.0.0.1:6100", core_token: TOKEN, api_key: b.api_key },
    });
    expect(other.status).toBe(403);
    expect((await gw.call("GET", "/ngrok-urls/self", { key: b.api_key })).status).toBe(404);
  });

  it.each([
    ["no core_token", { ngrok_url: "http://127.0.0.1:6200" }, /core_token/],
    [
      "a short core_token",
      { ngrok_url: "http://127.0.0.1:6200", core_token: "short" },
      /core_token: must be at least 22/,
    ],
    [
      "a core_token with spaces",
      { ngrok_url: "http://127.0.0.1:6200", core_token: "a b".repeat(10) },
      /core_token/,
    ],
    ["a numeric core_token", { ngrok_url: "http://127.0.0.1:6200", core_token: 12345 }, /core_token/],
    ["no ngrok_url", { core_token: TOKEN }, /ngrok_url/],
    ["a URL that is not a URL", { ngrok_url: "not a url", core_token: TOKEN }, /URL/i],
    ["a file: URL", { ngrok_url: "file:///etc/passwd", core_token: TOKEN }, /http/],
    ["the metadata address", { ngrok_url: "http://169.254.169.254/latest", core_token: TOKEN }, /metadata/],
  ])("refuses %s with 400", async (_name, body, message) => {
    const { api_key } = await gw.generateKey();
    const res = await gw.call("POST", "/ngrok-urls/", { key: api_key, body });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(message);
  });

  it("refuses registration with the admin key", async () => {
    const res = await gw.call("POST", "/ngrok-urls/", {
      key: gw.adminKey,
      body: { ngrok_url: "http://127.0.0.1:6300", core_token: TOKEN },
    });
    expect(res.status).toBe(403);
  });

  it("answers 404 when no Core is registered", async () => {
    const { api_key } = await gw.generateKey();
    const res = await gw.call("GET", "/ngrok-urls/self", { key: api_key });
    expect(res.status).toBe(404);
  });
});

describe("Core registration in production mode", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      ALLOW_INSECURE_TUNNELS: "false",
      TUNNEL_HOST_ALLOWLIST: "*.ngrok-free.app,localhost",
    });
  });
  afterAll(async () => gw?.close());

  it.each([
    ["http", "http://abc.ngrok-free.app", /https/],
    ["a host outside the allowlist", "https://evil.example.com", /not an allowed tunnel domain/],
    ["an allowed name that resolves to loopback", "https://localhost", /loopback/],
    ["an IP literal", "https://127.0.0.1", /allowed|loopback/],
  ])("refuses %s", async (_name, url, message) => {
    const { api_key } = await gw.generateKey();
    const res = await gw.call("POST", "/ngrok-urls/", {
      key: api_key,
      body: { ngrok_url: url, core_token: TOKEN },
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(message);
  });
});

describe("a purge racing the key's Core registering", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  it("leaves nothing of the key behind, whichever finishes first", async () => {
    const left: string[] = [];
    for (let round = 0; round < 10; round++) {
      const { api_key, key_id } = await gw.generateKey();
      const register = () =>
        gw.call("POST", "/ngrok-urls/", {
          key: api_key,
          body: { ngrok_url: `http://127.0.0.1:${6000 + round}`, core_token: TOKEN },
        });
      const [purge, ...registrations] = await Promise.all([
        gw.call("DELETE", `/api-keys/${key_id}`, { key: gw.adminKey }),
        register(),
        register(),
        register(),
        register(),
      ]);
      expect(purge.status).toBe(200);
      for (const r of registrations) expect([200, 401]).toContain(r.status);
      // A registration that started after the purge finished fails; anything it wrote is gone.
      expect((await register()).status).toBe(401);
      for (const kind of ["keys", "tunnels", "usage"]) {
        if (
          readdirSync(`${gw.dataDir}/${kind}`, { withFileTypes: true }).some((f) => f.name.startsWith(key_id))
        )
          left.push(`${kind}/${key_id}`);
      }
    }
    await gw.gateway.flushUsage();
    expect(left).toEqual([]);
  });
});
