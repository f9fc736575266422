import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import Koa from "koa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestId, safeEqual } from "../../common/http.js";
import { errorHandler } from "../../common/problem-details.js";
import { silentLogger } from "../../common/logger.js";
import type { AuditRecord } from "../store/types.js";
import { createAdminRouter } from "./routes.js";
import { createAdminSessions } from "./session.js";

const ADMIN_KEY = "admin-key-for-tests-0123456789abcdef";
const TTL_MS = 30 * 60_000;

let t = Date.parse("2026-06-01T00:00:00Z");
const now = () => t;
const records: AuditRecord[] = [];
let storeUp = true;
let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.use(requestId());
  app.use(errorHandler(silentLogger()));
  const router = createAdminRouter({
    sessions: createAdminSessions({ ttlMs: TTL_MS, now }),
    verifyAdminKey: (key) => safeEqual(key, ADMIN_KEY),
    audit: { write: async (r) => void records.push(r) },
    logger: silentLogger(),
    now,
    version: "9.9.9",
    store: {
      backend: "file",
      ping: async () => {
        if (!storeUp) throw new Error("store is down");
      },
    },
    requestCounts: () => ({ total: 12, errors: 1 }),
    coreStatus: async (keyId) =>
      keyId === "aaaaaaaaaaaa"
        ? { registered: true, answering: true, registered_at: "2026-06-01T00:00:00.000Z" }
        : { registered: false, answering: null, registered_at: null },
    signInFailuresPerMinute: 3,
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

beforeEach(() => {
  records.length = 0;
  storeUp = true;
});

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
    expect(res.status).toBe(404);
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
    expect(expiresAt).toBe(new Date(t + TTL_MS).toISOString());
    expect(records).toMatchObject([{ actor: "admin", action: "admin.sign_in", outcome: "success" }]);
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
    expect(records).toMatchObject([{ actor: "anonymous", action: "admin.sign_in", outcome: "failure" }]);
    expect(JSON.stringify(records)).not.toContain("wrong-key-attempt");
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
    t += 90_000;
    const body = (await (await health({ cookie: session, "x-csrf-token": csrf })).json()) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      status: "ok",
      version: "9.9.9",
      store: { backend: "file", reachable: true },
      requests: { total: 12, errors: 1 },
    });
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(90);
    storeUp = false;
    const down = (await (await health({ cookie: session, "x-csrf-token": csrf })).json()) as Record<
      string,
      unknown
    >;
    expect(down).toMatchObject({ status: "degraded", store: { reachable: false, error: "store is down" } });
  });

  it("also accepts the admin key itself in X-API-KEY", async () => {
    expect((await health({ "x-api-key": ADMIN_KEY })).status).toBe(200);
    expect((await health({ "x-api-key": "nope" })).status).toBe(401);
  });

  it("stops accepting a session once it has expired", async () => {
    const { session, csrf } = await signIn();
    t += TTL_MS - 1;
    expect((await health({ cookie: session, "x-csrf-token": csrf })).status).toBe(200);
    t += 1;
    const res = await health({ cookie: session, "x-csrf-token": csrf });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: "Admin session missing or expired: sign in again" });
  });

  it("signs out: the cookie is cleared and the session is gone", async () => {
    const { session, csrf } = await signIn();
    const res = await fetch(`${base}/admin/session`, {
      method: "DELETE",
      headers: { cookie: session, "x-csrf-token": csrf },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/^cq_admin_session=; .*Max-Age=0/);
    expect(records.at(-1)).toMatchObject({ action: "admin.sign_out" });
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
    const res = await fetch(`${base}/admin/api/cores/aaaaaaaaaaaa`, { headers });
    expect(await res.json()).toEqual({
      key_id: "aaaaaaaaaaaa",
      registered: true,
      answering: true,
      registered_at: "2026-06-01T00:00:00.000Z",
    });
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
  it("answers 429 with Retry-After after too many wrong keys from one address", async () => {
    const attempt = (key: string) =>
      fetch(`${base}/admin/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
        body: JSON.stringify({ admin_key: key }),
      });
    // The app does not trust X-Forwarded-For, so every attempt here counts against 127.0.0.1;
    // earlier tests used up some of the budget, so count down until the limit shows.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`wrong-${i}`)).status);
    expect(statuses).toContain(429);
    const res = await attempt(ADMIN_KEY);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Too many failed sign-ins/);
  });
});
