import { DENY_LIST_PATTERNS } from "./project/deny-list.js";

export interface OpenApiOptions {
  publicUrl: string;
  maxFileBytes: number;
  maxFilesPerRequest: number;
  maxRequestBytes: number;
  searchMaxResults: number;
}

/** RFC 9457 problem details; `error` repeats `detail` for clients of the earlier system (docs/errors.md). */
const error = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    error: { type: "string" },
  },
  required: ["type", "title", "status", "detail", "error"],
} as const;
const errorResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/**
 * OpenAPI 3.1 description of the Core, importable as a GPT Action. Descriptions stay short
 * (GPT Actions cut them at 300 characters) and every operation has an operationId.
 */
export function buildOpenApiDocument(options: OpenApiOptions) {
  return {
    openapi: "3.1.0",
    info: {
      title: "CodeQuery Core",
      version: "1.0.0",
      description:
        "Read-only access to one project directory: list its structure, read files, search text. " +
        "Ignored and secret files (for example " +
        DENY_LIST_PATTERNS.slice(0, 6).join(", ") +
        ") are never listed, read or searched.",
    },
    servers: [{ url: options.publicUrl }],
    security: [{ ApiKeyAuth: [] }],
    paths: {
      "/": {
        get: {
          operationId: "getHealth",
          summary: "Health check (no authentication)",
          security: [],
          responses: {
            "200": {
              description: "The Core is up",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Health" } } },
            },
          },
        },
      },
      "/files/structure": {
        get: {
          operationId: "getFileStructure",
          summary: "List the project's directories and files",
          description:
            'One entry per non-empty directory, keyed by its path relative to the root ("." is the root).',
          responses: {
            "200": {
              description: "The visible tree",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Structure" } } },
            },
            "401": errorResponse("Missing or invalid API key"),
          },
        },
      },
      "/files/content": {
        post: {
          operationId: "getFileContents",
          summary: "Read the contents of several files",
          description: `Paths relative to the project root, at most ${options.maxFilesPerRequest} per request. Files over ${options.maxFileBytes} bytes are truncated (truncated: true); answers stop at ${options.maxRequestBytes} bytes in total.`,
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/ContentRequest" } } },
          },
          responses: {
            "200": {
              description: "One result per requested path",
              content: { "application/json": { schema: { $ref: "#/components/schemas/ContentResponse" } } },
            },
            "400": errorResponse(
              "file_paths missing, empty, not a list of strings, too many, or the body is not JSON",
            ),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("All requested files are missing"),
            "413": errorResponse("Request body too large"),
          },
        },
      },
      "/files/search": {
        get: {
          operationId: "searchFiles",
          summary: "Search the project's files for literal text",
          description:
            "Returns matching lines with their line numbers. Narrow with path (a directory prefix) and glob (e.g. *.ts or src/**/*.md).",
          parameters: [
            {
              name: "q",
              in: "query",
              required: true,
              description: "Literal text to find (not a regex)",
              schema: { type: "string", minLength: 1 },
            },
            {
              name: "path",
              in: "query",
              required: false,
              description: "Only files under this directory",
              schema: { type: "string" },
            },
            {
              name: "glob",
              in: "query",
              required: false,
              description: "Only files matching this glob",
              schema: { type: "string" },
            },
            {
              name: "limit",
              in: "query",
              required: false,
              description: "Most matches to return",
              schema: {
                type: "integer",
                minimum: 1,
                maximum: options.searchMaxResults,
                default: Math.min(50, options.searchMaxResults),
              },
            },
            {
              name: "ignore_case",
              in: "query",
              required: false,
              description: "Match case-insensitively",
              schema: { type: "boolean", default: false },
            },
          ],
          responses: {
            "200": {
              description: "Matches",
              content: { "application/json": { schema: { $ref: "#/components/schemas/SearchResult" } } },
            },
            "400": errorResponse("Bad query parameters"),
            "401": errorResponse("Missing or invalid API key"),
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          responses: {
            "200": {
              description: "OpenAPI 3.1 document",
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
      "/mcp": {
        post: {
          operationId: "postMcpMessage",
          summary: "MCP (Model Context Protocol) over Streamable HTTP, stateless",
          description:
            "JSON-RPC messages for MCP clients; tools list_structure, read_files and search. Not meant for GPT Actions.",
          requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
          responses: {
            "200": {
              description: "JSON-RPC response",
              content: { "application/json": { schema: { type: "object" } } },
            },
            "400": errorResponse("Not JSON, or not a JSON-RPC message"),
            "401": errorResponse("Missing or invalid API key"),
            "403": errorResponse("Host not allowed"),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        ApiKeyAuth: { type: "apiKey", in: "header", name: "X-API-KEY" },
        GatewayToken: {
          type: "http",
          scheme: "bearer",
          description: "Token of the Core's latest registration; used by the Gateway only",
        },
      },
      schemas: {
        Error: error,
        Health: {
          type: "object",
          properties: { status: { type: "string" }, service: { type: "string" } },
          required: ["status"],
        },
        Structure: {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: {
              directories: { type: "array", items: { type: "string" } },
              files: { type: "array", items: { type: "string" } },
            },
            required: ["directories", "files"],
          },
        },
        ContentRequest: {
          type: "object",
          properties: {
            file_paths: {
              type: "array",
              items: { type: "string" },
              minItems: 1,
              maxItems: options.maxFilesPerRequest,
            },
          },
          required: ["file_paths"],
        },
        ContentResponse: {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: {
              content: { type: "string", description: "File contents (UTF-8)" },
              truncated: {
                type: "boolean",
                description: "True when content stops before the end of the file",
              },
              size: { type: "integer", description: "Full size of the file in bytes" },
              binary: { type: "boolean", description: "True for a binary file, whose content is not shown" },
              skipped: {
                type: "boolean",
                description: "True when the response size limit was reached before this file",
              },
              error: { type: "string", description: "Why this file could not be read" },
            },
          },
        },
        SearchResult: {
          type: "object",
          properties: {
            query: { type: "string" },
            results: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, line: { type: "integer" }, text: { type: "string" } },
                required: ["path", "line", "text"],
              },
            },
            truncated: { type: "boolean" },
            files_searched: { type: "integer" },
          },
          required: ["query", "results", "truncated", "files_searched"],
        },
      },
    },
  };
}
