import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Project } from "../project/project.js";
import { ALL_MISSING, parseFilePaths } from "../project/reader.js";

export interface McpToolLimits {
  maxFilesPerRequest: number;
  searchMaxResults: number;
}

const asText = (value: unknown) => ({
  content: [{ type: "text" as const, text: JSON.stringify(value, null, 2) }],
});

/**
 * An MCP server exposing the project with the same rules and limits as the HTTP routes (it
 * calls the same Project). Built per request: the endpoint is stateless.
 */
export function buildMcpServer(project: Project, limits: McpToolLimits): McpServer {
  const server = new McpServer({ name: "codequery-core", version: "1.0.0" });

  server.registerTool(
    "list_structure",
    {
      title: "List project structure",
      description:
        'Directories and files of the project, one entry per non-empty directory keyed by its relative path ("." is the root).',
      annotations: { readOnlyHint: true },
    },
    async () => asText(await project.structure()),
  );

  server.registerTool(
    "read_files",
    {
      title: "Read files",
      description: `Contents of up to ${limits.maxFilesPerRequest} files, by path relative to the project root. Large files are truncated (truncated: true); binary files are reported, not shown.`,
      inputSchema: { file_paths: z.array(z.string()).min(1).max(limits.maxFilesPerRequest) },
      annotations: { readOnlyHint: true },
    },
    async ({ file_paths }) => {
      const { results, allMissing } = project.readFiles(
        parseFilePaths(file_paths, limits.maxFilesPerRequest),
      );
      return allMissing
        ? { ...asText({ error: ALL_MISSING, files: results }), isError: true }
        : asText(results);
    },
  );

  server.registerTool(
    "search",
    {
      title: "Search text",
      description:
        "Literal text search over the project's files; returns matching lines with line numbers. Optional path (directory prefix) and glob.",
      inputSchema: {
        q: z.string().min(1),
        path: z.string().optional(),
        glob: z.string().optional(),
        limit: z.number().int().min(1).max(limits.searchMaxResults).optional(),
        ignore_case: z.boolean().optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ q, path, glob, limit, ignore_case }) =>
      asText(
        await project.search({
          query: q,
          ...(path !== undefined ? { path } : {}),
          ...(glob !== undefined ? { glob } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(ignore_case !== undefined ? { ignoreCase: ignore_case } : {}),
        }),
      ),
  );

  return server;
}
