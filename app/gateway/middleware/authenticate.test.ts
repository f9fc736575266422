import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

describe("authentication", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "1000" });
  });
  afterAll(async () => gw?.close());

  it("answers 401 Missing API Key without a key", async () => {
    const res = await gw.call("GET", "/api-keys/self");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ detail: "Missing API Key" });
  });

  it.each([
    ["garbage", "hello"],
    ["the prefix alone", "cq_"],
    ["a short secret", "cq_abcdefghijkl_short"],
    ["an upper-case key id", "cq_ABCDEFGHIJKL_" + "a".repeat(43)],
    ["a key with a trailing space", "cq_abcdefghijkl_" + "a".repeat(43) + " "],
    ["a very long value", "x".repeat(5000)],
  ])("answers 401 Invalid API Key for %s", async (_name, key) => {
    const res = await gw.call("GET", "/api-keys/self", { key });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("Invalid API Key");
  });

  it("answers 401 Invalid API Key for a forged key: a real key id with a made-up secret", async () => {
    const { api_key, key_id } = await gw.generateKey();
    const forged = `cq_${key_id}_${"A".repeat(43)}`;
    expect(forged).not.toBe(api_key);
    const res = await gw.call("GET", "/api-keys/self", { key: forged });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe("Invalid API Key");
  });

  it("does not reveal that a forged key's id is revoked", async () => {
    const { key_id } = await gw.generateKey();
    await gw.call("POST", `/api-keys/${key_id}/revoke`, { key: gw.adminKey });
    const res = await gw.call("GET", "/api-keys/self", { key: `cq_${key_id}_${"B".repeat(43)}` });
    expect(res.body.detail).toBe("Invalid API Key");
  });

  it("answers 401 Invalid API Key for a key id that does not exist", async () => {
    const res = await gw.call("GET", "/api-keys/self", { key: `cq_nosuchkey000_${"c".repeat(43)}` });
    expect(res.body.detail).toBe("Invalid API Key");
  });

  it("accepts the admin key only exactly", async () => {
    expect((await gw.call("GET", "/api-keys", { key: gw.adminKey })).status).toBe(200);
    expect((await gw.call("GET", "/api-keys", { key: gw.adminKey + "x" })).status).toBe(401);
    expect((await gw.call("GET", "/api-keys", { key: gw.adminKey.slice(0, -1) })).status).toBe(401);
  });
});

describe("failed authentications per address", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "3" });
  });
  afterAll(async () => gw?.close());

  it("refuses every attempt from an address with 429 once it failed too often", async () => {
    const { api_key } = await gw.generateKey();
    for (let i = 0; i < 3; i++) {
      expect((await gw.call("GET", "/api-keys/self", { key: `wrong-${i}` })).status).toBe(401);
    }
    const blocked = await gw.call("GET", "/api-keys/self", { key: "wrong-again" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.detail).toMatch(/Too many failed authentication attempts/);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even a good key from that address waits: a guesser cannot tell a hit from a miss.
    expect((await gw.call("GET", "/api-keys/self", { key: api_key })).status).toBe(429);
    // Health stays open.
    expect((await gw.call("GET", "/")).status).toBe(200);
  });
});

describe("admin web session", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  async function signIn(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${gw.url}/admin/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ admin_key: gw.adminKey }),
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const { csrf_token } = (await res.json()) as { csrf_token: string };
    return { cookie, csrf: csrf_token };
  }

  it("treats a session cookie with its X-CSRF-Token as the admin", async () => {
    const { cookie, csrf } = await signIn();
    const res = await gw.call("GET", "/api-keys", { headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
    expect(res.status).toBe(200);
    const created = await gw.call("POST", "/api-keys/generate", {
      headers: { Cookie: cookie, "X-CSRF-Token": csrf },
    });
    expect(created.status).toBe(200);
  });

  it("refuses the cookie without the CSRF token, or with a wrong one", async () => {
    const { cookie, csrf } = await signIn();
    const without = await gw.call("GET", "/api-keys", { headers: { Cookie: cookie } });
    expect(without.status).toBe(401);
    const wrong = await gw.call("GET", "/api-keys", {
      headers: { Cookie: cookie, "X-CSRF-Token": csrf.replace(/.$/, "x") },
    });
    expect(wrong.status).toBe(401);
  });

  it("refuses a made-up session cookie", async () => {
    const res = await gw.call("GET", "/api-keys", {
      headers: { Cookie: `cq_admin_session=${"a".repeat(43)}`, "X-CSRF-Token": "b".repeat(43) },
    });
    expect(res.status).toBe(401);
  });

  it("serves the admin page", async () => {
    const res = await fetch(`${gw.url}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/html/);
  });
});
