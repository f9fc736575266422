import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegisteredCore, type RegisteredCore } from "../oauth/testing/oauth-gateway.js";
import { GPT_ACTION_MAX_ANSWER_CHARS } from "../proxy/openapi.js";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { startTestGateway, type Reply, type TestGateway } from "../testing/gateway-harness.js";

const PUBLIC_URL = "https://codequery.gateway.test";
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
  components: unknown;
};
type Documented = {
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: unknown }>;
};

/**
 * The GPT Action document as the editor's "Import from URL" fetches it, linted, and checked
 * against what the Gateway really answers: every live status is documented, with its media type,
 * its body shape and its headers.
 */
describe("the GPT Actions document at /openapi.json", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let doc: Doc;
  let core: RegisteredCore;
  let silentCore: FakeCore;
  const keys: Record<"user" | "limited" | "silent" | "gone" | "lonely", { api_key: string; key_id: string }> =
    {} as never;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  /** Asserts that `reply` to `method path` is what the document says that answer looks like. */
  function expectDocumented(method: string, path: string, reply: Reply): void {
    const what = `${method} ${path} → ${reply.status}`;
    const documented = doc.paths[path]?.[method.toLowerCase()]?.responses[String(reply.status)];
    expect(documented, `${what} is not documented`).toBeDefined();
    const mediaType = (reply.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const content = documented!.content?.[mediaType];
    expect(
      content,
      `${what} sent ${mediaType}, documented ${Object.keys(documented!.content ?? {})}`,
    ).toBeDefined();
    const validate = ajv.compile({ ...(content!.schema as object), components: doc.components });
    expect(validate(JSON.parse(reply.text)), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    for (const header of Object.keys(documented!.headers ?? {})) {
      expect(reply.headers.get(header), `${what} lacks ${header}`).not.toBeNull();
    }
    expect(reply.text.length).toBeLessThanOrEqual(GPT_ACTION_MAX_ANSWER_CHARS);
  }

  beforeAll(async () => {
    gw = await startTestGateway({
      GATEWAY_PUBLIC_URL: PUBLIC_URL,
      PROXY_RESPONSE_TIMEOUT_MS: "300",
      PROXY_MAX_REQUEST_BYTES: "2048",
    });
    for (const name of ["user", "silent", "gone", "lonely"] as const) keys[name] = await gw.generateKey();
    keys.limited = await gw.generateKey({ requests_per_minute: 1 });
    core = await startRegisteredCore(gw, keys.user.api_key);
    await startRegisteredCore(gw, keys.limited.api_key).then((c) => afterAll(() => c.close()));
    silentCore = await startFakeCore(() => undefined); // never answers
    const register = (key: string, url: string) =>
      gw.call("POST", "/ngrok-urls/", { key, body: { ngrok_url: url, core_token: "t".repeat(32) } });
    await register(keys.silent.api_key, silentCore.url);
    await register(keys.gone.api_key, "http://127.0.0.1:9");
    const res = await fetch(`${gw.url}/openapi.json`);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await core?.close();
    await silentCore?.close();
    await gw?.close();
  });

  it("is served without a key, naming the Gateway, cacheable", async () => {
    const res = await fetch(`${gw.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const body = (await res.json()) as { servers: unknown };
    expect(body.servers).toEqual([{ url: PUBLIC_URL }]);
  });

  it.each(["/OPENAPI.JSON", "/OpenAPI.json", "/openapi.JSON"])(
    "answers %s with the same Gateway document, never a Core's own with its tunnel URL",
    async (path) => {
      const direct = await gw.call("GET", "/openapi.json");
      const other = await gw.call("GET", path, { key: keys.user.api_key });
      expect(other.status).toBe(200);
      expect(other.text).toBe(direct.text);
      expect(other.text).not.toContain(core.core.url);
    },
  );

  it("fits a GPT Action's 100,000 characters", async () => {
    expect((await gw.call("GET", "/openapi.json")).text.length).toBeLessThan(GPT_ACTION_MAX_ANSWER_CHARS);
  });

  it("passes `redocly lint` (recommended rules) with no errors and no warnings", () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-actions-lint-"));
    try {
      writeFileSync(join(dir, "openapi.json"), JSON.stringify(doc));
      const run = spawnSync(
        join(process.cwd(), "node_modules", ".bin", "redocly"),
        ["lint", "openapi.json", "--format=json"],
        {
          cwd: dir,
          encoding: "utf8",
          timeout: 60_000,
          // Offline and quiet: no telemetry, no update check.
          env: {
            ...process.env,
            REDOCLY_TELEMETRY: "off",
            REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
            CI: "true",
          },
        },
      );
      const report = JSON.parse(run.stdout) as {
        totals: { errors: number; warnings: number };
        problems: unknown[];
      };
      expect(report.problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("matches the Gateway's live answers", () => {
    it("200 for each read on a real Core", async () => {
      const key = keys.user.api_key;
      expectDocumented("GET", "/files/structure", await gw.call("GET", "/files/structure", { key }));
      expectDocumented("GET", "/files/search", await gw.call("GET", "/files/search?q=needle", { key }));
      const content = await gw.call("POST", "/files/content", { key, body: { file_paths: ["src/app.ts"] } });
      expect(content.status).toBe(200);
      expectDocumented("POST", "/files/content", content);
      for (const path of [
        "/files/content?path=src/app.ts&start_line=1&end_line=1",
        "/files/info?path=src/app.ts",
        "/files/list?path=src",
      ]) {
        const reply = await gw.call("GET", path, { key });
        expect(reply.status, path).toBe(200);
        expectDocumented("GET", path.split("?")[0]!, reply);
      }
    });

    it("offers every read the Gateway proxies and the Core describes, and nothing else", () => {
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      );
      expect(operations.sort()).toEqual(
        [
          "get /files/content",
          "get /files/info",
          "get /files/list",
          "get /files/search",
          "get /files/structure",
          "post /files/content",
        ].sort(),
      );
    });

    it("400 from the Core, passed through", async () => {
      const reply = await gw.call("GET", "/files/search", { key: keys.user.api_key });
      expect(reply.status).toBe(400);
      expectDocumented("GET", "/files/search", reply);
    });

    it("401 without a key and with a wrong one", async () => {
      for (const key of [undefined, `cq_${"a".repeat(12)}_${"w".repeat(43)}`]) {
        const reply = await gw.call("GET", "/files/structure", { key });
        expect(reply.status).toBe(401);
        expectDocumented("GET", "/files/structure", reply);
      }
    });

    it("403 for the admin key, which has no Core", async () => {
      const reply = await gw.call("GET", "/files/search?q=x", { key: gw.adminKey });
      expect(reply.status).toBe(403);
      expectDocumented("GET", "/files/search", reply);
    });

    it("404 from the Core for a file that is not there", async () => {
      const reply = await gw.call("GET", "/files/info?path=nope.txt", { key: keys.user.api_key });
      expect(reply.status).toBe(404);
      expectDocumented("GET", "/files/info", reply);
    });

    it("404 from the Core when every requested file is missing", async () => {
      const reply = await gw.call("POST", "/files/content", {
        key: keys.user.api_key,
        body: { file_paths: ["nope.txt"] },
      });
      expect(reply.status).toBe(404);
      expectDocumented("POST", "/files/content", reply);
    });

    it("413 for a body over the Gateway's limit", async () => {
      const reply = await gw.call("POST", "/files/content", {
        key: keys.user.api_key,
        body: { file_paths: ["x".repeat(4096)] },
      });
      expect(reply.status).toBe(413);
      expectDocumented("POST", "/files/content", reply);
    });

    it("429 with Retry-After and RateLimit headers once the key's limit is used", async () => {
      // One request per minute, and registering the Core may already have used it.
      let reply = await gw.call("GET", "/files/structure", { key: keys.limited.api_key });
      for (let tries = 0; reply.status === 200 && tries < 3; tries++) {
        reply = await gw.call("GET", "/files/structure", { key: keys.limited.api_key });
      }
      expect(reply.status).toBe(429);
      expectDocumented("GET", "/files/structure", reply);
    });

    it("502 when the Core does not accept connections", async () => {
      const reply = await gw.call("GET", "/files/structure", { key: keys.gone.api_key });
      expect(reply.status).toBe(502);
      expectDocumented("GET", "/files/structure", reply);
    });

    it("503 when no Core is registered for the key", async () => {
      const reply = await gw.call("POST", "/files/content", {
        key: keys.lonely.api_key,
        body: { file_paths: ["a"] },
      });
      expect(reply.status).toBe(503);
      expectDocumented("POST", "/files/content", reply);
    });

    it("504 when the Core does not answer in time", async () => {
      const reply = await gw.call("GET", "/files/search?q=x", { key: keys.silent.api_key });
      expect(reply.status).toBe(504);
      expectDocumented("GET", "/files/search", reply);
    });
  });
});
