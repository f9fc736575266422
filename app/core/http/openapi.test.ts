import { afterEach, describe, expect, it } from "vitest";
import { startFakeGateway, type FakeGateway } from "../testing/fake-gateway.js";
import { startTestCore, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { NgrokForwardConfig } from "../tunnel/ngrok.js";

let project: TempProject | undefined;
let running: RunningCore | undefined;
let gateway: FakeGateway | undefined;
afterEach(async () => {
  await running?.close();
  await gateway?.close();
  project?.cleanup();
  running = gateway = project = undefined;
});

type Doc = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<
    string,
    Record<string, { operationId?: string; security?: unknown[]; description?: string; summary?: string }>
  >;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  security: unknown[];
};

async function fetchDoc(env: Record<string, string> = {}, deps = {}): Promise<Doc> {
  project = createTempProject({ "a.txt": "a" });
  running = await startTestCore(project.root, env, deps);
  const res = await running.call("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document describing every route with an operationId", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/",
      "/files/content",
      "/files/info",
      "/files/list",
      "/files/search",
      "/files/structure",
      "/mcp",
      "/openapi.json",
    ]);
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    const ids = operations.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[A-Za-z0-9_]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // GPT Actions cut descriptions at 300 characters.
    for (const op of operations) expect((op.description ?? "").length).toBeLessThanOrEqual(300);
  });

  it("declares the X-API-KEY header scheme, with health open", async () => {
    const doc = await fetchDoc();
    expect(doc.components.securitySchemes.ApiKeyAuth).toEqual({
      type: "apiKey",
      in: "header",
      name: "X-API-KEY",
    });
    expect(doc.security).toEqual([{ ApiKeyAuth: [] }]);
    expect(doc.paths["/"]?.get?.security).toEqual([]);
  });

  it("resolves every $ref", async () => {
    const doc = await fetchDoc();
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref.slice(22, -1));
  });

  it("names CORE_PUBLIC_URL as the server", async () => {
    const doc = await fetchDoc({ CORE_PUBLIC_URL: "https://core.example.com" });
    expect(doc.servers).toEqual([{ url: "https://core.example.com" }]);
  });

  it("names the ngrok URL as the server, and registers it with the Gateway", async () => {
    gateway = await startFakeGateway(TEST_API_KEY);
    const forward = async (config: NgrokForwardConfig) => {
      expect(config.addr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      return { url: () => "https://abc.ngrok-free.app", close: async () => undefined };
    };
    const doc = await fetchDoc(
      { TUNNEL: "ngrok", NGROK_AUTHTOKEN: "tok", GATEWAY_URL: gateway.url },
      { ngrokForward: forward },
    );
    expect(doc.servers).toEqual([{ url: "https://abc.ngrok-free.app" }]);
    await running!.core.registration!.whenRegistered();
    expect(gateway.registrations.map((r) => r.ngrokUrl)).toEqual(["https://abc.ngrok-free.app"]);
  });
});
