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
          summary: "Search the project's files like grep (text or regex), page by page",
          description:
            "Matching lines with line numbers (mode=lines, optional context), matching files (mode=files) or counts per file (mode=count). Narrow with path and glob. When truncated is true, call again with cursor=next_cursor and the same q, regex, ignore_case, mode, path and glob.",
          parameters: [
            {
              name: "q",
              in: "query",
              required: true,
              description: "Text to find, or a regular expression when regex=true; one line",
              schema: { type: "string", minLength: 1 },
            },
            {
              name: "regex",
              in: "query",
              required: false,
              description:
                "Treat q as a JavaScript regular expression, matched per line in linear time (no backreferences or lookaround)",
              schema: { type: "boolean", default: false },
            },
            {
              name: "ignore_case",
              in: "query",
              required: false,
              description: "Match case-insensitively",
              schema: { type: "boolean", default: false },
            },
            {
              name: "context",
              in: "query",
              required: false,
              description: "Lines of context before and after each matching line (mode=lines)",
              schema: { type: "integer", minimum: 0, maximum: 10, default: 0 },
            },
            {
              name: "mode",
              in: "query",
              required: false,
              description: "lines: matching lines; files: files with a match; count: matching lines per file",
              schema: { type: "string", enum: ["lines", "files", "count"], default: "lines" },
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
              description:
                "Only files matching this glob (*.ts matches names anywhere; src/**/*.md whole paths)",
              schema: { type: "string", maxLength: 256 },
            },
            {
              name: "limit",
              in: "query",
              required: false,
              description: "Most results (lines or files) in this page",
              schema: {
                type: "integer",
                minimum: 1,
                maximum: options.searchMaxResults,
                default: Math.min(50, options.searchMaxResults),
              },
            },
            {
              name: "cursor",
              in: "query",
              required: false,
              description: "next_cursor of the previous page, unchanged: continues exactly where it stopped",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description: "Matches",
              content: { "application/json": { schema: { $ref: "#/components/schemas/SearchResult" } } },
            },
            "400": errorResponse("Bad query parameters (the message names the parameter)"),
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
            mode: { type: "string", enum: ["lines", "files", "count"] },
            results: {
              type: "array",
              description:
                "mode=lines: {path, line, text, before?, after?}; mode=files: {path}; mode=count: {path, count}. Lines are cut at 300 characters.",
              items: {
                type: "object",
                properties: {
                  path: { type: "string" },
                  line: { type: "integer" },
                  text: { type: "string" },
                  before: { type: "array", items: { type: "string" }, description: "Context lines before" },
                  after: { type: "array", items: { type: "string" }, description: "Context lines after" },
                  count: { type: "integer", description: "Matching lines in this file (mode=count)" },
                },
                required: ["path"],
              },
            },
            truncated: {
              type: "boolean",
              description: "True when the search did not reach the end: continue with next_cursor",
            },
            next_cursor: {
              type: ["string", "null"],
              description: "Pass as cursor to get the next page; null when the search is complete",
            },
            stopped_by: {
              type: "string",
              enum: ["limit", "deadline", "file_bytes", "files", "response_size"],
              description: "Why this page ended early (only when truncated)",
            },
            files_searched: { type: "integer", description: "Files scanned for this page" },
          },
          required: ["query", "mode", "results", "truncated", "next_cursor", "files_searched"],
        },
      },
    },
  };
}
