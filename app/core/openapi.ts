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

const lineParameter = (name: string, description: string) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type: "integer", minimum: 1 },
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
        get: {
          operationId: "readFile",
          summary: "Read one file, or a range of its lines",
          description: `Any line of any text file: give start_line and end_line (1-based, inclusive, either optional). The answer has total_lines and the lines returned; one larger than ${options.maxResponseChars} characters stops on a whole line with next_start_line.`,
          parameters: [
            {
              name: "path",
              in: "query",
              required: true,
              description: "File path relative to the project root",
              schema: { type: "string" },
            },
            lineParameter("start_line", "First line to return (1-based; default 1)"),
            lineParameter("end_line", "Last line to return, inclusive (default: the last line)"),
          ],
          responses: {
            "200": {
              description: "One entry, keyed by the path",
              content: { "application/json": { schema: { $ref: "#/components/schemas/ContentResponse" } } },
            },
            "400": errorResponse(
              "path missing or repeated; start_line or end_line not a whole number >= 1, or start_line after end_line",
            ),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("The file is missing, hidden or outside the project"),
          },
        },
        post: {
          operationId: "getFileContents",
          summary: "Read the contents of several files or line ranges",
          description: `At most ${options.maxFilesPerRequest} paths or {path, start_line, end_line} ranges. The answer fits ${options.maxResponseChars} characters: a read that does not fit stops on a whole line with truncated and next_start_line; later files are skipped.`,
          "x-openai-isConsequential": false,
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
              "file_paths missing, empty, too many, or an item neither a path nor a valid range; or the body is not JSON",
            ),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("All requested files are missing"),
            "413": errorResponse("Request body too large"),
          },
        },
      },
      "/files/info": {
        get: {
          operationId: "getFileInfo",
          summary: "Size, line count, modification time and binary or text of files",
          description:
            "Give path once per file (path=a.ts&path=b.md). Use it to plan line-range reads of large files.",
          parameters: [
            {
              name: "path",
              in: "query",
              required: true,
              description: "File path relative to the project root; repeat for several files",
              schema: {
                type: "array",
                items: { type: "string" },
                minItems: 1,
                maxItems: options.maxFilesPerRequest,
              },
              style: "form",
              explode: true,
            },
          ],
          responses: {
            "200": {
              description: "One entry per path",
              content: { "application/json": { schema: { $ref: "#/components/schemas/FileInfoResponse" } } },
            },
            "400": errorResponse("No path, or more paths than allowed"),
            "401": errorResponse("Missing or invalid API key"),
            "404": errorResponse("All requested files are missing"),
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
            "JSON-RPC messages for MCP clients; tools list_structure, list_files, read_files, search and file_info. Not meant for GPT Actions.",
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
              items: {
                oneOf: [
                  { type: "string", description: "A whole file" },
                  { $ref: "#/components/schemas/LineRange" },
                ],
              },
              minItems: 1,
              maxItems: options.maxFilesPerRequest,
            },
          },
          required: ["file_paths"],
        },
        LineRange: {
          type: "object",
          description: "Lines start_line to end_line of a file, 1-based and inclusive; either end optional",
          properties: {
            path: { type: "string" },
            start_line: { type: "integer", minimum: 1 },
            end_line: { type: "integer", minimum: 1 },
          },
          required: ["path"],
          additionalProperties: false,
        },
        ContentResponse: {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: {
              content: { type: "string", description: "File contents (UTF-8), whole lines" },
              total_lines: { type: "integer", description: "Lines in the whole file" },
              start_line: { type: "integer", description: "First line in content (1-based)" },
              end_line: {
                type: "integer",
                description: "Last line in content (start_line - 1 for an empty file)",
              },
              truncated: {
                type: "boolean",
                description: "True when content stops before the end of the asked range (size limits)",
              },
              next_start_line: {
                type: "integer",
                description: "With truncated: the start_line to ask for next",
              },
              partial_line: {
                type: "boolean",
                description: "One line longer than the whole answer allows: content is only its beginning",
              },
              duplicate_of: {
                type: "string",
                description: "The same file and range was asked for under another spelling: see that entry",
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
        FileInfoResponse: {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: {
              size: { type: "integer", description: "Size in bytes" },
              total_lines: { type: "integer", description: "Lines (text files only)" },
              modified: { type: "string", format: "date-time", description: "Last modification (UTC)" },
              binary: { type: "boolean" },
              error: { type: "string", description: "Why this path could not be described" },
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
