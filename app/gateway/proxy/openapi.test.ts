import { describe, expect, it } from "vitest";
import { BadGatewayError } from "../../common/errors.js";
import { rewriteOpenApiForGateway } from "./openapi.js";

const coreDoc = () => ({
  openapi: "3.1.0",
  info: { title: "CodeQuery Core", version: "1.0.0" },
  servers: [{ url: "https://abc.ngrok-free.app" }, { url: "http://127.0.0.1:8000" }],
  components: {
    securitySchemes: {
      CoreApiKey: { type: "apiKey", in: "header", name: "X-API-KEY" },
      GatewayToken: { type: "http", scheme: "bearer" },
    },
    schemas: { Structure: { type: "object" } },
  },
  security: [{ CoreApiKey: [] }, { GatewayToken: [] }],
  paths: {
    "/": { get: { operationId: "health", security: [] } },
    "/files/structure": { get: { operationId: "getStructure" } },
    "/files/content": { post: { operationId: "getContent", security: [{ GatewayToken: [] }] } },
    "/files/search": { get: { operationId: "search", security: [{ CoreApiKey: [] }, { GatewayToken: [] }] } },
  },
});

describe("rewriteOpenApiForGateway", () => {
  it("names the Gateway's public URL as the only server", () => {
    const doc = rewriteOpenApiForGateway(coreDoc(), "https://gateway.example.com/");
    expect(doc.servers).toEqual([{ url: "https://gateway.example.com" }]);
  });

  it("keeps one X-API-KEY apiKey scheme, applied globally, and removes the bearer scheme", () => {
    const doc = rewriteOpenApiForGateway(coreDoc(), "https://gateway.example.com");
    const components = doc.components as { securitySchemes: Record<string, unknown>; schemas: unknown };
    expect(components.securitySchemes).toEqual({
      CoreApiKey: { type: "apiKey", in: "header", name: "X-API-KEY" },
    });
    expect(doc.security).toEqual([{ CoreApiKey: [] }]);
    expect(components.schemas).toEqual({ Structure: { type: "object" } });
  });

  it("drops operation requirements that named a removed scheme, keeps public operations public", () => {
    const paths = rewriteOpenApiForGateway(coreDoc(), "https://gw.example").paths as Record<
      string,
      Record<string, { security?: unknown }>
    >;
    expect(paths["/"]!.get!.security).toEqual([]);
    expect(paths["/files/content"]!.post!.security).toBeUndefined();
    expect(paths["/files/search"]!.get!.security).toEqual([{ CoreApiKey: [] }]);
    expect(paths["/files/structure"]!.get!.security).toBeUndefined();
  });

  it("adds the scheme when the Core's document has none", () => {
    const doc = rewriteOpenApiForGateway(
      { openapi: "3.1.0", info: { title: "t", version: "1" }, paths: {} },
      "https://gw.example",
    );
    expect(doc.components).toEqual({
      securitySchemes: { ApiKeyAuth: { type: "apiKey", in: "header", name: "X-API-KEY" } },
    });
    expect(doc.security).toEqual([{ ApiKeyAuth: [] }]);
  });

  it("does not modify its input", () => {
    const input = coreDoc();
    const before = JSON.stringify(input);
    rewriteOpenApiForGateway(input, "https://gw.example");
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each([[null], ["openapi"], [[1, 2]], [42]])(
    "answers 502 for a document that is not an object: %j",
    (doc) => {
      expect(() => rewriteOpenApiForGateway(doc, "https://gw.example")).toThrow(BadGatewayError);
    },
  );
});
