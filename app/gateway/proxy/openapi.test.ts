import { describe, expect, it } from "vitest";
import { BadGatewayError } from "../../common/errors.js";
import { buildOpenApiDocument } from "../../core/openapi.js";
import { buildActionsDocument, type ActionRoute } from "./openapi.js";

const ACTIONS: ActionRoute[] = [
  ["get", "/files/structure"],
  ["post", "/files/content"],
  ["get", "/files/search"],
];

const coreDoc = () =>
  buildOpenApiDocument({
    publicUrl: "https://abc.ngrok-free.app",
    maxFileBytes: 1024,
    maxFilesPerRequest: 10,
    maxRequestBytes: 4096,
    searchMaxResults: 100,
    maxResponseChars: 90_000,
  });

type Operation = {
  security?: unknown;
  responses: Record<string, { content?: Record<string, unknown>; description: string }>;
  "x-openai-isConsequential"?: boolean;
};
const build = (doc: unknown = coreDoc()) =>
  buildActionsDocument(doc, "https://gateway.example.com/", ACTIONS);
const operations = (doc: Record<string, unknown>) =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe("buildActionsDocument", () => {
  it("names the Gateway's public URL as the only server, never the Core's tunnel", () => {
    const doc = build();
    expect(doc.servers).toEqual([{ url: "https://gateway.example.com" }]);
    expect(JSON.stringify(doc)).not.toContain("ngrok-free.app");
  });

  it("offers the read operations only: no /mcp, no health, not the document itself", () => {
    expect(Object.keys(build().paths as object).sort()).toEqual([
      "/files/content",
      "/files/search",
      "/files/structure",
    ]);
  });

  it("keeps one X-API-KEY scheme, applied globally, with no bearer scheme or per-operation override", () => {
    const doc = build();
    expect((doc.components as { securitySchemes: unknown }).securitySchemes).toEqual({
      ApiKeyAuth: expect.objectContaining({ type: "apiKey", in: "header", name: "X-API-KEY" }),
    });
    expect(doc.security).toEqual([{ ApiKeyAuth: [] }]);
    expect(JSON.stringify(doc).toLowerCase()).not.toContain("bearer");
    for (const { op } of operations(doc)) expect(op.security).toBeUndefined();
  });

  it("marks reads sent as POST not consequential, so ChatGPT does not ask before each one", () => {
    for (const { method, op } of operations(build())) {
      if (method === "get") expect(op["x-openai-isConsequential"]).toBeUndefined();
      else expect(op["x-openai-isConsequential"]).toBe(false);
    }
  });

  it("documents every status the Gateway can answer with its problem+json body", () => {
    for (const { method, op } of operations(build())) {
      const statuses = [
        "400",
        "401",
        "403",
        "429",
        "500",
        "502",
        "503",
        "504",
        ...(method === "post" ? ["413"] : []),
      ];
      for (const status of statuses) {
        expect(op.responses[status]?.content, `${method} ${status}`).toEqual({
          "application/problem+json": { schema: { $ref: "#/components/schemas/Error" } },
        });
      }
    }
  });

  it("keeps the Core's own wording where both answer the same status", () => {
    const content = (build().paths as Record<string, Record<string, Operation>>)["/files/content"]!.post!;
    expect(content.responses["404"]!.description).toBe("All requested files are missing");
  });

  it("describes the error body as RFC 9457 problem details", () => {
    const schemas = (build().components as { schemas: Record<string, { required: string[] }> }).schemas;
    expect(schemas.Error!.required).toEqual(["type", "title", "status", "detail", "error"]);
  });

  it("drops the schemas only the removed operations used", () => {
    const schemas = (build().components as { schemas: Record<string, unknown> }).schemas;
    expect(schemas.Health).toBeUndefined();
    expect(schemas.Structure).toBeDefined();
  });

  it("skips an action the Core's document does not describe", () => {
    const doc = buildActionsDocument(coreDoc(), "https://gw.example", [
      ...ACTIONS,
      ["get", "/files/unknown"],
    ]);
    expect(Object.keys(doc.paths as object)).not.toContain("/files/unknown");
  });

  it("does not modify its input", () => {
    const input = coreDoc();
    const before = JSON.stringify(input);
    build(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each([[null], ["openapi"], [[1, 2]], [42]])(
    "answers 502 for a document that is not an object: %j",
    (doc) => {
      expect(() => build(doc)).toThrow(BadGatewayError);
    },
  );
});
