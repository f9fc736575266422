import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { createRecordStore } from "../store/record-store.js";
import { observeStore } from "../store/store-observer.js";
import type { AuditRecord } from "../store/types.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TTL_MS = 8 * 3_600_000;
const TOKEN = "core-token-0123456789abcdefghijkl";

let gw: TestGateway;
let base: string;
let ADMIN_KEY: string;
let storeUp = true;
let core: FakeCore;
let registered: string;

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "cq-admin-"));
  // The file store, with a switch to make its health check fail.
  const real = observeStore(createRecordStore({ kind: "file", dataDir }), () => undefined);
  gw = await startTestGateway(
    { AUTH_FAILURES_PER_MINUTE_PER_IP: "1000", DATA_DIR: dataDir },
    {
      store: {
        ...real,
        ping: async () => {
          if (!storeUp) throw new Error("store is down");
        },
      },
    },
  );
  base = gw.url;
  ADMIN_KEY = gw.adminKey;
  core = await startFakeCore((_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end("{}"),
  );
  const user = await gw.generateKey();
  registered = user.key_id;
  await gw.call("POST", "/ngrok-urls/", {
    key: user.api_key,
    body: { ngrok_url: core.url, core_token: TOKEN },
  });
});

afterAll(async () => {
  await gw?.close();
  await core?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The audit records written so far, from the Gateway's audit file. */
function records(): AuditRecord[] {
  return readFileSync(join(dataDir, "audit.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
}

async function signIn(headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/admin/session`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ admin_key: ADMIN_KEY }),
  });
  expect(res.status).toBe(201);
  const cookie = res.headers.get("set-cookie") ?? "";
  const body = (await res.json()) as { csrf_token: string; expires_at: string };
  return { cookie, session: cookie.split(";")[0]!, csrf: body.csrf_token, expiresAt: body.expires_at };
}

describe("admin page", () => {
  it("serves the page with a strict CSP, no framing and no referrer", async () => {
    const res = await fetch(`${base}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    // every script is a file from this origin, never inline
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/admin/assets/admin.js">']);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves its stylesheet and a bundled script from the repository", async () => {
    const js = await fetch(`${base}/admin/assets/admin.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(await js.text()).toContain("/admin/session");
    const css = await fetch(`${base}/admin/assets/admin.css`);
    expect(css.headers.get("content-type")).toMatch(/text\/css/);
  });

  it("leaves routes outside /admin to the rest of the Gateway", async () => {
    const res = await fetch(`${base}/api-keys`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-security-policy")).toBeNull();
  });

  it("answers 404 for an unknown asset", async () => {
    const res = await fetch(`${base}/admin/assets/..%2Fsession.ts`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ detail: "No such admin asset" });
  });
});

describe("admin sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token", async () => {
    const { cookie, csrf, expiresAt } = await signIn();
    expect(cookie).toMatch(/^cq_admin_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain(`Max-Age=${TTL_MS / 1000}`);
    expect(cookie).not.toContain("Secure");
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(new Date(gw.clock.ms + TTL_MS).toISOString());
    expect(records().at(-1)).toMatchObject({ actor: "admin", action: "admin.sign_in", outcome: "success" });
  });

  it("marks the cookie Secure when the request came over https through the load balancer", async () => {
    const { cookie } = await signIn({ "x-forwarded-proto": "https" });
    expect(cookie).toContain("Secure");
  });

  it("refuses a wrong key with 401 and an audit record that holds no key", async () => {
    const res = await fetch(`${base}/admin/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.7" },
      body: JSON.stringify({ admin_key: "wrong-key-attempt" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.json()).toMatchObject({ detail: "Wrong admin key" });
    expect(records().at(-1)).toMatchObject({
      actor: "anonymous",
      action: "admin.sign_in",
      outcome: "failure",
    });
    expect(JSON.stringify(records())).not.toContain("wrong-key-attempt");
  });

  it.each([
    ["not JSON", "{admin_key:", 400],
    ["no key", "{}", 400],
    ["a key of the wrong type", '{"admin_key": 42}', 400],
    ["a huge body", JSON.stringify({ admin_key: "x".repeat(10_000) }), 413],
  ])("answers %s with a clear error", async (_name, body, status) => {
    const res = await fetch(`${base}/admin/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/admin_key|JSON|larger/);
  });
});

describe("admin API calls with the session", () => {
  const health = (headers: Record<string, string>) => fetch(`${base}/admin/api/health`, { headers });

  it("requires the cookie and the matching CSRF token", async () => {
    const { session, csrf } = await signIn();
    expect((await health({})).status).toBe(401);
    expect((await health({ cookie: session })).status).toBe(401);
    expect((await health({ "x-csrf-token": csrf })).status).toBe(401);
    expect((await health({ cookie: session, "x-csrf-token": "x".repeat(43) })).status).toBe(401);
    const ok = await health({ cookie: session, "x-csrf-token": csrf });
    expect(ok.status).toBe(200);
  });

  it("reports store reachability, uptime, version and request counts", async () => {
    const { session, csrf } = await signIn();
    gw.clock.advance(90_000);
    const body = (await (await health({ cookie: session, "x-csrf-token": csrf })).json()) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      status: "ok",
      store: { backend: "file", reachable: true },
      requests: { errors: 0 },
    });
    expect((body.requests as { total: number }).total).toBeGreaterThan(0);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(90);
    storeUp = false;
    const down = (await (await health({ cookie: session, "x-csrf-token": csrf })).json()) as Record<
      string,
      unknown
    >;
    expect(down).toMatchObject({ status: "degraded", store: { reachable: false, error: "store is down" } });
    storeUp = true;
  });

  it("also accepts the admin key itself in X-API-KEY", async () => {
    expect((await health({ "x-api-key": ADMIN_KEY })).status).toBe(200);
    expect((await health({ "x-api-key": "nope" })).status).toBe(401);
  });

  it("stops accepting a session once it has expired", async () => {
    const { session, csrf } = await signIn();
    gw.clock.advance(TTL_MS - 1);
    expect((await health({ cookie: session, "x-csrf-token": csrf })).status).toBe(200);
    gw.clock.advance(1);
    const res = await health({ cookie: session, "x-csrf-token": csrf });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      detail: "Admin session is invalid or expired, or the X-CSRF-Token header is missing",
    });
  });

  it("signs out: the cookie is cleared and the session is gone", async () => {
    const { session, csrf } = await signIn();
    const res = await fetch(`${base}/admin/session`, {
      method: "DELETE",
      headers: { cookie: session, "x-csrf-token": csrf },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/^cq_admin_session=; .*Max-Age=0/);
    expect(records().at(-1)).toMatchObject({ action: "admin.sign_out" });
    expect((await health({ cookie: session, "x-csrf-token": csrf })).status).toBe(401);
  });

  it("does not end a session for a sign-out request without its CSRF token", async () => {
    const { session, csrf } = await signIn();
    const res = await fetch(`${base}/admin/session`, { method: "DELETE", headers: { cookie: session } });
    expect(res.status).toBe(204);
    expect((await health({ cookie: session, "x-csrf-token": csrf })).status).toBe(200);
  });
});

describe("Core status", () => {
  it("tells the signed-in admin whether a key's Core answers", async () => {
    const { session, csrf } = await signIn();
    const headers = { cookie: session, "x-csrf-token": csrf };
    const res = await fetch(`${base}/admin/api/cores/${registered}`, { headers });
    expect(await res.json()).toMatchObject({ key_id: registered, registered: true, answering: true });
    expect(
      (await fetch(`${base}/admin/api/cores/bbbbbbbbbbbb`, { headers }).then((r) => r.json())) as object,
    ).toMatchObject({ registered: false });
  });

  it("refuses a malformed key id and callers who are not the admin", async () => {
    const { session, csrf } = await signIn();
    const bad = await fetch(`${base}/admin/api/cores/..%2F..%2Fetc`, {
      headers: { cookie: session, "x-csrf-token": csrf },
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${base}/admin/api/cores/aaaaaaaaaaaa`)).status).toBe(401);
  });
});

describe("sign-in brute force", () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startTestGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "3" });
  });
  afterAll(async () => limited?.close());

  it("answers 429 with Retry-After after too many wrong keys from one address", async () => {
    const attempt = (key: string) =>
      fetch(`${limited.url}/admin/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
        body: JSON.stringify({ admin_key: key }),
      });
    // The app does not trust X-Forwarded-For, so every attempt here counts against 127.0.0.1.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const res = await attempt(limited.adminKey);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { detail: string }).detail).toMatch(
      /Too many failed authentication attempts/,
    );
  });
});
