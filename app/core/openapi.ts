import { DENY_LIST_PATTERNS } from "./project/deny-list.js";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "./project/file-listing.js";
import { MAX_STRUCTURE_DEPTH, TRUNCATED_KEY, UNREADABLE_KEY } from "./project/structure-listing.js";

export interface OpenApiOptions {
  publicUrl: string;
  maxFileBytes: number;
  maxFilesPerRequest: number;
  maxRequestBytes: number;
  searchMaxResults: number;
  /** Most characters of JSON in one answer. */
  maxResponseChars: number;
}

const error = { type: "object", properties: { error: { type: "string" } }, required: ["error"] } as const;
const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
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
          description: `One entry per non-empty directory, keyed by its path relative to the root ("." is the root). Narrow with path and depth. Over ${options.maxResponseChars} characters, the deepest complete levels that fit are answered with a "${TRUNCATED_KEY}" note naming the directories not expanded.`,
          parameters: [
            {
              name: "path",
              in: "query",
              required: false,
              description: "Only this directory and what lies under it (relative to the project root)",
              schema: { type: "string" },
            },
            {
              name: "depth",
              in: "query",
              required: false,
              description: "Levels below path to list; 1 = its direct children. All levels when absent.",
              schema: { type: "integer", minimum: 1, maximum: MAX_STRUCTURE_DEPTH },
            },
          ],
          responses: {
            "200": {
              description: "The visible tree (or the part of it that fits)",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Structure" } } },
            },
            "400": errorResponse(
              "path absolute, with '..', leading outside the project or to a file; bad depth",
            ),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("Directory not found (or hidden)"),
          },
        },
      },
      "/files/list": {
        get: {
          operationId: "listFiles",
          summary: "Page through every file under a directory",
          description:
            "Every visible file under path, with its size, in a stable order. While next_cursor is not null, call again with cursor=next_cursor (same path and glob) for the next page.",
          parameters: [
            {
              name: "path",
              in: "query",
              required: false,
              description: "Only files under this directory (default: the whole project)",
              schema: { type: "string" },
            },
            {
              name: "glob",
              in: "query",
              required: false,
              description:
                "Only files matching this glob: *.ts matches names anywhere, app/**/*.md whole paths",
              schema: { type: "string", maxLength: 256 },
            },
            {
              name: "cursor",
              in: "query",
              required: false,
              description: "next_cursor of the previous page, unchanged",
              schema: { type: "string" },
            },
            {
              name: "limit",
              in: "query",
              required: false,
              description: "Most files in one page (a page also ends before the answer size limit)",
              schema: { type: "integer", minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
            },
          ],
          responses: {
            "200": {
              description: "One page of files",
              content: { "application/json": { schema: { $ref: "#/components/schemas/FileList" } } },
            },
            "400": errorResponse("Bad path, glob, cursor or limit"),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("Directory not found (or hidden)"),
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
            "JSON-RPC messages for MCP clients; tools list_structure, list_files, read_files and search. Not meant for GPT Actions.",
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
          description: `Entries keyed by directory path. Keys starting with "/" are notes, never directories: "${TRUNCATED_KEY}" (the listing was cut) and "${UNREADABLE_KEY}" (directories that could not be read).`,
          properties: {
            [TRUNCATED_KEY]: { $ref: "#/components/schemas/TruncationNote" },
            [UNREADABLE_KEY]: { $ref: "#/components/schemas/UnreadableReport" },
          },
          additionalProperties: {
            type: "object",
            properties: {
              directories: { type: "array", items: { type: "string" } },
              files: { type: "array", items: { type: "string" } },
            },
            required: ["directories", "files"],
          },
        },
        TruncationNote: {
          type: "object",
          properties: {
            reason: { type: "string" },
            levels_shown: {
              type: "integer",
              description: "Complete levels shown below path (1 = the directory's own entry only)",
            },
            not_expanded: {
              type: "array",
              items: { type: "string" },
              description: "Directories with contents not shown: ask again with path set to one of them",
            },
            entry_cut: {
              type: "object",
              description:
                "Present when even the directory's own entry was cut: how many names it has and shows",
              properties: {
                path: { type: "string" },
                directories_shown: { type: "integer" },
                directories_total: { type: "integer" },
                files_shown: { type: "integer" },
                files_total: { type: "integer" },
              },
            },
            how_to_continue: { type: "string" },
          },
          required: ["reason", "levels_shown", "not_expanded", "how_to_continue"],
        },
        UnreadableReport: {
          type: "object",
          description: "Directories skipped because they could not be read (the first 10 are named)",
          properties: {
            count: { type: "integer" },
            directories: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, error: { type: "string" } },
                required: ["path", "error"],
              },
            },
          },
          required: ["count", "directories"],
        },
        FileList: {
          type: "object",
          properties: {
            files: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  path: { type: "string" },
                  size: { type: ["integer", "null"], description: "Bytes; null if it cannot be stat'ed" },
                },
                required: ["path", "size"],
              },
            },
            next_cursor: {
              type: ["string", "null"],
              description: "Pass as cursor for the next page; null on the last page",
            },
            unreadable: { $ref: "#/components/schemas/UnreadableReport" },
            skipped_too_long: {
              type: "integer",
              description: "Files whose path alone is longer than an answer may be: counted, not listed",
            },
          },
          required: ["files", "next_cursor"],
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
