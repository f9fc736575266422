import { z } from "zod";
import { defineOperation } from "./operation.js";

/** Literal text search over the visible files; the same rules as `GET /files/search`. */
export const searchOperation = defineOperation({
  name: "search",
  title: "Search text",
  description:
    "Literal text search over the project's files; returns matching lines with line numbers. Optional path (directory prefix) and glob.",
  input: z.strictObject({
    q: z.string().min(1),
    path: z.string().optional(),
    glob: z.string().optional(),
    limit: z.number().int().min(1).optional(),
    ignore_case: z.boolean().optional(),
  }),
  output: z.object({
    query: z.string(),
    results: z.array(z.object({ path: z.string(), line: z.number(), text: z.string() })),
    truncated: z.boolean(),
    files_searched: z.number(),
  }),
  run: async ({ project }, { q, path, glob, limit, ignore_case }) =>
    project.search({
      query: q,
      ...(path !== undefined ? { path } : {}),
      ...(glob !== undefined ? { glob } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(ignore_case !== undefined ? { ignoreCase: ignore_case } : {}),
    }),
});
