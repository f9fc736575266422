import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/logger.js";
import { loadCoreConfig } from "../../core/config.js";
import { createCore, type Core } from "../../core/server.js";
import { createTempProject, type TempProject } from "../../core/testing/temp-project.js";
import { ACTION_ROUTES } from "../routes/actions-openapi.js";
import { buildActionsDocument } from "./openapi.js";
import { send, startProxyHarness, type ProxyHarness } from "./testing/harness.js";

/** The proxy in front of a real Core (createCore), with the token the Core itself issued. */
describe("createCoreProxy in front of the real Core", () => {
  const coreApiKey = "core-api-key-for-proxy-tests-0123";
  let project: TempProject;
  let core: Core;
  let coreUrl: string;
  let gateway: ProxyHarness;
  let openApiGateway: ProxyHarness;

  beforeAll(async () => {
    project = createTempProject({
      "README.md": "# Demo\n",
      "src/app.ts": "export const needle = 42;\n",
      ".env": "SECRET=do-not-serve\n",
    });
    core = createCore(loadCoreConfig({ PROJECT_PATH: project.root, CORE_PORT: "0", API_KEY: coreApiKey }), {
      logger: silentLogger(),
    });
    coreUrl = await core.listen();
    // What the Core hands the Gateway when it registers: a token it accepts as a bearer.
    const token = core.credentials.offerNewToken();
    gateway = await startProxyHarness({ url: coreUrl, token });
    openApiGateway = await startProxyHarness(
      { url: coreUrl, token },
      {},
      { rewriteJson: (doc) => buildActionsDocument(doc, "https://gateway.example.com", ACTION_ROUTES) },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await openApiGateway?.close();
    await core?.close();
    project?.cleanup();
  });

  const direct = (path: string, init: Parameters<typeof send>[1] = {}) =>
    send(`${coreUrl}${path}`, { ...init, headers: { ...init.headers, "x-api-key": coreApiKey } });

  it("serves the same structure as the Core does directly", async () => {
    const proxied = await send(`${gateway.url}/files/structure`);
    expect(proxied.status).toBe(200);
    expect(JSON.parse(proxied.body)).toEqual(JSON.parse((await direct("/files/structure")).body));
  });

  it("serves file contents for a POST with a JSON body", async () => {
    const body = JSON.stringify({ file_paths: ["src/app.ts", ".env"] });
    const proxied = await send(`${gateway.url}/files/content`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(proxied.status).toBe(200);
    const answer = JSON.parse(proxied.body) as Record<string, { content?: string; error?: string }>;
    expect(answer["src/app.ts"]?.content).toBe("export const needle = 42;\n");
    expect(answer[".env"]?.content).toBeUndefined();
  });

  it("passes the search query string through", async () => {
    const proxied = await send(`${gateway.url}/files/search?q=needle&glob=*.ts&limit=5`);
    expect(proxied.status).toBe(200);
    expect(JSON.parse(proxied.body)).toEqual(
      JSON.parse((await direct("/files/search?q=needle&glob=*.ts&limit=5")).body),
    );
  });

  it("passes the Core's own 400 through for a bad search", async () => {
    const proxied = await send(`${gateway.url}/files/search`);
    expect(proxied.status).toBe(400);
    expect(JSON.parse(proxied.body).error).toMatch(/q is required/);
  });

  it("does not let a caller's X-API-KEY through, even the Core's own key", async () => {
    const wrongToken = await startProxyHarness({ url: coreUrl, token: "not-the-token-the-core-issued-000" });
    try {
      const reply = await send(`${wrongToken.url}/files/structure`, { headers: { "x-api-key": coreApiKey } });
      expect(reply.status).toBe(502);
      expect(wrongToken.errors).toEqual(["core_unauthorized"]);
    } finally {
      await wrongToken.close();
    }
  });

  it("serves the Core's OpenAPI document rewritten for the Gateway", async () => {
    const reply = await send(`${openApiGateway.url}/openapi.json`);
    expect(reply.status).toBe(200);
    const doc = JSON.parse(reply.body) as {
      servers: unknown;
      security: unknown;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.servers).toEqual([{ url: "https://gateway.example.com" }]);
    const schemes = Object.values(doc.components.securitySchemes);
    expect(schemes).toEqual([{ type: "apiKey", in: "header", name: "X-API-KEY" }]);
    expect(doc.security).toEqual([{ [Object.keys(doc.components.securitySchemes)[0]!]: [] }]);
  });
});
