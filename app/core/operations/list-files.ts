import { z } from "zod";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "../project/file-listing.js";
import { unreadableReport } from "./list-structure.js";
import { defineOperation } from "./operation.js";

const limitError = `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

/** Every visible file under a directory, a page at a time; the same rules as `GET /files/list`. */
export const listFilesOperation = defineOperation({
  name: "list_files",
  title: "List files",
  description:
    "Every visible file under path (default: the whole project), with its size in bytes, a page at a time in a stable order. " +
    "Optional glob (*.ts matches names anywhere; app/**/*.md whole paths). " +
    "While next_cursor is not null, call again with cursor set to it (same path and glob) for the next page.",
  input: z.strictObject({
    path: z.string().optional(),
    glob: z.string().optional(),
    cursor: z.string().optional(),
    limit: z
      .number({ error: limitError })
      .int({ error: limitError })
      .min(1, { error: limitError })
      .max(MAX_LIST_LIMIT, { error: limitError })
      .optional()
      .describe(`Most files in one page (default ${DEFAULT_LIST_LIMIT})`),
  }),
  output: z.object({
    files: z.array(z.object({ path: z.string(), size: z.number().nullable() })),
    next_cursor: z.string().nullable(),
    unreadable: unreadableReport.optional(),
    skipped_too_long: z.number().optional(),
  }),
  run: async ({ project, limits }, { path, glob, cursor, limit }) =>
    project.listFiles({
      maxChars: limits.maxResponseChars,
      ...(path !== undefined ? { path } : {}),
      ...(glob !== undefined ? { glob } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      ...(limit !== undefined ? { limit } : {}),
    }),
});
