import { z } from "zod";
import { MAX_CONTEXT_LINES, SEARCH_MODES } from "../search/search-request.js";
import { defineOperation } from "./operation.js";

/** Text or regex search over the visible files, paged by cursor; the same rules as `GET /files/search`. */
export const searchOperation = defineOperation({
  name: "search",
  title: "Search text",
  description:
    "Search the project's files like grep: literal text by default, or a regular expression (regex=true; JavaScript syntax, no backreferences or lookaround). " +
    "Returns matching lines with line numbers (mode=lines, optional context lines), the files that match (mode=files), or matching lines per file (mode=count). " +
    "Narrow with path (a directory) and glob (e.g. *.ts or src/**/*.md). " +
    "When truncated is true, call again with cursor=next_cursor (same q, regex, ignore_case, mode, path, glob) to get the next hits.",
  input: z.strictObject({
    q: z.string().min(1),
    regex: z.boolean().optional(),
    ignore_case: z.boolean().optional(),
    context: z.number().int().min(0).max(MAX_CONTEXT_LINES).optional(),
    mode: z.enum(SEARCH_MODES).optional(),
    path: z.string().optional(),
    glob: z.string().optional(),
    limit: z.number().int().min(1).optional(),
    cursor: z.string().optional(),
  }),
  output: z.object({
    query: z.string(),
    mode: z.enum(SEARCH_MODES),
    results: z.array(
      z.union([
        z.object({
          path: z.string(),
          line: z.number(),
          text: z.string(),
          before: z.array(z.string()).optional(),
          after: z.array(z.string()).optional(),
        }),
        z.object({ path: z.string(), count: z.number() }),
        z.object({ path: z.string() }),
      ]),
    ),
    truncated: z.boolean(),
    next_cursor: z.string().nullable(),
    stopped_by: z.enum(["limit", "deadline", "file_bytes", "files", "response_size"]).optional(),
    files_searched: z.number(),
  }),
  run: async ({ project, signal }, { q, ignore_case, ...rest }) =>
    project.search(
      {
        query: q,
        ...(ignore_case !== undefined ? { ignoreCase: ignore_case } : {}),
        ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      },
      signal,
    ),
});
